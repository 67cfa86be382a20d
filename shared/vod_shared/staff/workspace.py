"""One staff workspace across the four services: the header every staff page shows (links to
each service's pages, as the member's roles allow), its HTML pages for 401/403/404 under
``/staff/``, and the rendering intake's and notifications' pages share.

The links go to each service's own host: ``STAFF_WORKSPACE_URLS`` when set, else
``https://<service>.<STAFF_COOKIE_DOMAIN>`` (the compose's staff hosts), else this host at each
service's port (``make run``: one sign-in holds on every port of one host)."""
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from fastapi import Request

from vod_shared.staff.model import Role, StaffMember

SERVICES = ("intake", "screening", "scheduling", "notifications")
# A director reads the program's figures only, never a case.
_CASE_STAFF = frozenset(Role) - {Role.DIRECTOR}


@dataclass(frozen=True)
class Destination:
    label: str
    service: str
    path: str
    roles: frozenset[Role]


# The pages the header offers, in its order, with the roles each page admits (the pages' own
# guards say the same: a link is never offered to a page that would refuse its reader).
DESTINATIONS = (
    Destination("Work queue", "screening", "/staff/", _CASE_STAFF),
    Destination("Intake", "intake", "/staff/",
                frozenset({Role.INTAKE, Role.SCREENER, Role.COORDINATOR, Role.ADMIN})),
    # Screeners read a case's schedule (scheduling's changes are its staff's alone).
    Destination("Schedule", "scheduling", "/staff/",
                frozenset({Role.COORDINATOR, Role.FACILITATOR, Role.ADMIN, Role.SCREENER})),
    Destination("Deliveries", "notifications", "/staff/",
                frozenset({Role.INTAKE, Role.COORDINATOR, Role.ADMIN})),
    # Every service's audit entries together; each service's own log is linked from there.
    Destination("Audit", "screening", "/staff/audit/everywhere", frozenset({Role.ADMIN})),
    # Screening's case figures; they link to the notices' and the surveys' figures.
    Destination("Reports", "screening", "/staff/reports", frozenset({Role.DIRECTOR, Role.ADMIN})),
)


# A case's page in each service, for the links between them.
CASE_PAGES = (("intake", "/staff/cases/{case_id}", "Intake: request and contact"),
              ("intake", "/staff/cases/{case_id}/support-persons", "Intake: support persons"),
              ("screening", "/staff/cases/{case_id}", "Screening: timeline and decisions"),
              ("scheduling", "/staff/cases/{case_id}", "Scheduling: meetings and dialogue"),
              ("notifications", "/staff/?case_id={case_id}", "Deliveries: what she was sent"))

# Each service's own audit log (admins): one page each, linked together from every one of them
# and from the page of them all (screening's, which the header's "Audit" opens).
AUDIT_PAGES = (("screening", "/staff/audit/everywhere", "All services"),
               ("screening", "/staff/audit", "Screening"),
               ("intake", "/staff/audit", "Intake"),
               ("scheduling", "/staff/audit", "Scheduling"),
               ("notifications", "/staff/audit", "Notifications"))


def roles_for(service: str, path: str = "/staff/") -> tuple[Role, ...]:
    """The roles the header admits to a page: for that page's own guard."""
    for destination in DESTINATIONS:
        if (destination.service, destination.path) == (service, path):
            return tuple(sorted(destination.roles))
    raise KeyError(f"no staff page {service}{path} in the workspace")


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    current: bool = False


@dataclass(frozen=True)
class Header:
    """What the shared header shows: where we are, the member, the links."""
    here: str
    member: StaffMember | None
    links: tuple[Link, ...]
    local_links: tuple[Link, ...]
    csrf: str


class Workspace:
    def __init__(self, service: str, *, urls: dict[str, str] | None = None,
                 cookie_domain: str | None = None, ports: dict[str, int] | None = None) -> None:
        self.service = service
        self.urls = {name: url.rstrip("/") for name, url in (urls or {}).items()}
        self.cookie_domain = cookie_domain
        self.ports = ports or {name: 8001 + n for n, name in enumerate(SERVICES)}

    @classmethod
    def from_settings(cls, settings) -> "Workspace":
        return cls(getattr(settings, "service_name", "service"),
                   urls=parse_urls(settings.workspace_urls),
                   cookie_domain=settings.effective_cookie_domain(),
                   ports={name: getattr(settings, f"{name}_port_for_links") for name in SERVICES})

    def base(self, service: str, request: Request) -> str:
        """``service``'s address as this request's browser reaches it ("" for this service)."""
        if service == self.service:
            return ""
        if service in self.urls:
            return self.urls[service]
        if self.cookie_domain:
            return f"https://{service}.{self.cookie_domain}"
        host = request.url.hostname or "localhost"
        host = f"[{host}]" if ":" in host else host
        return f"{request.url.scheme}://{host}:{self.ports[service]}"

    def url(self, service: str, path: str, request: Request) -> str:
        return f"{self.base(service, request)}{path}"

    def links(self, request: Request, member: StaffMember | None) -> tuple[Link, ...]:
        if member is None:
            return ()
        offered = [d for d in DESTINATIONS if member.has_any_role(*d.roles)]
        here = [d for d in offered if d.service == self.service
                and request.url.path.startswith(d.path)]
        current = max(here, key=lambda d: len(d.path), default=None)
        return tuple(Link(d.label, self.url(d.service, d.path, request), d is current)
                     for d in offered)

    def case_links(self, request: Request, member: StaffMember | None,
                   case_id: str) -> tuple[Link, ...]:
        """The same case's pages in the other services, those the member may open."""
        if member is None:
            return ()
        roles = {d.service: d.roles for d in DESTINATIONS if d.path == "/staff/"}
        case_id = quote(case_id, safe="")
        return tuple(Link(label, self.url(service, path.format(case_id=case_id), request))
                     for service, path, label in CASE_PAGES
                     if service != self.service and member.has_any_role(*roles[service]))

    def audit_links(self, request: Request) -> tuple[Link, ...]:
        """Every service's audit page, this one's marked current (for admins' audit pages)."""
        here = request.url.path
        return tuple(Link(label, self.url(service, path, request),
                          service == self.service and path == here)
                     for service, path, label in AUDIT_PAGES)

    def header(self, request: Request, member: StaffMember | None, *, csrf: str = "",
               local_links: tuple[tuple[str, str], ...] = ()) -> Header:
        path = request.url.path
        local = tuple(Link(label, href, path == href or (href != "/staff/"
                                                         and path.startswith(href + "/")))
                      for label, href in local_links) if member else ()
        return Header(self.service.capitalize(), member, self.links(request, member), local,
                      csrf)


def parse_urls(value: str) -> dict[str, str]:
    """``"intake=https://a,screening=https://b"`` -> a mapping; a wrong one stops the start."""
    urls = {}
    for item in filter(None, (part.strip() for part in value.replace(" ", ",").split(","))):
        name, _, url = item.partition("=")
        parts = urlsplit(url)
        if name not in SERVICES or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("STAFF_WORKSPACE_URLS takes service=http(s)://host pairs, e.g. "
                             "intake=https://intake.staff.example.org")
        urls[name] = url
    return urls


def workspace(request: Request) -> Workspace:
    """This app's workspace (``StaffAuth.install`` puts it on the app)."""
    found = getattr(request.app.state, "staff_workspace", None)
    return found or Workspace("service")
