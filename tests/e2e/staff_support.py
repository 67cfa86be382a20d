"""Helpers for the staff tests: each service's app built as its own tests build it (SQLite in a
temporary folder, no broker started), and the paths anyone may call without signing in."""
import base64
import importlib
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI

from vod_devtools.migrated import migrated
from vod_shared.sealing import KeyDirectory

SERVICES = ("intake", "screening", "scheduling", "notifications")
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"staff-walk-webhook-secret-0123456").decode()
# docs/contract.md, "Running it": public are /healthz, /openapi.json, /webhooks/..., /static/...,
# the sign-in pages, intake's public request page (with its confirmation pages under /request/
# and the email's /confirm/<token>), and the victim's signed links under /v/. /readyz is public
# like /healthz; /metrics has a rule of its own (METRICS_TOKEN, or loopback only: shared/tests).
PUBLIC = [re.compile(pattern) for pattern in (
    r"^/healthz$", r"^/readyz$", r"^/metrics$", r"^/openapi\.json$", r"^/docs", r"^/redoc",
    r"^/webhooks/", r"^/static/", r"^/staff/login$", r"^/staff/logout(-everywhere)?$", r"^/v/",
    r"^/$", r"^/favicon\.ico$", r"^/request$",
    r"^/request/(pending/[^/]+|confirmed)$", r"^/confirm/[^/]+$",
)]
METHODS = ("get", "post", "put", "patch", "delete")


def is_public(path: str) -> bool:
    return any(pattern.search(path) for pattern in PUBLIC)


def settings_for(name: str, tmp_path: Path):
    """A service's settings for tests. Every service reads only the names it knows, so one set
    of values serves them all."""
    KeyDirectory(tmp_path / "keys").init()
    values = {
        f"{name.upper()}_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/{name}.db",
        "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "VOD_DATA_DIR": str(tmp_path),
        "VOD_KEYS_DIR": str(tmp_path / "keys"), "VOD_STAFF_FILE": str(tmp_path / "staff.toml"),
        "STAFF_SESSION_SECRET": "staff-walk-tests-session-secret-0123456789",
        "VICTIM_LINK_SECRET": "staff-walk-victim-link-secret", "SMS_AUTH_TOKEN": "walk-token",
        "INTAKE_WEBHOOK_SECRET": WEBHOOK_SECRET, "CUSTODY_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    config = importlib.import_module(f"{name}.config")
    return config.Settings(**values)


@dataclass
class BuiltService:
    name: str
    app: FastAPI
    runtime: object

    def client(self) -> httpx.AsyncClient:
        # An app that crashes answers 500 here, as it would to a real caller.
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app,
                                                               raise_app_exceptions=False),
                                 base_url=f"http://{self.name}", follow_redirects=False)

    async def close(self) -> None:
        await self.runtime.engine.dispose()


async def build(name: str, tmp_path: Path) -> BuiltService:
    """The service's app from its own bootstrap, its store migrated, the broker not started."""
    folder = tmp_path / name
    folder.mkdir(parents=True, exist_ok=True)
    module = importlib.import_module(f"{name}.bootstrap")
    runtime, app = module.bootstrap(settings_for(name, folder))
    await migrated(runtime.engine, module.MIGRATIONS)  # a copy of a store migrated once
    return BuiltService(name, app, runtime)


def _concrete(template: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda _: f"walk-{uuid.uuid4().hex[:8]}", template)


def operations(app: FastAPI) -> list[tuple[str, str, str]]:
    """(method, path template, a concrete path) for every operation in the OpenAPI document."""
    found = []
    for template, item in app.openapi()["paths"].items():
        found += [(method, template, _concrete(template)) for method in METHODS if method in item]
    return found


def hidden_operations(app: FastAPI) -> list[tuple[str, str, str]]:
    """The same for the routes left out of the OpenAPI document (pages, say), but FastAPI's own
    document and docs pages: a route hidden from the document must refuse strangers too."""
    own = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    listed = {(method, template) for method, template, _ in operations(app)}
    found = []
    for route in _routes(app):
        template, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if not template or not methods or template in own:
            continue  # a mount (/static) or FastAPI's own
        found += [(method, template, _concrete(template)) for method in METHODS
                  if method.upper() in methods and (method, template) not in listed]
    return found


def _routes(app: FastAPI) -> list:
    """Every route, including those of included routers (which FastAPI now keeps as branches)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # an older FastAPI keeps them flat
        return list(app.routes)
    return list(iter_route_contexts(app.routes))


SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def screenshot_path(name: str) -> str:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return str(SCREENSHOTS / f"{name}.png")
