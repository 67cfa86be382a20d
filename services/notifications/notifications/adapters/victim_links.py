"""The victim's own link to their request (``/v/<token>`` on intake), made fresh for each email
they are sent about their case. Intake checks the signature with the same secret; the token
holds only random ids, and is never stored here."""
from vod_shared.victim_links import VictimLinks


class VictimLinkUrls:
    def __init__(self, secret: str, public_url: str) -> None:
        self._links = VictimLinks(secret)
        self._base = public_url.rstrip("/")

    def url(self, case_id: str, person_id: str) -> str:
        return f"{self._base}/v/{self._links.token(case_id, person_id)}"
