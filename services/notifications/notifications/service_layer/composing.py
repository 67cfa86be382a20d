"""What a delivery says, worded for whoever reads it: a person's message in their current
language and zone, with their own link in the emails about their case (or, for a registration's
messages, to their own page without a case); an alert in the staff's words. The sender decides
whether and when; this decides what."""
from zoneinfo import ZoneInfo

from vod_shared.events import Channel

from notifications.adapters.rendering import EmailMessage, Renderer
from notifications.adapters.victim_links import VictimLinkUrls
from notifications.domain.delivery import Delivery
from notifications.domain.rules import case_linked

# Replies to a text the person just sent: go even at night, and the STOP confirmation even
# though they just opted out (the one confirmation the rules allow).
REPLIES = frozenset({"sms_opted_out", "sms_opted_in", "sms_help"})


class Composer:
    def __init__(self, renderer: Renderer, links: VictimLinkUrls | None = None) -> None:
        self.renderer, self._links = renderer, links

    def for_person(self, delivery: Delivery, details: dict, zone: ZoneInfo,
                   address: str) -> EmailMessage | str:
        """Raises adapters.rendering.TemplateMissing."""
        # Their current choice, unless they just wrote to us in a language (ALTO, AYUDA).
        language = details.get("preferred_language")
        if delivery.template in REPLIES or language not in ("en", "es"):
            language = delivery.language
        common = dict(language=language, params=delivery.params, reference=delivery.reference,
                      zone=zone)
        if delivery.channel != Channel.EMAIL.value:
            return self.renderer.sms(delivery.template, **common)
        # Made fresh for each email (never stored); shown only where a template asks for it.
        link = (self._links.url(case_linked(delivery.template, delivery.subject),
                                delivery.recipient_id, sent_to=address) if self._links else None)
        return self.renderer.email(delivery.template, given_name=details.get("given_name"),
                                   victim_link=link, attendee=address, **common)

    def for_staff(self, delivery: Delivery) -> EmailMessage:
        """Raises adapters.rendering.TemplateMissing."""
        return self.renderer.staff_email(delivery.template, params=delivery.params,
                                         reference=delivery.reference)
