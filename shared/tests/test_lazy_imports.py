"""What a service on SQLite never uses stays out of its memory: each module below is imported
only on the path that needs it (every module a process imports stays in its RSS)."""
import subprocess
import sys
import textwrap

import pytest

LOADED = textwrap.dedent("""
    import importlib, sys
    importlib.import_module(sys.argv[1])
    print(" ".join(name for name in sys.argv[2:] if name in sys.modules))
""")


def _loaded(module: str, *names: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", LOADED, module, *names], capture_output=True,
                          text=True, timeout=120, check=True,
                          env={"PYTHONPATH": ":".join(sys.path)})
    return done.stdout.split()


# Intake is not listed: its repository builds its statements for both dialects when imported.
@pytest.mark.parametrize("service", ["screening", "scheduling", "notifications"])
def test_a_service_on_sqlite_does_not_load_the_postgresql_dialect(service):
    assert _loaded(f"{service}.bootstrap", "sqlalchemy.dialects.postgresql") == []


def test_the_postgresql_insert_is_loaded_when_asked_for():
    from sqlalchemy.dialects import postgresql, sqlite

    from vod_shared.db import dialect_insert

    assert dialect_insert("postgresql") is postgresql.insert
    assert dialect_insert("sqlite") is sqlite.insert
