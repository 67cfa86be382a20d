"""``docs/contract.md`` stays true: the topics, event types and HTTP paths it names are the code's
(``vod_shared.topics``, the event registry, each service's FastAPI routes), and every topic and
event type the code has is named in it, so a new one cannot go out undocumented."""
import importlib
import re
from pathlib import Path

import pytest
from vod_shared import topics
from vod_shared.events import registered_types

from .e2e.staff_support import SERVICES, _routes, settings_for

DOC = Path(__file__).resolve().parents[1] / "docs" / "contract.md"
# `GET /path` or `POST /path`, in backticks; {SMS_API_BASE}-style hosts are not ours.
ROUTE = re.compile(r"`(GET|POST) (/[^`\s]*)`")
EVERY_SERVICE = {"/healthz", "/readyz", "/metrics", "/openapi.json"}


@pytest.fixture(scope="module")
def text() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def routes(tmp_path_factory) -> dict[str, set[tuple[str, str]]]:
    """Each service's (method, path) pairs, from the app its own bootstrap builds."""
    found = {}
    for name in SERVICES:
        folder = tmp_path_factory.mktemp(name)
        _, app = importlib.import_module(f"{name}.bootstrap").bootstrap(settings_for(name, folder))
        found[name] = {(method, route.path) for route in _routes(app)
                       for method in (getattr(route, "methods", None) or ())}
    return found


def _documented_topics(text: str) -> set[str]:
    return set(re.findall(r"^\| `(vod\.[a-z]+)` \|", text, flags=re.MULTILINE))


def test_the_topics_table_is_the_code_s_topics(text):
    in_code = {topics.INTAKE, topics.PEOPLE, topics.KEYS, *topics.EVENT_TOPICS}
    assert _documented_topics(text) == in_code
    for topic, owner in topics.OWNERS.items():
        assert re.search(rf"^\| `{re.escape(topic)}` \| {owner} \|", text, flags=re.MULTILINE), (
            f"{topic}: the table must name {owner} as its producer")
    assert f"`<topic>{topics.DLQ_SUFFIX}`" in text


def test_every_event_type_in_the_doc_exists_and_every_one_in_the_code_is_named(text):
    named = set(re.findall(r"`(vod\.[A-Za-z]+\.v\d+)`", text))
    registered = set(registered_types())
    assert named - registered == set(), "named in docs/contract.md, unknown to the code"
    assert registered - named == set(), "in the code, missing from docs/contract.md"


def test_every_http_path_in_the_doc_is_served(text, routes):
    documented = set(ROUTE.findall(text))
    assert len(documented) >= 15  # the page names its paths; a broken pattern finds none
    for method, path in sorted(documented):
        if path.startswith("/2010-04-01/"):
            continue  # the SMS provider's API, which we call
        serving = [name for name, pairs in routes.items() if (method, path) in pairs]
        assert serving, f"{method} {path} is in docs/contract.md but no service serves it"
        if path in EVERY_SERVICE:
            assert serving == list(SERVICES), f"{method} {path} only on {serving}"


def test_the_webhooks_are_on_the_services_the_doc_names(text, routes):
    for method, path, service in re.findall(r"### `(GET|POST) (/\S+)` on (\w+)", text):
        assert (method, path) in routes[service], f"{method} {path} is not on {service}"


def test_the_readme_points_to_the_doc_in_the_repository():
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "docs/contract.md" in readme
    assert "CONTRACT.md" not in readme
