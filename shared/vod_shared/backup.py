"""Back up and restore every service's store, the staff store, the staff file and the keys.

    python -m vod_shared.backup create DIR     # services running or not
    python -m vod_shared.backup restore DIR    # services stopped; stores empty or absent
                                               # (then erasures since the backup: made again)

Run it with the services' settings in the environment (as `make backup` / `make restore` do):
each service's ``<SERVICE>_DATABASE_URL`` (default: its SQLite file in ``VOD_DATA_DIR``),
``STAFF_DATABASE_URL``, ``VOD_STAFF_FILE`` and ``VOD_KEYS_DIR``. SQLite files are copied with
SQLite's online backup API (a consistent copy while the service writes); PostgreSQL databases
with ``pg_dump --format=custom`` and ``pg_restore``. ``manifest.json`` says what is where.

What a restore means: each store goes back to the moment of its backup, while the broker keeps
everything since. Consumers resume from their committed offsets and drop what their inbox
already has; events the outbox had not yet published are published again (consumers drop
them by id). Work done after the backup (a message sent, a decision made) is not in the
restored store: restore only the backup of a moment you know, and see README "Operating".
An erasure made after the backup would come back with it: the restore then runs
``python -m intake.erase reapply`` (the broker must answer), which erases again everyone intake
announced erased on vod.people (``--no-reapply`` leaves that to be run by hand).

A backup holds people's sealed details *and* the keys that open them: keep it as you keep the
keys (``--keys-to`` writes the keys to another place, e.g. another medium).
"""
import argparse
import importlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import make_url

SERVICES = ("intake", "screening", "scheduling", "notifications")


def _settings(service: str):
    return importlib.import_module(f"{service}.config").Settings()


def _stores() -> dict[str, str]:
    """store name -> SQLAlchemy URL: each service's, and the staff store."""
    stores = {name: _settings(name).effective_database_url() for name in SERVICES}
    stores["staff"] = _settings(SERVICES[0]).effective_staff_database_url()
    return stores


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    return Path(parsed.database) if parsed.get_backend_name() == "sqlite" else None


def _libpq(url: str) -> str:
    """A URL pg_dump and pg_restore understand (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create(dest: Path, *, keys_to: Path | None = None) -> dict:
    dest.mkdir(parents=True, exist_ok=False)
    dest.chmod(0o700)
    manifest: dict = {"made_at": datetime.now(timezone.utc).isoformat(), "stores": {}}
    for name, url in _stores().items():
        path = _sqlite_path(url)
        if path is not None:
            if not path.exists():
                manifest["stores"][name] = {"kind": "absent"}
                continue
            source, copy = sqlite3.connect(path), sqlite3.connect(dest / f"{name}.db")
            try:
                source.backup(copy)  # consistent even while the service writes
            finally:
                copy.close()
                source.close()
            manifest["stores"][name] = {"kind": "sqlite", "file": f"{name}.db"}
        else:
            subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file",
                            str(dest / f"{name}.dump"), _libpq(url)], check=True)
            manifest["stores"][name] = {"kind": "postgresql", "file": f"{name}.dump"}
    settings = _settings(SERVICES[0])
    keys_dest = keys_to or dest / "keys"
    shutil.copytree(settings.effective_keys_dir(), keys_dest, dirs_exist_ok=False)
    manifest["keys"] = str(keys_dest) if keys_to else "keys"
    staff_file = settings.effective_staff_file()
    if staff_file.exists():
        shutil.copy2(staff_file, dest / "staff.toml")
        (dest / "staff.toml").chmod(0o600)
        manifest["staff_file"] = "staff.toml"
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def restore(src: Path, *, keys_from: Path | None = None) -> dict:
    manifest = json.loads((src / "manifest.json").read_text())
    stores = _stores()
    for name, saved in manifest["stores"].items():
        url = stores[name]
        if saved["kind"] == "absent":
            continue
        if saved["kind"] == "sqlite":
            path = _sqlite_path(url)
            if path is None:
                raise SystemExit(f"{name}: the backup is SQLite, the configured store is not")
            if path.exists():
                raise SystemExit(f"{name}: {path} exists; restore into an empty place (stop "
                                 f"the services and move the old store aside first)")
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / saved["file"], path)
        else:
            subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname",
                            _libpq(url), str(src / saved["file"])], check=True)
    settings = _settings(SERVICES[0])
    keys = keys_from or (src / manifest["keys"] if manifest["keys"] == "keys"
                         else Path(manifest["keys"]))
    target = settings.effective_keys_dir()
    if target.exists() and any(target.iterdir()):
        raise SystemExit(f"keys: {target} is not empty; restore into an empty place")
    shutil.copytree(keys, target, dirs_exist_ok=True)
    if manifest.get("staff_file"):
        staff_file = settings.effective_staff_file()
        if not staff_file.exists():
            shutil.copy2(src / manifest["staff_file"], staff_file)
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vod_shared.backup", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("create", help="back up every store, the staff file and the keys")
    made.add_argument("dir", type=Path)
    made.add_argument("--keys-to", type=Path, help="write the keys here instead of DIR/keys")
    back = commands.add_parser("restore", help="restore a backup into empty stores")
    back.add_argument("dir", type=Path)
    back.add_argument("--keys-from", type=Path, help="the keys, if kept apart (--keys-to)")
    back.add_argument("--no-reapply", action="store_true",
                      help="do not erase again the people erased since (run "
                           "`python -m intake.erase reapply` before starting the services)")
    args = parser.parse_args(argv)
    os.umask(0o077)
    if args.command == "create":
        manifest = create(args.dir, keys_to=args.keys_to)
        print(f"backup in {args.dir}: " + ", ".join(
            f"{name} ({saved['kind']})" for name, saved in manifest["stores"].items()))
    else:
        manifest = restore(args.dir, keys_from=args.keys_from)
        print(f"restored from {args.dir} (made {manifest['made_at']}): " + ", ".join(
            f"{name} ({saved['kind']})" for name, saved in manifest["stores"].items()))
        if not args.no_reapply:
            return _reapply_erasures()
    return 0


def _reapply_erasures() -> int:
    """Erasures made since the backup, made again (intake reads them from vod.people)."""
    sys.stdout.flush()
    done = subprocess.run([sys.executable, "-m", "intake.erase", "reapply"], check=False)
    if done.returncode:
        print("the stores are restored, but the erasures made since the backup are NOT made "
              "again: run `python -m intake.erase reapply` once the broker answers, before "
              "starting the services", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
