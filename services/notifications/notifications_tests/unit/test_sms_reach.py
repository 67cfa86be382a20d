"""How the SMS client reaches the provider, as the httpx client it replaced did: through the
proxy named in ``HTTP_PROXY``/``HTTPS_PROXY`` (a government network's only way out: aiohttp
ignores them unless told) unless ``NO_PROXY`` names the provider, and over TLS checked against
certifi's authorities. The environment is read once, when the client starts sending, not for
every text (issue 13: that was two thread hops a text)."""
import asyncio
import ssl
import subprocess

import aiohttp.helpers
import certifi

from notifications.adapters.sms import TwilioSender
from notifications.domain.delivery import Sent

from .test_sms_answers import Api, _answer, _send


def _sender(base: str) -> TwilioSender:
    return TwilioSender(api_base=base, account_sid="AC1", auth_token="secret",
                        sender="+15550000", timeout_s=2.0)


def _proxy_only(monkeypatch, proxy_url: str) -> None:
    """The environment names ``proxy_url`` as the HTTP proxy, and no exception to it."""
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    for name in ("NO_PROXY", "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)


async def test_texts_go_through_the_proxy_named_in_the_environment(monkeypatch):
    async def taken(head, body, writer):
        return _answer("201 Created", b'{"sid": "SMviaProxy"}')

    proxy = Api(taken)
    async with proxy as proxy_url:
        _proxy_only(monkeypatch, proxy_url)
        # a name no resolver knows: reachable only through the proxy
        sender = _sender("http://sms-provider.invalid:8080")
        try:
            assert await _send(sender) == Sent("SMviaProxy")
        finally:
            await sender.close()
    (head, _), = proxy.requests
    assert head.startswith(
        "POST http://sms-provider.invalid:8080/2010-04-01/Accounts/AC1/Messages.json ")


async def test_no_proxy_naming_the_provider_sends_directly(monkeypatch):
    async def taken(head, body, writer):
        return _answer("201 Created", b'{"sid": "SMdirect"}')

    proxy, provider = Api(taken), Api(taken)
    async with proxy as proxy_url, provider as provider_url:
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        for name in ("no_proxy", "http_proxy"):
            monkeypatch.delenv(name, raising=False)
        sender = _sender(provider_url)
        try:
            assert await _send(sender) == Sent("SMdirect")
        finally:
            await sender.close()
    assert not proxy.requests and len(provider.requests) == 1


async def test_the_environment_is_read_once_not_for_every_text(monkeypatch):
    """Each text used to read ``~/.netrc`` and the proxy variables again, on a worker thread;
    now the first send reads them, and the texts after it go through the same proxy."""
    async def taken(head, body, writer):
        return _answer("201 Created", b'{"sid": "SMviaProxy"}')

    reads, real = [], aiohttp.helpers.proxies_from_env

    def counted():
        reads.append(1)
        return real()
    monkeypatch.setattr(aiohttp.helpers, "proxies_from_env", counted)
    monkeypatch.setattr(aiohttp.helpers, "netrc_from_env", lambda: reads.append(1))
    proxy = Api(taken)
    async with proxy as proxy_url:
        _proxy_only(monkeypatch, proxy_url)
        sender = _sender("http://sms-provider.invalid:8080")
        try:
            for _ in range(3):
                assert await _send(sender) == Sent("SMviaProxy")
        finally:
            await sender.close()
    assert len(proxy.requests) == 3
    assert len(reads) <= 2  # the proxy variables (and the netrc file for its credentials), once


async def test_tls_is_checked_against_certifis_authorities(tmp_path, monkeypatch):
    """A provider whose certificate only certifi's bundle vouches for (here: a bundle of one,
    made for the test) is reached; the system's store would refuse it."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    monkeypatch.setattr(certifi, "where", lambda: str(cert))
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(cert, key)

    async def handle(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(_answer("201 Created", b'{"sid": "SMoverTls"}'))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=served)
    try:
        sender = _sender(f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}")
        try:
            assert await _send(sender) == Sent("SMoverTls")
        finally:
            await sender.close()
    finally:
        server.close()
