"""The workspace header's links: which pages a member's roles open, where each leads (this
host at each service's port under `make run`, each service's staff host in a deployment, or
as configured), and which one is the page being read."""
import pytest
from pydantic import ValidationError
from starlette.requests import Request

from vod_shared.staff import Role, StaffMember, StaffSettings
from vod_shared.staff.workspace import Workspace


def _request(path: str, host: str = "localhost", port: int = 8003) -> Request:
    return Request({"type": "http", "method": "GET", "path": path, "query_string": b"",
                    "scheme": "http", "server": (host, port), "root_path": "",
                    "headers": [(b"host", f"{host}:{port}".encode())]})


def _member(*roles: Role) -> StaffMember:
    return StaffMember("m", "M", frozenset(roles))


def _links(workspace: Workspace, request: Request, *roles: Role) -> dict[str, str]:
    return {link.label: link.href for link in workspace.links(request, _member(*roles))}


@pytest.mark.parametrize(("roles", "labels"), [
    ((Role.SCREENER,), ["Work queue", "Intake", "Schedule"]),
    ((Role.INTAKE,), ["Work queue", "Intake", "Deliveries"]),
    ((Role.FACILITATOR,), ["Work queue", "Schedule"]),
    ((Role.COORDINATOR,), ["Work queue", "Intake", "Schedule", "Deliveries"]),
    ((Role.ADMIN,), ["Work queue", "Intake", "Schedule", "Deliveries", "Audit", "Reports"]),
    ((Role.DIRECTOR,), ["Reports"]),
    ((), []),
])
def test_a_member_is_offered_the_pages_her_roles_open(roles, labels):
    workspace = Workspace("scheduling")
    assert list(_links(workspace, _request("/staff/calendar"), *roles)) == labels


def test_under_make_run_the_links_go_to_each_services_port_on_this_host():
    settings = StaffSettings(INTAKE_PORT=9001)
    workspace = Workspace("scheduling", ports={"intake": settings.intake_port_for_links,
                                               "screening": 8002, "scheduling": 8003,
                                               "notifications": 8004})
    links = _links(workspace, _request("/staff/cases/x", host="127.0.0.1"), Role.ADMIN)
    assert links == {"Work queue": "http://127.0.0.1:8002/staff/",
                     "Intake": "http://127.0.0.1:9001/staff/", "Schedule": "/staff/",
                     "Deliveries": "http://127.0.0.1:8004/staff/",
                     "Audit": "http://127.0.0.1:8002/staff/audit/everywhere",
                     "Reports": "http://127.0.0.1:8002/staff/reports"}
    [current] = [link for link in workspace.links(_request("/staff/cases/x"), _member(
        Role.ADMIN)) if link.current]
    assert current.label == "Schedule"


def test_in_a_deployment_the_links_go_to_each_services_staff_host():
    workspace = Workspace.from_settings(StaffSettings(STAFF_COOKIE_DOMAIN="staff.example.org"))
    links = _links(workspace, _request("/staff/"), Role.COORDINATOR)
    assert links["Intake"] == "https://intake.staff.example.org/staff/"
    assert links["Work queue"] == "https://screening.staff.example.org/staff/"
    chosen = Workspace.from_settings(StaffSettings(
        STAFF_COOKIE_DOMAIN="staff.example.org",
        STAFF_WORKSPACE_URLS="intake=https://door.example.org/,notifications=https://n.example"))
    links = _links(chosen, _request("/staff/"), Role.COORDINATOR)
    assert links["Intake"] == "https://door.example.org/staff/"
    assert links["Deliveries"] == "https://n.example/staff/"
    assert links["Schedule"] == "https://scheduling.staff.example.org/staff/"


def test_a_wrong_workspace_address_stops_the_start():
    with pytest.raises(ValidationError, match="STAFF_WORKSPACE_URLS"):
        StaffSettings(STAFF_WORKSPACE_URLS="intake=javascript:alert(1)")
    with pytest.raises(ValidationError, match="STAFF_WORKSPACE_URLS"):
        StaffSettings(STAFF_WORKSPACE_URLS="reports=https://r.example")


def test_a_case_links_to_its_pages_in_the_other_services_its_reader_may_open():
    workspace = Workspace("screening")
    request = _request("/staff/cases/c1", port=8002)
    screener = workspace.case_links(request, _member(Role.SCREENER), "c1")
    assert [link.href for link in screener] == [
        "http://localhost:8001/staff/cases/c1",
        "http://localhost:8001/staff/cases/c1/support-persons",
        "http://localhost:8003/staff/cases/c1"]
    coordinator = workspace.case_links(request, _member(Role.COORDINATOR), "c1")
    assert [link.href for link in coordinator] == [
        "http://localhost:8001/staff/cases/c1",
        "http://localhost:8001/staff/cases/c1/support-persons",
        "http://localhost:8003/staff/cases/c1",
        "http://localhost:8004/staff/?case_id=c1"]
