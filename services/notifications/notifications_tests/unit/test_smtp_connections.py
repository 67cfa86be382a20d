"""The SMTP sender keeps its connection open between messages, and one the server dropped
while it was idle is replaced before anything is handed over: each message arrives once."""
import asyncio

from aiosmtpd.controller import Controller

from vod_devtools.net import free_port

from notifications.adapters.email import SmtpSender
from notifications.adapters.rendering import EmailMessage
from notifications.domain.delivery import Sent


class Mailbox:
    def __init__(self) -> None:
        self.received: list[tuple[tuple, str]] = []  # (the client's address, the recipient)

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append((session.peer, envelope.rcpt_tos[0]))
        return "250 OK"


def _message(n: int) -> EmailMessage:
    return EmailMessage(subject=f"Update {n}", text="Your case moved on.", html="<p>moved</p>",
                        attachments=())


async def _send(sender: SmtpSender, n: int):
    return await sender.send(_message(n), to=f"p{n}@example.org", delivery_id=f"d{n}",
                             language="en")


async def test_messages_share_one_connection_and_a_dropped_one_is_replaced():
    mailbox, port = Mailbox(), free_port()
    server = Controller(mailbox, hostname="127.0.0.1", port=port)
    server.start()
    sender = SmtpSender(host="127.0.0.1", port=port, username=None, password=None,
                        starttls=False, sender="vs@dialogue.invalid", timeout_s=5)
    try:
        outcomes = [await _send(sender, n) for n in range(3)]
        assert all(isinstance(o, Sent) for o in outcomes)
        assert len({peer for peer, _ in mailbox.received}) == 1  # one conversation for three

        server.stop()  # the server goes away while our connection is idle
        server = Controller(mailbox, hostname="127.0.0.1", port=port)
        server.start()
        await asyncio.sleep(0.1)
        assert isinstance(await _send(sender, 3), Sent)
    finally:
        await sender.close()
        server.stop()
    assert [to for _, to in mailbox.received] == [f"p{n}@example.org" for n in range(4)]


class SlowMailbox(Mailbox):
    """A relay that takes its time over each message and counts the conversations open."""

    def __init__(self) -> None:
        super().__init__()
        self.open_now = self.most_open = 0

    async def handle_HELO(self, server, session, envelope, hostname) -> str:
        return await self._greeted(session, hostname, "250 hello")

    async def handle_EHLO(self, server, session, envelope, hostname, responses) -> list:
        await self._greeted(session, hostname, None)
        return responses

    async def _greeted(self, session, hostname, answer):
        session.host_name = hostname
        if not getattr(session, "counted", False):
            session.counted = True
            self.open_now += 1
            self.most_open = max(self.most_open, self.open_now)
        return answer

    async def handle_QUIT(self, server, session, envelope) -> str:
        if getattr(session, "counted", False):
            session.counted = False
            self.open_now -= 1
        return "221 bye"

    async def handle_DATA(self, server, session, envelope) -> str:
        await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


async def test_no_more_conversations_at_once_than_the_relay_is_allowed():
    mailbox, port = SlowMailbox(), free_port()
    server = Controller(mailbox, hostname="127.0.0.1", port=port)
    server.start()
    sender = SmtpSender(host="127.0.0.1", port=port, username=None, password=None,
                        starttls=False, sender="vs@dialogue.invalid", timeout_s=5,
                        keep_open=0, max_connections=3)
    try:
        outcomes = await asyncio.gather(*(_send(sender, n) for n in range(20)))
    finally:
        await sender.close()
        server.stop()
    assert all(isinstance(o, Sent) for o in outcomes)
    assert sorted(to for _, to in mailbox.received) == sorted(f"p{n}@example.org"
                                                              for n in range(20))
    assert 1 < mailbox.most_open <= 3
