"""The words of the door's own messages, in English and Spanish. They hold nothing the form's
sender typed (no name, no notes): the program's name, the link or code, and its phone number,
so the door cannot carry a stranger's words to a victim."""
from intake.adapters.door_post import DoorMessage

WORDS = {
    "en": {
        "confirm_subject": "Please confirm your request — Victim-Offender Dialogue",
        "confirm_email": (
            "Someone asked the Victim-Offender Dialogue program, on its web page, to reach you at"
            " this address.\n\nIf it was you, please confirm here:\n{link}\n\nIf it was not you,"
            " you need do nothing: nothing will happen, and the request is deleted within 48"
            " hours.\n\nQuestions? Call {phone}."),
        "confirm_sms": "Victim-Offender Dialogue: your code to confirm your request is {code}."
                       " Never share it. Did not ask? Ignore this text. Questions: {phone}",
        "change_subject": "Your code — Victim-Offender Dialogue",
        "change_email": ("Your code {action} is {code}. It works for 15 minutes. Never give it"
                         " to anyone: we will never ask you for it.\n\nIf you did not ask for"
                         " it, please call {phone}."),
        "change_sms": "Victim-Offender Dialogue: code {action}: {code}. Never share it; we will"
                      " never ask for it. Did not ask? Call {phone}",
        "action_preferences": "to change how we reach you",
        "action_contact": "to change your email or phone",
        "action_notices": "to change your custody notices",
        "action_cancel_registration": "to cancel your custody notices",
        "action_pause": "to pause your request",
        "action_resume": "to resume your request",
        "action_withdraw": "to withdraw your request",
        "action_undo_withdrawal": "to undo your withdrawal",
    },
    "es": {
        "confirm_subject": "Confirme su solicitud — Diálogo entre Víctima y Ofensor",
        "confirm_email": (
            "Alguien pidió al programa de Diálogo entre Víctima y Ofensor, en su página web, que"
            " le escribiera a esta dirección.\n\nSi fue usted, confirme aquí:\n{link}\n\nSi no fue"
            " usted, no tiene que hacer nada: no pasará nada y la solicitud se borrará en 48"
            " horas.\n\n¿Preguntas? Llame al {phone}."),
        "confirm_sms": "Diálogo Víctima-Ofensor: su código para confirmar su solicitud es {code}."
                       " No lo comparta. ¿No lo pidió? Ignore este mensaje. Preguntas: {phone}",
        "change_subject": "Su código — Diálogo entre Víctima y Ofensor",
        "change_email": ("Su código {action} es {code}. Sirve durante 15 minutos. No se lo dé"
                         " a nadie: nunca se lo pediremos.\n\nSi usted no lo pidió, llame al"
                         " {phone}."),
        "change_sms": "Diálogo Víctima-Ofensor: código {action}: {code}. No lo comparta; nunca"
                      " se lo pediremos. ¿No lo pidió? Llame al {phone}",
        "action_preferences": "para cambiar cómo le contactamos",
        "action_contact": "para cambiar su correo o teléfono",
        "action_notices": "para cambiar sus avisos de custodia",
        "action_cancel_registration": "para cancelar sus avisos de custodia",
        "action_pause": "para pausar su solicitud",
        "action_resume": "para reanudar su solicitud",
        "action_withdraw": "para retirar su solicitud",
        "action_undo_withdrawal": "para deshacer su retiro",
    },
}


def confirmation_message(language: str, *, phone: str, link: str | None = None,
                         code: str | None = None) -> DoorMessage:
    words = WORDS.get(language, WORDS["en"])
    if code is not None:
        return DoorMessage("", words["confirm_sms"].format(code=code, phone=phone))
    return DoorMessage(words["confirm_subject"], words["confirm_email"].format(link=link,
                                                                              phone=phone))


def change_code_message(language: str, *, phone: str, code: str, what: str,
                        sms: bool) -> DoorMessage:
    """The code names what it confirms, so a caller asking her to "read me the code" for
    something else is caught out."""
    words = WORDS.get(language, WORDS["en"])
    action = words[f"action_{what}"]
    if sms:
        return DoorMessage("", words["change_sms"].format(code=code, phone=phone, action=action))
    return DoorMessage(words["change_subject"], words["change_email"].format(
        code=code, phone=phone, action=action))
