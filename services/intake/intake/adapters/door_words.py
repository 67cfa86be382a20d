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
        "confirm_sms": "Victim-Offender Dialogue: your code is {code}. If you did not ask for it,"
                       " ignore this text. Questions: {phone}",
        "change_subject": "Your code — Victim-Offender Dialogue",
        "change_email": ("Your code to confirm a change on your page is {code}. It works for 15"
                         " minutes.\n\nIf you did not ask for it, please call {phone}."),
        "change_sms": "Victim-Offender Dialogue: your code to confirm a change is {code}."
                      " Did not ask? Call {phone}",
    },
    "es": {
        "confirm_subject": "Confirme su solicitud — Diálogo entre Víctima y Ofensor",
        "confirm_email": (
            "Alguien pidió al programa de Diálogo entre Víctima y Ofensor, en su página web, que"
            " le escribiera a esta dirección.\n\nSi fue usted, confirme aquí:\n{link}\n\nSi no fue"
            " usted, no tiene que hacer nada: no pasará nada y la solicitud se borrará en 48"
            " horas.\n\n¿Preguntas? Llame al {phone}."),
        "confirm_sms": "Diálogo Víctima-Ofensor: su código es {code}. Si no lo pidió, ignore este"
                       " mensaje. Preguntas: {phone}",
        "change_subject": "Su código — Diálogo entre Víctima y Ofensor",
        "change_email": ("Su código para confirmar un cambio en su página es {code}. Sirve"
                         " durante 15 minutos.\n\nSi usted no lo pidió, llame al {phone}."),
        "change_sms": "Diálogo Víctima-Ofensor: su código para confirmar un cambio es {code}."
                      " ¿No lo pidió? Llame al {phone}",
    },
}


def confirmation_message(language: str, *, phone: str, link: str | None = None,
                         code: str | None = None) -> DoorMessage:
    words = WORDS.get(language, WORDS["en"])
    if code is not None:
        return DoorMessage("", words["confirm_sms"].format(code=code, phone=phone))
    return DoorMessage(words["confirm_subject"], words["confirm_email"].format(link=link,
                                                                              phone=phone))


def change_code_message(language: str, *, phone: str, code: str, sms: bool) -> DoorMessage:
    words = WORDS.get(language, WORDS["en"])
    if sms:
        return DoorMessage("", words["change_sms"].format(code=code, phone=phone))
    return DoorMessage(words["change_subject"], words["change_email"].format(code=code,
                                                                            phone=phone))
