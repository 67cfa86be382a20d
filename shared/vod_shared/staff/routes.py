"""``/staff/login`` and ``/staff/logout``: the sign-in every service's pages share."""
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


def _login_page(auth: StaffAuth, request: Request, *, next_: str, username: str = "",
                error: str | None = None, status_code: int = 200,
                headers: dict[str, str] | None = None) -> Response:
    return render("login.html", status_code=status_code, headers=headers, error=error,
                  username=username, next=next_, csrf_token=auth.csrf_token(request),
                  action=LOGIN_PATH)


def _too_many(wait_seconds: int) -> str:
    minutes = (wait_seconds + 59) // 60
    return f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes != 1 else ''}."


@router.get(LOGIN_PATH, summary="The sign-in form", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None) -> Response:
    auth = staff_auth(request)
    next_ = auth.safe_next(next)
    if auth.resume(request, request.cookies.get(sessions.COOKIE_NAME)):
        return RedirectResponse(next_, status_code=303)
    return _login_page(auth, request, next_=next_)


@router.post(LOGIN_PATH,
             summary="Sign in (form post); 303 onwards, or the form again with a message",
             response_class=HTMLResponse)
async def login(request: Request, username: str = Form(""), password: str = Form(""),
                code: str = Form(""), csrf_token: str = Form(""), next: str = Form("")) -> Response:
    auth = staff_auth(request)
    next_ = auth.safe_next(next)
    username = username.strip().lower()[:MAX_USERNAME]
    code = code if len(code) <= MAX_CODE else ""
    if not auth.csrf_ok(request, csrf_token):
        return _login_page(auth, request, next_=next_, username=username, error=FORM_EXPIRED,
                           status_code=400)
    address = request.client.host if request.client else "unknown"
    now = auth.clock()
    wait = auth.limiter.retry_after(username, address, now)
    if wait is not None:
        log.warning("staff.sign_in_limited", address=address)
        return _login_page(auth, request, next_=next_, username=username, status_code=429,
                           headers={"Retry-After": str(wait)}, error=_too_many(wait))
    member = await auth.authenticator.authenticate(username, password, code)
    if member is None:
        auth.limiter.failed(username, address, now)
        log.warning("staff.sign_in_failed", address=address)
        return _login_page(auth, request, next_=next_, username=username, error=SIGN_IN_FAILED,
                           status_code=400)
    auth.limiter.succeeded(username, address)
    auth.issue(request, auth.sessions.begin(member.username, member.credential_stamp, now))
    auth.new_csrf_nonce(request)  # a fresh token for the signed-in pages
    log.info("staff.signed_in", username=member.username, address=address)
    return RedirectResponse(next_, status_code=303)


@router.post("/staff/logout", summary="Sign out (form post); 303 to the sign-in page",
             response_class=HTMLResponse)
async def logout(request: Request, csrf_token: str = Form("")) -> Response:
    auth = staff_auth(request)
    if not auth.csrf_ok(request, csrf_token):
        # A stale or forged form: ask once more rather than sign out on someone else's say-so.
        return render("logout.html", status_code=400, csrf_token=auth.csrf_token(request))
    session = auth.sessions.decode(request.cookies.get(sessions.COOKIE_NAME), auth.clock())
    queue_cookie(request, expired_cookie(request, sessions.COOKIE_NAME))
    log.info("staff.signed_out", username=session.username if session else None)
    return RedirectResponse(LOGIN_PATH, status_code=303)
