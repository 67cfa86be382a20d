"""Signed double-submit tokens: a random value in a cookie, its signed copy in each form."""
import hmac
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE_NAME = "vod_staff_csrf"
FIELD_NAME = "csrf_token"
HEADER_NAME = "x-csrf-token"
MAX_AGE_SECONDS = 24 * 3600


class CsrfTokens:
    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="vod-staff-csrf")

    @staticmethod
    def new_nonce() -> str:
        return secrets.token_urlsafe(32)

    def token_for(self, nonce: str) -> str:
        return self._serializer.dumps(nonce)

    def valid(self, token: str | None, nonce: str | None) -> bool:
        if not token or not nonce:
            return False
        try:
            signed = self._serializer.loads(token, max_age=MAX_AGE_SECONDS)
        except BadSignature:
            return False
        return isinstance(signed, str) and hmac.compare_digest(signed.encode(), nonce.encode())
