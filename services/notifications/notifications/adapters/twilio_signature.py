"""Twilio's request signature (``X-Twilio-Signature``), as Twilio documents it: the base64 of
HMAC-SHA1, keyed with the auth token, over the full URL the request was sent to followed by
every POST parameter's name and value, sorted by name (a repeated name's values sorted too).

Twilio's own validators also accept the URL with the default port added or removed, because a
proxy may change it; so does this one.
"""
import base64
import hashlib
import hmac
from urllib.parse import urlsplit, urlunsplit

_DEFAULT_PORTS = {"https": 443, "http": 80}


def signature(auth_token: str, url: str, params: list[tuple[str, str]]) -> str:
    data = url + "".join(
        name + value
        for name in sorted({name for name, _ in params})
        for value in sorted(v for n, v in params if n == name))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def is_valid(auth_token: str, url: str, params: list[tuple[str, str]], given: str | None) -> bool:
    if not auth_token or not given:
        return False
    return any(hmac.compare_digest(signature(auth_token, candidate, params), given)
               for candidate in _url_variants(url))


def _url_variants(url: str) -> list[str]:
    parts = urlsplit(url)
    default = _DEFAULT_PORTS.get(parts.scheme)
    host = parts.hostname or ""
    without_port = urlunsplit(parts._replace(netloc=_netloc(parts, host)))
    with_port = urlunsplit(parts._replace(
        netloc=_netloc(parts, f"{host}:{parts.port or default}")))
    return list(dict.fromkeys([url, without_port, with_port]))


def _netloc(parts, host_port: str) -> str:
    credentials = parts.netloc.rpartition("@")[0]
    return f"{credentials}@{host_port}" if credentials else host_port
