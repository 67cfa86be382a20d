"""Headless Chromium for the browser tests: Debian's ``chromium`` package driven by the
``playwright`` Python package. (``playwright install`` downloads a browser build of its own,
which cannot be had here; the distribution's package can.)

    python -m vod_devtools.browser ensure   # installs chromium with apt-get if it is missing
    python -m vod_devtools.browser check    # says what is missing, installs nothing

Tests call :func:`available` (installing when they may) and :func:`launch`.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from vod_devtools.one_at_a_time import one_at_a_time

CHROMIUM = Path(os.environ.get("VOD_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PACKAGE = "chromium"


def missing() -> list[str]:
    """What the browser tests need and this machine lacks, in words a person can act on."""
    gaps = []
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        gaps.append(f"Chromium is not installed at {CHROMIUM} (Debian's `{PACKAGE}` package: "
                    f"`apt-get install {PACKAGE}` as root, or `make test`, which does it)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        gaps.append("the `playwright` Python package is missing (run `uv sync`)")
    return gaps


def can_install() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def install_chromium() -> None:
    """apt-get update, then install Debian's chromium (non-interactive)."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", PACKAGE],
                   check=True, env=env)


def ensure(*, out=sys.stdout) -> list[str]:
    """Installs chromium when it is missing and this process may (root, apt-get); returns what
    is still missing."""
    gaps = missing()
    if _lacks_chromium(gaps) and can_install():
        # One apt-get at a time: test workers start together; the one who waited finds it done
        with one_at_a_time(name="apt-get"):
            if _lacks_chromium(missing()):
                print(f"Installing Debian's {PACKAGE} with apt-get…", file=out, flush=True)
                try:
                    install_chromium()
                except (subprocess.CalledProcessError, OSError) as exc:
                    print(f"apt-get could not install {PACKAGE}: {exc}", file=out)
        gaps = missing()
    return gaps


def _lacks_chromium(gaps: list[str]) -> bool:
    return any(gap.startswith("Chromium") for gap in gaps)


def available() -> str | None:
    """None when the browser tests can run (installing chromium if need be and allowed);
    otherwise why not."""
    gaps = ensure(out=sys.stderr)
    if not gaps:
        return None
    hint = "" if can_install() else " (not root, or no apt-get: cannot install it here)"
    return "; ".join(gaps) + hint


async def launch(playwright):
    """A headless Chromium browser from the distribution's package."""
    return await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS,
                                            headless=True)


def version() -> str:
    result = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True,
                            timeout=30)
    return result.stdout.strip() or result.stderr.strip()


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command not in ("ensure", "check"):
        print("usage: python -m vod_devtools.browser [ensure|check]", file=sys.stderr)
        return 2
    gaps = ensure() if command == "ensure" else missing()
    if gaps:
        for gap in gaps:
            print(f"missing: {gap}", file=sys.stderr)
        if command == "ensure" and not can_install():
            print("Cannot install here: run as root on a Debian machine with apt-get.",
                  file=sys.stderr)
        return 1
    print(f"browser tests ready: {version()} at {CHROMIUM}, with playwright")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
