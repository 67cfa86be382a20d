"""Staff identity every service shares: accounts in a staff file, sign-in with a password and a
TOTP code, sessions any service accepts, and the dependencies that guard routes. The sign-in
state (sessions, failed sign-ins, used codes, and each account's name, roles, enabled flag and
credential stamp, without its secrets) is in the staff store every service shares
(``STAFF_DATABASE_URL``; see ``store.py``), so one service can hold the staff file and sign
people in, and the others (``STAFF_SIGN_IN_URL``) authorize from the store alone.

    auth = StaffAuth.from_settings(settings)   # settings: a StaffSettings (or a subclass)
    auth.install(app)       # /staff/login, /staff/logout, /staff/logout-everywhere, cookie relay

    @router.get("/api/queue")
    async def queue(staff: StaffMember = Depends(require_roles(Role.SCREENER))): ...
"""
from vod_shared.staff.accounts import StaffAccount, StaffFile
from vod_shared.staff.auth import SignInRequired, StaffAuth, utc_now
from vod_shared.staff.authenticator import FileAuthenticator
from vod_shared.staff.dependencies import csrf_token, current_staff, require_csrf, require_roles
from vod_shared.staff.model import Authenticator, Role, StaffMember
from vod_shared.staff.settings import StaffSettings
from vod_shared.staff.store import StaffStore

__all__ = [
    "Authenticator", "FileAuthenticator", "Role", "SignInRequired", "StaffAccount", "StaffAuth",
    "StaffFile", "StaffMember", "StaffSettings", "StaffStore", "csrf_token", "current_staff", "require_csrf",
    "require_roles", "utc_now",
]
