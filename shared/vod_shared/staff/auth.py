"""StaffAuth: the sign-in parts of one service, wired once and installed on its app."""
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode, urlsplit

from argon2 import PasswordHasher
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vod_shared.metrics import NoMetrics
from vod_shared.problems import Problem
from vod_shared.staff import csrf, sessions
from vod_shared.staff.accounts import StaffFile
from vod_shared.staff.addresses import Networks, client_address
from vod_shared.staff.authenticator import FileAuthenticator
from vod_shared.staff.csrf import CsrfTokens
from vod_shared.staff.directory import AccountDirectory, DirectoryEntry
from vod_shared.staff.model import Authenticator, StaffMember
from vod_shared.staff.ratelimit import SignInLimiter
from vod_shared.staff.sessions import ServerSessions, Session
from vod_shared.staff.settings import StaffSettings, host_in_domain
from vod_shared.staff.store import StaffStore
from vod_shared.staff.totp import UsedCodes
from vod_shared.staff.workspace import Workspace

Clock = Callable[[], datetime]
LOGIN_PATH = "/staff/login"
_COOKIES = "vod_staff.cookies"  # in the ASGI scope's state: Set-Cookie headers to add
_INSTALLED = "vod_staff.installed"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class SignInRequired(HTTPException):
    """A page asked for without a session: 303 to the sign-in page."""

    def __init__(self, location: str) -> None:
        super().__init__(303, headers={"Location": location})


class StaffAuth:
    """Sign-in for one service. Its state (sessions, failed sign-ins, used codes, the accounts'
    roles) is in the staff store, shared by every service built from the same settings.

    ``authenticator``: this service signs people in (it holds the staff file, and keeps the
    store's accounts as the file says). None, with ``sign_in_url``: it signs no one in; its
    sign-in page sends people to ``sign_in_url`` and they come back signed in (the cookie is
    for the parent domain of both hosts). Either way, a request is authorized from the store.
    ``secret``: this service's own, for its CSRF tokens."""

    def __init__(self, authenticator: Authenticator | None, *, secret: str, store: StaffStore,
                 clock: Clock = utc_now, idle: timedelta = timedelta(minutes=30),
                 lifetime: timedelta = timedelta(hours=12), limiter: SignInLimiter | None = None,
                 trusted_proxies: Networks = (), home: str = "/staff/",
                 cookie_domain: str | None = None, sign_in_url: str | None = None,
                 metrics=None, workspace: Workspace | None = None) -> None:
        if authenticator is None and not sign_in_url:
            raise ValueError("a service that signs no one in needs the sign-in service's "
                             "address (STAFF_SIGN_IN_URL)")
        self.authenticator = authenticator if not sign_in_url else None
        self.sign_in_url = sign_in_url or None
        # the service's metrics (vod_shared.metrics.ServiceMetrics): failed sign-ins are counted
        # there, by reason only
        self.metrics = metrics or NoMetrics()
        # One staff host per service under a parent domain (the compose): the session cookie is
        # for the parent domain, so a sign-in holds on every service's host
        self.cookie_domain = (cookie_domain or "").strip().lstrip(".").lower() or None
        self.store = store
        self.sessions = ServerSessions(store, idle=idle, lifetime=lifetime)
        self.directory = AccountDirectory(store)
        self.csrf = CsrfTokens(secret)
        self.limiter = limiter or SignInLimiter(store)
        self.trusted_proxies = trusted_proxies
        self.clock = clock
        self.home = home
        self.workspace = workspace or Workspace("service", cookie_domain=self.cookie_domain)

    @property
    def signs_in(self) -> bool:
        """This service signs people in itself (else it sends them to ``sign_in_url``)."""
        return self.authenticator is not None

    @classmethod
    def from_settings(cls, settings: StaffSettings, *, clock: Clock = utc_now,
                      hasher: PasswordHasher | None = None, home: str = "/staff/",
                      store: StaffStore | None = None, metrics=None) -> "StaffAuth":
        """``store``: the service's staff store (its runtime migrates it at start and closes it
        at shut-down); else one on ``settings``' staff database, made on first use. With
        ``STAFF_SIGN_IN_URL`` the staff file is never opened (the service need not have one)."""
        store = store or StaffStore.from_settings(settings)
        authenticator = None
        if not settings.sign_in_url:
            authenticator = FileAuthenticator(StaffFile(settings.effective_staff_file()),
                                              clock=clock, hasher=hasher,
                                              used_codes=UsedCodes(store))
        return cls(authenticator, secret=settings.effective_session_secret(), store=store,
                   clock=clock, idle=timedelta(minutes=settings.session_idle_minutes),
                   lifetime=timedelta(hours=settings.session_max_hours),
                   trusted_proxies=settings.trusted_proxy_networks(), home=home,
                   cookie_domain=settings.effective_cookie_domain(),
                   sign_in_url=settings.sign_in_url, metrics=metrics,
                   workspace=Workspace.from_settings(settings))

    def install(self, app: FastAPI) -> None:
        """Adds the sign-in pages, the cookie relay and the sign-in redirect to ``app``."""
        from vod_shared.staff.routes import router
        from vod_shared.staff.staff_pages import install_error_pages

        app.state.staff_auth = self
        app.state.staff_workspace = self.workspace
        app.include_router(router)
        app.add_middleware(CookieRelay)
        install_error_pages(app)
        app.add_exception_handler(SignInRequired, _redirect_to_sign_in)

    async def resume(self, request: Request, token: str | None) -> StaffMember | None:
        """The member whose session cookie this is, if the session is still good and the
        store's accounts say the member is enabled with the same credentials; marks it used and
        re-issues the cookie."""
        now = self.clock()
        if self.authenticator is not None:
            await self.authenticator.publish(self.directory, now)
        session, entry = await self.sessions.current_with_account(token, now)
        member = entry.member() if session is not None and entry is not None else None
        if session is not None and member is not None \
                and member.credential_stamp != session.credential_stamp:
            # A new password or second factor ends the sessions begun with the old ones.
            await self.sessions.end(session.session_id, now)
            member = None
        if session is None or member is None:
            if token:
                queue_cookie(request, expired_cookie(request, sessions.COOKIE_NAME))
            return None
        session = await self.sessions.touch(session, now)
        self._set_session_cookie(request, token)
        request.state.staff_member = member
        request.state.staff_session = session
        return member

    async def begin(self, request: Request, member: StaffMember) -> Session:
        """Signs ``member`` in (just authenticated): her account as the store keeps it for the
        other services, a new session, its cookie."""
        now = self.clock()
        await self.directory.put([DirectoryEntry.of(member)], now)
        session = await self.sessions.begin(member.username, member.credential_stamp, now)
        self.issue(request, session)
        return session

    def issue(self, request: Request, session: Session) -> None:
        """Sets the cookie naming ``session`` (a new one, just begun)."""
        self._set_session_cookie(request, self.sessions.encode(session))

    def _set_session_cookie(self, request: Request, token: str) -> None:
        max_age = int(self.sessions.idle.total_seconds())
        queue_cookie(request, cookie(request, sessions.COOKIE_NAME, token, max_age=max_age))

    def client_address(self, request: Request) -> str:
        """The caller's address: the peer, or the client a trusted proxy says it serves."""
        return client_address(request, self.trusted_proxies)

    def sign_in_required(self, request: Request) -> Exception:
        path = request.url.path
        if path == "/staff" or path.startswith("/staff/"):
            target = f"{path}?{request.url.query}" if request.url.query else path
            return SignInRequired(f"{LOGIN_PATH}?{urlencode({'next': target})}")
        return Problem(401, "Sign-in required", "Sign in as a staff member to use this.",
                       headers={"WWW-Authenticate": f'Cookie realm="Dialogue staff", '
                                                    f'form-action="{self.sign_in_url or LOGIN_PATH}"'})

    def csrf_token(self, request: Request) -> str:
        """The token for a form on this page; sets the CSRF cookie first if there is none."""
        nonce = request.cookies.get(csrf.COOKIE_NAME) or getattr(request.state, "csrf_nonce", None)
        if not nonce:
            self.new_csrf_nonce(request)
            nonce = request.state.csrf_nonce
        return self.csrf.token_for(nonce)

    def new_csrf_nonce(self, request: Request) -> None:
        request.state.csrf_nonce = nonce = self.csrf.new_nonce()
        queue_cookie(request, cookie(request, csrf.COOKIE_NAME, nonce))

    def csrf_ok(self, request: Request, token: str | None) -> bool:
        return self.csrf.valid(token, request.cookies.get(csrf.COOKIE_NAME))

    def safe_next(self, value: str | None) -> str:
        """``value`` if it is a path on this site, or an absolute http(s) address on a host under
        the cookie domain (another service's page, for the service that signs people in); else
        the staff home page. Never another host: that would make sign-in an open redirect."""
        if not value or "\\" in value or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
            return self.home
        parts = urlsplit(value)
        if value.startswith("/") and not value.startswith("//"):
            return value if not parts.scheme and not parts.netloc else self.home
        if parts.scheme in ("http", "https") and self.cookie_domain and parts.netloc \
                and not {"@", " "} & set(parts.netloc) \
                and host_in_domain(parts.hostname, self.cookie_domain):
            try:
                parts.port  # a port that is not a number is refused
            except ValueError:
                return self.home
            return value
        return self.home

    def sign_in_elsewhere(self, request: Request, next_: str | None = None) -> str:
        """The sign-in service's page, with ``next`` the absolute address of ``next_`` (a path
        here, made safe first) on this service."""
        target = self.safe_next(next_)
        if target.startswith("/"):
            target = f"{request.url.scheme}://{request.url.netloc}{target}"
        separator = "&" if urlsplit(self.sign_in_url).query else "?"
        return f"{self.sign_in_url}{separator}{urlencode({'next': target})}"

    def form_targets(self) -> str:
        """Where the sign-in form may end up (its CSP ``form-action``): this site, and the
        hosts under the cookie domain that ``next`` may name."""
        if not self.signs_in or not self.cookie_domain:
            return "'self'"
        return f"'self' {self.cookie_domain} *.{self.cookie_domain}"


def staff_auth(request: Request) -> StaffAuth:
    auth = getattr(request.app.state, "staff_auth", None)
    if auth is None or not request.scope.get("state", {}).get(_INSTALLED):
        raise RuntimeError("staff sign-in is not installed on this app: "
                           "call StaffAuth.install(app)")
    return auth


def _domain(request: Request) -> str | None:
    auth = getattr(request.app.state, "staff_auth", None)
    return getattr(auth, "cookie_domain", None)


def cookie(request: Request, name: str, value: str, *, max_age: int | None = None) -> str:
    response = Response()
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", domain=_domain(request))
    return response.headers["set-cookie"]


def expired_cookie(request: Request, name: str) -> str:
    response = Response()
    response.delete_cookie(name, path="/", httponly=True, samesite="lax",
                           secure=request.url.scheme == "https", domain=_domain(request))
    return response.headers["set-cookie"]


def queue_cookie(request: Request, header: str) -> None:
    """Sets a cookie on whatever response this request gets (last one per name wins)."""
    name = header.split("=", 1)[0]
    request.scope.setdefault("state", {}).setdefault(_COOKIES, {})[name] = header


class CookieRelay:
    """ASGI middleware adding queued cookies to the response, including one an endpoint built
    itself (FastAPI drops a dependency's response headers then)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state[_INSTALLED] = True

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for header in state.get(_COOKIES, {}).values():
                    headers.append("set-cookie", header)
            await send(message)

        await self.app(scope, receive, send_with_cookies)


async def _redirect_to_sign_in(_request: Request, exc: SignInRequired) -> Response:
    return RedirectResponse(exc.headers["Location"], status_code=303)
