"""Text messages: how many segments a body costs, and what a reply means.

A body written only in the GSM 7-bit alphabet fits 160 characters in one segment and 153 in each
part of a longer one; any other character (Spanish á, í, ó, ú among them) makes the whole body
UCS-2: 70 in one segment, 67 per part.

Replies: the carriers' STOP and HELP words and their Spanish ALTO and AYUDA, and the words the
FCC's 2024 rule names as a way to revoke consent. A keyword counts when it is the whole reply
(as carriers apply them); a longer reply that contains an opt-out word is kept for staff, marked.
"""
import re
import unicodedata
from enum import StrEnum

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENDED = set("^{}\\[~]|€\f")


def segments(body: str) -> int:
    if all(c in GSM_BASIC or c in GSM_EXTENDED for c in body):
        units = sum(2 if c in GSM_EXTENDED else 1 for c in body)
        single, part = 160, 153
    else:
        units = len(body.encode("utf-16-le")) // 2
        single, part = 70, 67
    return 1 if units <= single else -(-units // part)


class Reply(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    MAYBE_OPT_OUT = "maybe_opt_out"  # words of opting out inside a longer message
    OTHER = "other"


OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT",
                           "REVOKE", "OPTOUT", "OPT OUT", "ALTO", "PARAR", "DETENER", "BAJA"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP", "SUBSCRIBE", "ALTA"})
HELP_WORDS = frozenset({"HELP", "INFO", "AYUDA"})
_SPANISH_REPLY_WORDS = frozenset({"ALTO", "PARAR", "DETENER", "BAJA", "ALTA", "AYUDA"})


def _normalise(body: str) -> str:
    plain = unicodedata.normalize("NFKD", body).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^A-Za-z ]+", " ", plain).upper().split())


def classify(body: str) -> Reply:
    words = _normalise(body)
    if words in OPT_OUT_WORDS:
        return Reply.OPT_OUT
    if words in OPT_IN_WORDS:
        return Reply.OPT_IN
    if words in HELP_WORDS:
        return Reply.HELP
    if any(w in OPT_OUT_WORDS for w in words.split()) or "OPT OUT" in words:
        return Reply.MAYBE_OPT_OUT
    return Reply.OTHER


def is_spanish_keyword(body: str) -> bool:
    return _normalise(body) in _SPANISH_REPLY_WORDS
