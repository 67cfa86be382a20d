"""``/staff/login``, ``/staff/logout`` and ``/staff/logout-everywhere``: the sign-in every
service's pages share. On a service that signs no one in (``STAFF_SIGN_IN_URL``), ``/staff/login``
sends the browser to the sign-in service, with ``next`` the absolute address to come back to;
signing out works on every service (the session is ended in the staff store)."""
import structlog
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vod_shared.staff import sessions
from vod_shared.staff.auth import LOGIN_PATH, StaffAuth, expired_cookie, queue_cookie, staff_auth
from vod_shared.staff.pages import render

log = structlog.get_logger("vod.staff")
router = APIRouter(tags=["staff sign-in"])

SIGN_IN_FAILED = ("That did not work. Check your username, password and the 6-digit code "
                  "from your authenticator app, then try again.")
FORM_EXPIRED = "The sign-in form had expired. Please try again."
MAX_USERNAME = 64
MAX_CODE = 16
LOGOUT_PATH = "/staff/logout"
LOGOUT_EVERYWHERE_PATH = "/staff/logout-everywhere"


def _login_page(auth: StaffAuth, request: Request, *, next_: str, username: str = "",
                error: str | None = None, status_code: int = 200,
                headers: dict[str, str] | None = None) -> Response:
    return render("login.html", status_code=status_code, headers=headers, error=error,
                  username=username, next=next_, csrf_token=auth.csrf_token(request),
                  action=LOGIN_PATH, form_action=auth.form_targets())


def _too_many(wait_seconds: int) -> str:
    minutes = (wait_seconds + 59) // 60
    return f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes != 1 else ''}."


@router.get(LOGIN_PATH, summary="The sign-in form", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None) -> Response:
    auth = staff_auth(request)
    next_ = auth.safe_next(next)
    if await auth.resume(request, request.cookies.get(sessions.COOKIE_NAME)):
        return RedirectResponse(next_, status_code=303)
    if not auth.signs_in:
        return RedirectResponse(auth.sign_in_elsewhere(request, next_), status_code=303)
    return _login_page(auth, request, next_=next_)


@router.post(LOGIN_PATH,
             summary="Sign in (form post); 303 onwards, or the form again with a message",
             response_class=HTMLResponse)
async def login(request: Request, username: str = Form(""), password: str = Form(""),
                code: str = Form(""), csrf_token: str = Form(""), next: str = Form("")) -> Response:
    auth = staff_auth(request)
    next_ = auth.safe_next(next)
    if not auth.signs_in:  # nothing is checked here: the form is the sign-in service's
        return RedirectResponse(auth.sign_in_elsewhere(request, next_), status_code=303)
    username = username.strip().lower()[:MAX_USERNAME]
    code = code if len(code) <= MAX_CODE else ""
    if not auth.csrf_ok(request, csrf_token):
        return _login_page(auth, request, next_=next_, username=username, error=FORM_EXPIRED,
                           status_code=400)
    address = auth.client_address(request)
    now = auth.clock()
    attempt = await auth.limiter.begin(username, address, now)
    if attempt.wait is not None:
        log.warning("staff.sign_in_limited", address=address)
        auth.metrics.signin_failed("rate_limited")
        return _login_page(auth, request, next_=next_, username=username, status_code=429,
                           headers={"Retry-After": str(attempt.wait)},
                           error=_too_many(attempt.wait))
    member = await auth.authenticator.authenticate(username, password, code)
    if member is None:
        # Counted as a failure when it began.
        log.warning("staff.sign_in_failed", address=address)
        auth.metrics.signin_failed("credentials")
        return _login_page(auth, request, next_=next_, username=username, error=SIGN_IN_FAILED,
                           status_code=400)
    await auth.limiter.succeeded(attempt)
    # A session this browser still had (someone else's, perhaps) ends; the new one has a new id.
    earlier = auth.sessions.session_id(request.cookies.get(sessions.COOKIE_NAME))
    if earlier:
        await auth.sessions.end(earlier, now)
    await auth.begin(request, member)
    auth.new_csrf_nonce(request)  # a fresh token for the signed-in pages
    log.info("staff.signed_in", username=member.username, address=address)
    return RedirectResponse(next_, status_code=303)


def _sign_out_page(auth: StaffAuth, request: Request, *, expired: bool) -> Response:
    return render("logout.html", status_code=400 if expired else 200, expired=expired,
                  csrf_token=auth.csrf_token(request), logout=LOGOUT_PATH,
                  logout_everywhere=LOGOUT_EVERYWHERE_PATH)


@router.get(LOGOUT_PATH, summary="Sign out: the form (here, or everywhere)",
            response_class=HTMLResponse)
async def logout_form(request: Request) -> Response:
    return _sign_out_page(staff_auth(request), request, expired=False)


@router.post(LOGOUT_PATH, summary="Sign out (form post): ends this session on every service; "
                                  "303 to the sign-in page", response_class=HTMLResponse)
async def logout(request: Request, csrf_token: str = Form("")) -> Response:
    auth = staff_auth(request)
    if not auth.csrf_ok(request, csrf_token):
        # A stale or forged form: ask once more rather than sign out on someone else's say-so.
        return _sign_out_page(auth, request, expired=True)
    session_id = auth.sessions.session_id(request.cookies.get(sessions.COOKIE_NAME))
    username = await auth.sessions.end(session_id, auth.clock()) if session_id else None
    queue_cookie(request, expired_cookie(request, sessions.COOKIE_NAME))
    log.info("staff.signed_out", username=username)
    return RedirectResponse(LOGIN_PATH, status_code=303)


@router.post(LOGOUT_EVERYWHERE_PATH,
             summary="Sign out everywhere (form post): ends every session of the signed-in "
                     "member, in every browser; 303 to the sign-in page",
             response_class=HTMLResponse)
async def logout_everywhere(request: Request, csrf_token: str = Form("")) -> Response:
    auth = staff_auth(request)
    if not auth.csrf_ok(request, csrf_token):
        return _sign_out_page(auth, request, expired=True)
    now = auth.clock()
    session = await auth.sessions.current(request.cookies.get(sessions.COOKIE_NAME), now)
    ended = await auth.sessions.end_all(session.username, now) if session else 0
    queue_cookie(request, expired_cookie(request, sessions.COOKIE_NAME))
    log.info("staff.signed_out_everywhere", username=session.username if session else None,
             sessions=ended)
    return RedirectResponse(LOGIN_PATH, status_code=303)
