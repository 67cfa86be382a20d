import os

import pytest

from vod_devtools import browser
from vod_shared.sealing import KeyDirectory

from .services import ServiceProcess, stop_all


@pytest.fixture
def service_env(kafka_bootstrap, topic_prefix, tmp_path):
    KeyDirectory(tmp_path / "keys").init()
    return {
        "VOD_KEYS_DIR": str(tmp_path / "keys"),
        "VICTIM_LINK_SECRET": "e2e-victim-link-secret",
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "VOD_TOPIC_PREFIX": topic_prefix,
        "VOD_DATA_DIR": str(tmp_path / "var"),
        "KAFKA_SESSION_TIMEOUT_MS": "3000",
        "OUTBOX_POLL_INTERVAL_S": "0.2",
        "CONSUMER_RETRY_BACKOFF_S": "0.05",
    }


@pytest.fixture
def processes(tmp_path):
    started: list[ServiceProcess] = []

    def start(name: str, env: dict[str, str], *, wait: bool = True,
              migrate_itself: bool = False) -> ServiceProcess:
        """Starts a service; ``wait=False`` returns at once (call ``wait_healthy`` later);
        ``migrate_itself``: its new stores are not copies of migrated ones, it migrates them
        itself (in its migration child) as a first start in production does."""
        process = ServiceProcess(name, env, tmp_path, migrate_itself=migrate_itself)
        started.append(process)
        process.launch()
        if wait:
            process.wait_healthy(60.0)
        return process

    yield start
    stop_all(started)


@pytest.fixture(scope="session")
async def chromium():
    """One headless Chromium for every browser test of the session (starting one takes seconds;
    a test's own context, with its own cookies and storage, takes a fraction): required in CI,
    skipped (saying why) elsewhere. Each test opens its contexts on it and closes them
    (``page`` does)."""
    reason = browser.available()
    if reason and os.environ.get("CI"):
        pytest.fail(f"no browser for the browser tests: {reason}")
    if reason:  # a developer's own machine; `make test` installs it first
        pytest.skip(f"no browser for the browser tests: {reason}")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await browser.launch(playwright)
        yield launched
        await launched.close()


@pytest.fixture
def browser_errors() -> list[str]:
    """What the page wrote to its console as errors, or threw (a test may assert none)."""
    return []


@pytest.fixture
async def own_contexts(chromium):
    """The shared browser, for a test that opens its own contexts: closed after the test, so
    no sign-in outlives it."""
    yield chromium
    for context in list(chromium.contexts):
        await context.close()


@pytest.fixture
async def page(own_contexts, browser_errors):
    """A fresh page in a context of its own, 1280 x 900, 15 s for each step."""
    context = await own_contexts.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = await context.new_page()
    page.on("console", lambda m: m.type == "error" and browser_errors.append(m.text))
    page.on("pageerror", lambda exc: browser_errors.append(str(exc)))
    return page
