"""The victim's own link to her page (``/v/<token>`` on intake), made fresh for each email she is
sent: about her case (the link names it), or about a registration (the link names only her).
Intake checks the signature with the same secret; the token holds only random ids, and is never
stored here."""
from vod_shared.victim_links import VictimLinks


class VictimLinkUrls:
    def __init__(self, secret: str, public_url: str) -> None:
        self._links = VictimLinks(secret)
        self._base = public_url.rstrip("/")

    def url(self, case_id: str | None, person_id: str, *, sent_to: str | None = None) -> str:
        """``sent_to``: the email address the link goes to; the link opens only while that
        address is hers."""
        return f"{self._base}/v/{self._links.token(case_id, person_id, sent_to=sent_to)}"
