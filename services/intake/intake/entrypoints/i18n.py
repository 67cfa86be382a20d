"""The words of intake's public pages, in English and Spanish.

The Spanish is written for a Spanish-speaking victim, not translated word for word. Keep the
two in step: ``tests/unit/test_public_pages.py`` checks that both have every key.
"""
TEXT = {
    "en": {
        "lang_name": "English",
        "other_lang": "es",
        "other_lang_name": "Español",
        "quick_exit": "Leave this page now",
        "quick_exit_hint": "Leaves at once for a weather site. The Esc key does the same.",
        "site": "Victim-Offender Dialogue",
        "help": "Questions, or need help? Call {phone}. You can stop at any time.",
        # the request form
        "form_title": "Ask for a dialogue, or to be told of custody changes",
        "form_intro": "Only a victim or a surviving family member of a victim can ask for a "
                      "dialogue. It happens only if you ask, and you can pause or stop at any time.",
        "kind": "What would you like?",
        "kind_dialogue": "A dialogue with the person who caused the harm",
        "kind_registration": "To be told when the offender's custody changes (release, transfer, hearings…)",
        "you": "About you",
        "given_name": "First name",
        "family_name": "Last name",
        "relationship": "You are…",
        "rel_victim": "The person who was harmed",
        "rel_surviving_family_member": "A family member of a victim who died",
        "rel_witness": "A witness who testified at trial",
        "rel_other": "Someone else",
        "contact": "How should we reach you?",
        "email": "Email",
        "phone": "Mobile phone",
        "preferred_channel": "Contact me by",
        "channel_email": "Email",
        "channel_sms": "Text message",
        "preferred_language": "Language for our messages",
        "state": "State you live in (two letters; XX if outside the US)",
        "state_hint": "If you live outside California, travel for the dialogue can be arranged.",
        "offender": "About the person who caused the harm",
        "cdcr_number": "CDCR number",
        "cdcr_hint": "The number the California Department of Corrections and Rehabilitation "
                     "(CDCR) gave the person; it is on the department's letters. One letter and "
                     "five digits, or two letters and four digits, e.g. AB1234.",
        "offender_given_name": "Their first name (if you know it)",
        "offender_family_name": "Their last name (if you know it)",
        "notify_on": "Tell me about",
        "notice_release": "Release", "notice_death": "Death", "notice_escape": "Escape (and return)",
        "notice_parole_hearing": "Parole hearings (victims and families only)",
        "notice_transfer": "Transfer to another prison", "notice_parole_discharge": "Discharge from parole",
        "notice_contract": "Placement in a contract facility",
        "notice_scheduled_execution": "Scheduled execution",
        "notice_hint_release": "when they leave prison, on parole or at the end of their sentence",
        "notice_hint_death": "if they die while in custody or on parole",
        "notice_hint_escape": "if they escape, and when they are back in custody",
        "notice_hint_parole_hearing": "when a hearing is set to decide whether they may be "
                                      "released on parole, so that you can take part",
        "notice_hint_transfer": "when they are moved from one state prison to another",
        "notice_hint_parole_discharge": "when their parole ends and they are no longer supervised",
        "notice_hint_contract": "when they are moved to a place run for the corrections "
                                "department under contract, such as a community re-entry "
                                "program, instead of a state prison",
        "notice_hint_scheduled_execution": "when a date is set for an execution",
        "notices_title": "Custody notices",
        "notices_intro": "We can tell you when the custody of the person who caused the harm "
                         "changes. For a registration, choose at least one kind of change.",
        "also_register": "Also register me for custody notices",
        "also_register_hint": "A dialogue request alone does not tell you of custody changes. "
                              "Tick this and the kinds of change below to be told of them too. "
                              "It is a separate registration: it goes on whatever happens to "
                              "the dialogue request, and you can change or cancel it from your "
                              "own page.",
        "tick_also_register": "You chose kinds of custody notice: tick “Also register me for "
                              "custody notices” to be told of them, or clear them.",
        "who_sees": "Who sees what you write here: only the program's staff, each only what "
                    "their work needs. Nothing you write is given to the person who caused the harm.",
        "expect_given_name": "Write your first name.",
        "expect_family_name": "Write your last name.",
        "expect_relationship": "Choose the one that describes you.",
        "expect_email": "Write an email address, like name@example.com.",
        "expect_phone": "Write a mobile number, like (619) 555-0142, or with its country code, "
                        "like +52 55 1234 5678.",
        "expect_state": "Two letters, like CA or AZ, or XX if you live outside the US.",
        "expect_cdcr": "One letter and five digits, like A12345, or two letters and four digits, "
                       "like AB1234.",
        "expect_short_name": "At most 100 characters.",
        "expect_notes": "At most 4,000 characters.",
        "expect_choice": "Choose one of the options shown.",
        "expect_notices": "Choose from the kinds of change shown.",
        # the confirmation page
        "made_title": "What you asked for",
        "made_dialogue": "A dialogue with the person who caused the harm.",
        "made_registration": "Custody notices (your registration): {kinds}.",
        "next_title": "What happens next",
        "next_message": "Now: we send you a message the way you chose, with your reference number "
                        "and a link to your own page. Emails go at once. Text messages are not "
                        "sent between 9 p.m. and 8 a.m. where you live: one due at night arrives "
                        "soon after 8 a.m.",
        "next_dialogue": "Then: we check where the person who caused the harm is in custody and "
                         "tell you whether your request can go ahead. This is usually quick; when "
                         "a staff member must look at it first, it takes longer, and we tell you "
                         "so. If it can go ahead, staff will contact you before anything is "
                         "arranged.",
        "next_registration": "From then on: we tell you of each change you chose, once the "
                             "corrections department reports it to us.",
        "next_choices": "You can pause or stop, and change your choices, at any time from your "
                        "page, or by calling {phone}.",
        "quick_exit_key": "or press Esc",
        "notes": "Anything you would like us to know (optional)",
        "submit": "Send my request",
        "errors_title": "Please check these and send again:",
        "optional": "optional",
        "done_title": "We have your request",
        # the door: confirming the contact, limits
        "pending_email_title": "Please check your email",
        "pending_email": "We sent a link to the address you gave. Your request is made only when "
                         "you follow it and press its button. The link works for 48 hours. If "
                         "nothing arrives in a few minutes, look in your spam folder, or call us.",
        "pending_sms_title": "Enter the code we texted you",
        "pending_sms": "We sent a six-digit code to the number you gave. Your request is made only "
                       "when you enter it here. The code works for 48 hours.",
        "pending_privacy": "Until you confirm, nobody at the program sees your request, and if you "
                           "do not confirm it is deleted after 48 hours.",
        "code": "Code (six digits)",
        "code_submit": "Confirm",
        "code_wrong": "That code is not right. You can try {left} more times.",
        "code_too_many": "The code was wrong too many times, so the request was deleted. Please "
                         "send the form again, or call {phone}.",
        "pending_gone_title": "This request is no longer waiting",
        "pending_gone": "It was already confirmed, or more than 48 hours passed. If you need to, "
                        "send the form again, or call {phone}.",
        "confirm_title": "Confirm your request",
        "confirm_intro": "Press the button to confirm that you asked for this. Nothing happens "
                         "until you do.",
        "confirm_button": "Yes, I asked for this",
        "too_many_title": "Please wait before trying again",
        "too_many": "We have had many requests from here or for these details. Please try again "
                    "in {minutes} minutes, or call {phone}.",
        "not_sent_title": "We could not send your confirmation",
        "not_sent": "Nothing was kept. Please try again in a few minutes, or call {phone}.",
        "form_unreadable": "This form could not be read. Please send it with the page's own button.",
        # her own page
        "page_title": "Your page",
        "page_intro": "Here you can see your request, the messages we sent you, and change your "
                      "choices. To keep this safe, each change needs a code we send you.",
        "status_withdrawal_pending": "You withdrew this request. Everything has stopped. You can "
                                     "undo this until {date}; after that it is final.",
        "undo_withdrawal": "Undo my withdrawal",
        "withdraw_explained": "Withdrawing stops everything at once. You do not need to give a "
                              "reason, and you can undo it for 7 days.",
        "messages_title": "Messages we sent you",
        "messages_none": "No messages yet.",
        "msg_when": "When", "msg_how": "How", "msg_about": "About",
        "msg_failed": "could not be delivered",
        "about_request": "Your request", "about_registration": "Your registration",
        "about_case": "Your request's status", "about_eligibility": "The review of your request",
        "about_meeting": "A preparation meeting", "about_session": "The dialogue",
        "about_custody": "A custody change", "about_survey": "A question about your experience",
        "about_withdrawal": "Your withdrawal", "about_sms": "Text message settings",
        "about_other": "A message from the program",
        "prefs_title": "How we reach you",
        "prefs_intro": "We send a code to confirm each change. If you move to text messages, "
                       "the code goes to your phone.",
        "time_zone": "Your time zone",
        "time_zone_from_state": "From the state you live in",
        "quiet_hours": "Quiet hours for text messages (optional)",
        "quiet_hours_hint": "We hold text messages during these hours, in your time zone. Emails "
                            "are never held.",
        "quiet_from": "From", "quiet_until": "Until",
        "save_with_code": "Save (we will send you a code)",
        "new_contact": "A new email or phone",
        "new_contact_value": "New email address or mobile number",
        "new_contact_hint": "We first send a code to you as you are reached now, then a second "
                            "code to the new address or number. It is used only after that.",
        "registrations_title": "Custody notices you registered for",
        "registrations_none": "You have not registered for custody notices.",
        "registration_about": "About CDCR number {cdcr}: tell me about",
        "cancel_registration": "Cancel this registration",
        "signout_title": "Sign out everywhere",
        "signout_intro": "If someone else may have seen a message from us, this makes every link "
                         "we sent you stop working at once, this one too. Each new message brings "
                         "a new link.",
        "signout_button": "Sign out everywhere",
        "signed_out_title": "Your links no longer work",
        "signed_out": "Each new message from us brings a new link. If you need your page sooner, "
                      "call {phone}.",
        "code_title": "Enter the code we sent you",
        "code_sent_email": "We sent a six-digit code by email. It works for 15 minutes.",
        "code_sent_phone": "We sent a six-digit code by text message. It works for 15 minutes.",
        "code_gone": "That code no longer works. Please start the change again.",
        "back_to_page": "Back to your page",
        "changed_preferences": "Your choices are saved.",
        "changed_contact": "Your new contact is confirmed and saved.",
        "links_taken_back": "Your new email is confirmed and saved. For your safety, the links "
                            "in emails we sent before this change no longer open your page. This "
                            "page's address is new: save it, or use the link in our next email.",
        "changed_notices": "Your custody notices are changed.",
        "changed_cancel_registration": "Your registration is cancelled. We will send no more "
                                       "custody notices from it.",
        "changed_pause": "Your request is paused.",
        "changed_resume": "Your request is active again.",
        "changed_withdraw": "Your request is withdrawn, and everything has stopped. You can undo "
                            "this from your page for 7 days; after that it is final.",
        "changed_undo_withdrawal": "Your withdrawal is undone: your request is active again.",
        # the victim's own link
        "case_title": "Your dialogue request {reference}",
        "status_open": "Your request is active.",
        "status_paused": "Your request is paused. Nothing will happen until you resume it.",
        "status_withdrawn": "You withdrew this request. Nothing more will happen.",
        "status_closed": "This request is closed.",
        "status_held": "The program has put your request on hold for now. We will tell you "
                       "when it continues.",
        "pause": "Pause my request",
        "resume": "Resume my request",
        "withdraw": "Withdraw my request",
        "withdraw_confirm_title": "Withdraw your request?",
        "withdraw_confirm": "This stops everything. You do not need to give a reason. If you "
                            "change your mind later, you can ask again.",
        "withdraw_yes": "Yes, withdraw",
        "withdraw_no": "No, go back",
        "done_pause": "Your request is paused.",
        "done_resume": "Your request is active again.",
        "done_withdraw": "Your request is withdrawn. Nothing more will happen.",
        "link_expired": "This link has expired. Please call {phone} and we will help.",
        "link_invalid": "This link is not valid. Please call {phone} and we will help.",
        "not_now": "That is not possible at this step. Please call {phone}.",
        "field_invalid": "Please check this.",
        "only_victims_request": "Only a victim or a surviving family member can ask for a dialogue.",
        "witness_may_register": "Only a victim or a surviving family member can ask for a dialogue. "
                                "As a witness who testified, you can choose to be told of custody "
                                "changes instead.",
        "who_may_register": "Only a victim, a family member of a victim, or a witness who testified "
                            "can register for custody notices.",
        "no_parole_hearings_for_witnesses": "Parole hearing notices go to victims and their families only.",
        "choose_a_notice": "Choose at least one kind of change to hear about.",
        "email_needed": "You chose email: please give your email address, like name@example.com.",
        "phone_needed": "You chose text messages: please give your mobile number, like (619) 555-0142.",
    },
    "es": {
        "lang_name": "Español",
        "other_lang": "en",
        "other_lang_name": "English",
        "quick_exit": "Salir de esta página ya",
        "quick_exit_hint": "Sale de inmediato a una página del clima. La tecla Esc hace lo mismo.",
        "site": "Diálogo entre Víctima y Ofensor",
        "help": "¿Tiene preguntas o necesita ayuda? Llame al {phone}. Puede detenerse cuando quiera.",
        "form_title": "Solicitar un diálogo, o recibir avisos sobre la custodia",
        "form_intro": "Solo la víctima o un familiar sobreviviente de la víctima puede solicitar "
                      "un diálogo. Solo ocurre si usted lo pide, y puede pausarlo o detenerlo "
                      "cuando quiera.",
        "kind": "¿Qué desea?",
        "kind_dialogue": "Un diálogo con la persona que causó el daño",
        "kind_registration": "Recibir avisos cuando cambie la custodia del ofensor (liberación, traslado, audiencias…)",
        "you": "Sus datos",
        "given_name": "Nombre",
        "family_name": "Apellido(s)",
        "relationship": "Usted es…",
        "rel_victim": "La persona que sufrió el daño",
        "rel_surviving_family_member": "Familiar de una víctima que falleció",
        "rel_witness": "Testigo que declaró en el juicio",
        "rel_other": "Otra persona",
        "contact": "¿Cómo podemos comunicarnos con usted?",
        "email": "Correo electrónico",
        "phone": "Teléfono celular",
        "preferred_channel": "Prefiero que me contacten por",
        "channel_email": "Correo electrónico",
        "channel_sms": "Mensaje de texto",
        "preferred_language": "Idioma de nuestros mensajes",
        "state": "Estado donde vive (dos letras; XX si vive fuera de EE. UU.)",
        "state_hint": "Si vive fuera de California, se puede ayudar con el viaje para el diálogo.",
        "offender": "Sobre la persona que causó el daño",
        "cdcr_number": "Número de CDCR",
        "cdcr_hint": "El número que el Departamento Correccional y de Rehabilitación de California "
                     "(CDCR) le dio a la persona; aparece en las cartas del departamento. Una "
                     "letra y cinco números, o dos letras y cuatro números; por ejemplo, AB1234.",
        "offender_given_name": "Su nombre (si lo sabe)",
        "offender_family_name": "Su apellido (si lo sabe)",
        "notify_on": "Quiero saber de",
        "notice_release": "Liberación", "notice_death": "Fallecimiento",
        "notice_escape": "Fuga (y regreso a custodia)",
        "notice_parole_hearing": "Audiencias de libertad condicional (solo víctimas y familiares)",
        "notice_transfer": "Traslado a otra prisión",
        "notice_parole_discharge": "Fin de la libertad condicional",
        "notice_contract": "Ubicación en un centro bajo contrato",
        "notice_scheduled_execution": "Ejecución programada",
        "notice_hint_release": "cuando sale de la prisión, en libertad condicional o al cumplir "
                               "su condena",
        "notice_hint_death": "si fallece estando bajo custodia o en libertad condicional",
        "notice_hint_escape": "si se fuga, y cuando vuelve a estar bajo custodia",
        "notice_hint_parole_hearing": "cuando se fija una audiencia para decidir si puede salir "
                                      "en libertad condicional, para que usted pueda participar",
        "notice_hint_transfer": "cuando lo trasladan de una prisión estatal a otra",
        "notice_hint_parole_discharge": "cuando termina su libertad condicional y ya no tiene "
                                        "supervisión",
        "notice_hint_contract": "cuando lo trasladan a un lugar que funciona bajo contrato con el "
                                "departamento correccional, como un programa de reinserción en "
                                "la comunidad, en vez de una prisión estatal",
        "notice_hint_scheduled_execution": "cuando se fija la fecha de una ejecución",
        "notices_title": "Avisos sobre la custodia",
        "notices_intro": "Podemos avisarle cuando cambie la custodia de la persona que causó el "
                         "daño. Para un registro, elija al menos un tipo de cambio.",
        "also_register": "Registrarme también para recibir avisos de custodia",
        "also_register_hint": "Una solicitud de diálogo, por sí sola, no le avisa de los cambios "
                              "de custodia. Marque esta casilla y los tipos de cambio de abajo "
                              "para recibir también esos avisos. Es un registro aparte: sigue "
                              "aunque cambie la solicitud de diálogo, y puede cambiarlo o "
                              "cancelarlo desde su propia página.",
        "tick_also_register": "Eligió tipos de aviso de custodia: marque “Registrarme también para "
                              "recibir avisos de custodia” para recibirlos, o quítelos.",
        "who_sees": "Quién ve lo que escribe aquí: solo el personal del programa, cada uno solo "
                    "lo que su trabajo necesita. Nada de lo que escribe se le da a la persona que "
                    "causó el daño.",
        "expect_given_name": "Escriba su nombre.",
        "expect_family_name": "Escriba su apellido.",
        "expect_relationship": "Elija la opción que le describe.",
        "expect_email": "Escriba una dirección de correo, como nombre@ejemplo.com.",
        "expect_phone": "Escriba un número de celular, como (619) 555-0142, o con su código de "
                        "país, como +52 55 1234 5678.",
        "expect_state": "Dos letras, como CA o AZ, o XX si vive fuera de EE. UU.",
        "expect_cdcr": "Una letra y cinco números, como A12345, o dos letras y cuatro números, "
                       "como AB1234.",
        "expect_short_name": "Como máximo 100 caracteres.",
        "expect_notes": "Como máximo 4,000 caracteres.",
        "expect_choice": "Elija una de las opciones.",
        "expect_notices": "Elija entre los tipos de cambio que se muestran.",
        "made_title": "Lo que pidió",
        "made_dialogue": "Un diálogo con la persona que causó el daño.",
        "made_registration": "Avisos de custodia (su registro): {kinds}.",
        "next_title": "Qué pasa ahora",
        "next_message": "Ahora: le enviamos un mensaje por el medio que eligió, con su número de "
                        "referencia y un enlace a su propia página. Los correos salen de "
                        "inmediato. Los mensajes de texto no se envían entre las 9 p. m. y las "
                        "8 a. m. donde usted vive: uno que toque de noche llega poco después de "
                        "las 8 a. m.",
        "next_dialogue": "Después: revisamos dónde está bajo custodia la persona que causó el daño "
                         "y le decimos si su solicitud puede seguir adelante. Suele ser rápido; "
                         "cuando alguien del personal tiene que revisarla primero, tarda más, y "
                         "se lo decimos. Si puede seguir, el personal se comunicará con usted "
                         "antes de organizar nada.",
        "next_registration": "Desde entonces: le avisamos de cada cambio que eligió, cuando el "
                             "departamento correccional nos lo comunique.",
        "next_choices": "Puede pausar o detener todo, y cambiar sus preferencias, cuando quiera "
                        "desde su página, o llamando al {phone}.",
        "quick_exit_key": "o pulse Esc",
        "notes": "Algo que quiera contarnos (opcional)",
        "submit": "Enviar mi solicitud",
        "errors_title": "Por favor revise lo siguiente y vuelva a enviar:",
        "optional": "opcional",
        "done_title": "Recibimos su solicitud",
        "pending_email_title": "Revise su correo electrónico",
        "pending_email": "Le enviamos un enlace a la dirección que nos dio. Su solicitud se hace "
                         "solo cuando lo abre y presiona su botón. El enlace sirve durante 48 "
                         "horas. Si no llega en unos minutos, revise la carpeta de correo no "
                         "deseado, o llámenos.",
        "pending_sms_title": "Escriba el código que le enviamos por mensaje de texto",
        "pending_sms": "Le enviamos un código de seis números al teléfono que nos dio. Su "
                       "solicitud se hace solo cuando lo escribe aquí. El código sirve durante "
                       "48 horas.",
        "pending_privacy": "Hasta que confirme, nadie en el programa ve su solicitud, y si no la "
                           "confirma se borra después de 48 horas.",
        "code": "Código (seis números)",
        "code_submit": "Confirmar",
        "code_wrong": "Ese código no es correcto. Puede intentarlo {left} veces más.",
        "code_too_many": "El código estuvo mal demasiadas veces, así que la solicitud se borró. "
                         "Envíe el formulario otra vez, o llame al {phone}.",
        "pending_gone_title": "Esta solicitud ya no está en espera",
        "pending_gone": "Ya se confirmó, o pasaron más de 48 horas. Si lo necesita, envíe el "
                        "formulario otra vez, o llame al {phone}.",
        "confirm_title": "Confirme su solicitud",
        "confirm_intro": "Presione el botón para confirmar que usted lo pidió. No pasa nada hasta "
                         "que lo haga.",
        "confirm_button": "Sí, yo lo pedí",
        "too_many_title": "Por favor espere antes de intentarlo otra vez",
        "too_many": "Hemos recibido muchas solicitudes desde aquí o con estos datos. Inténtelo "
                    "de nuevo en {minutes} minutos, o llame al {phone}.",
        "not_sent_title": "No pudimos enviarle la confirmación",
        "not_sent": "No se guardó nada. Inténtelo de nuevo en unos minutos, o llame al {phone}.",
        "form_unreadable": "No se pudo leer este formulario. Envíelo con el botón de la página.",
        "page_title": "Su página",
        "page_intro": "Aquí puede ver su solicitud y los mensajes que le enviamos, y cambiar sus "
                      "preferencias. Por seguridad, cada cambio necesita un código que le enviamos.",
        "status_withdrawal_pending": "Usted retiró esta solicitud. Todo se detuvo. Puede "
                                     "deshacerlo hasta el {date}; después será definitivo.",
        "undo_withdrawal": "Deshacer mi retiro",
        "withdraw_explained": "Retirarla lo detiene todo de inmediato. No necesita dar ninguna "
                              "razón, y puede deshacerlo durante 7 días.",
        "messages_title": "Mensajes que le enviamos",
        "messages_none": "Todavía no hay mensajes.",
        "msg_when": "Cuándo", "msg_how": "Cómo", "msg_about": "Sobre",
        "msg_failed": "no se pudo entregar",
        "about_request": "Su solicitud", "about_registration": "Su registro",
        "about_case": "El estado de su solicitud", "about_eligibility": "La revisión de su solicitud",
        "about_meeting": "Una reunión de preparación", "about_session": "El diálogo",
        "about_custody": "Un cambio de custodia", "about_survey": "Una pregunta sobre su experiencia",
        "about_withdrawal": "Su retiro", "about_sms": "Ajustes de mensajes de texto",
        "about_other": "Un mensaje del programa",
        "prefs_title": "Cómo nos comunicamos con usted",
        "prefs_intro": "Le enviamos un código para confirmar cada cambio. Si pasa a mensajes de "
                       "texto, el código va a su teléfono.",
        "time_zone": "Su zona horaria",
        "time_zone_from_state": "Según el estado donde vive",
        "quiet_hours": "Horas de silencio para mensajes de texto (opcional)",
        "quiet_hours_hint": "Durante estas horas, en su zona horaria, guardamos los mensajes de "
                            "texto. Los correos nunca se retienen.",
        "quiet_from": "Desde", "quiet_until": "Hasta",
        "save_with_code": "Guardar (le enviaremos un código)",
        "new_contact": "Un correo o teléfono nuevo",
        "new_contact_value": "Nuevo correo electrónico o número de celular",
        "new_contact_hint": "Primero le enviamos un código por el medio que usa ahora, y luego un "
                            "segundo código a la nueva dirección o número. Solo entonces se usa.",
        "registrations_title": "Avisos de custodia que pidió",
        "registrations_none": "No se ha registrado para recibir avisos de custodia.",
        "registration_about": "Sobre el número de CDCR {cdcr}: quiero saber de",
        "cancel_registration": "Cancelar este registro",
        "signout_title": "Cerrar sesión en todas partes",
        "signout_intro": "Si alguien más pudo ver un mensaje nuestro, esto hace que todos los "
                         "enlaces que le enviamos dejen de funcionar de inmediato, también este. "
                         "Cada mensaje nuevo trae un enlace nuevo.",
        "signout_button": "Cerrar sesión en todas partes",
        "signed_out_title": "Sus enlaces ya no funcionan",
        "signed_out": "Cada mensaje nuevo nuestro trae un enlace nuevo. Si necesita su página "
                      "antes, llame al {phone}.",
        "code_title": "Escriba el código que le enviamos",
        "code_sent_email": "Le enviamos un código de seis números por correo. Sirve durante 15 minutos.",
        "code_sent_phone": "Le enviamos un código de seis números por mensaje de texto. Sirve "
                           "durante 15 minutos.",
        "code_gone": "Ese código ya no sirve. Por favor empiece el cambio otra vez.",
        "back_to_page": "Volver a su página",
        "changed_preferences": "Sus preferencias quedaron guardadas.",
        "changed_contact": "Su nuevo contacto quedó confirmado y guardado.",
        "links_taken_back": "Su nuevo correo quedó confirmado y guardado. Por su seguridad, los "
                            "enlaces de los correos que le enviamos antes de este cambio ya no "
                            "abren su página. La dirección de esta página es nueva: guárdela, o "
                            "use el enlace de nuestro próximo correo.",
        "changed_notices": "Sus avisos de custodia cambiaron.",
        "changed_cancel_registration": "Su registro quedó cancelado. No enviaremos más avisos de "
                                       "custodia de este registro.",
        "changed_pause": "Su solicitud quedó en pausa.",
        "changed_resume": "Su solicitud está activa de nuevo.",
        "changed_withdraw": "Su solicitud fue retirada y todo se detuvo. Puede deshacerlo desde "
                            "su página durante 7 días; después será definitivo.",
        "changed_undo_withdrawal": "Su retiro quedó deshecho: su solicitud está activa de nuevo.",
        "case_title": "Su solicitud de diálogo {reference}",
        "status_open": "Su solicitud está activa.",
        "status_paused": "Su solicitud está en pausa. No pasará nada hasta que usted la reanude.",
        "status_withdrawn": "Usted retiró esta solicitud. No pasará nada más.",
        "status_closed": "Esta solicitud está cerrada.",
        "status_held": "El programa ha puesto su solicitud en espera por ahora. Le avisaremos "
                       "cuando continúe.",
        "pause": "Pausar mi solicitud",
        "resume": "Reanudar mi solicitud",
        "withdraw": "Retirar mi solicitud",
        "withdraw_confirm_title": "¿Retirar su solicitud?",
        "withdraw_confirm": "Esto lo detiene todo. No necesita dar ninguna razón. Si más adelante "
                            "cambia de opinión, puede volver a solicitarlo.",
        "withdraw_yes": "Sí, retirarla",
        "withdraw_no": "No, volver",
        "done_pause": "Su solicitud quedó en pausa.",
        "done_resume": "Su solicitud está activa de nuevo.",
        "done_withdraw": "Su solicitud fue retirada. No pasará nada más.",
        "link_expired": "Este enlace ya venció. Llame al {phone} y le ayudaremos.",
        "link_invalid": "Este enlace no es válido. Llame al {phone} y le ayudaremos.",
        "not_now": "Eso no es posible en este paso. Por favor llame al {phone}.",
        "field_invalid": "Por favor revise este dato.",
        "only_victims_request": "Solo la víctima o un familiar sobreviviente puede solicitar un diálogo.",
        "witness_may_register": "Solo la víctima o un familiar sobreviviente puede solicitar un "
                                "diálogo. Como testigo que declaró, puede elegir en cambio recibir "
                                "avisos sobre la custodia.",
        "who_may_register": "Solo la víctima, un familiar de la víctima o un testigo que declaró "
                            "puede registrarse para recibir avisos de custodia.",
        "no_parole_hearings_for_witnesses": "Los avisos de audiencias de libertad condicional son "
                                            "solo para víctimas y sus familiares.",
        "choose_a_notice": "Elija al menos un tipo de cambio sobre el que quiere saber.",
        "email_needed": "Eligió correo electrónico: por favor escriba su dirección de correo, como "
                        "nombre@ejemplo.com.",
        "phone_needed": "Eligió mensajes de texto: por favor escriba su número de celular, como "
                        "(619) 555-0142.",
    },
}


def language(requested: str | None, fallback: str = "en") -> str:
    return requested if requested in TEXT else fallback
