import io
import os
import re
import stat
import subprocess
import sys

import pyotp
from argon2 import PasswordHasher

from vod_shared.staff.accounts import read_accounts
from vod_shared.staff.cli import main as staff_command

from .support import FAST_HASHER, FakeClock, client_for, make_app, sign_in

PASSWORD = "correct horse battery staple"


def run(args, *, stdin: str = "", answers=()) -> tuple[int, str]:
    out = io.StringIO()
    replies = iter(answers)
    code = staff_command(args, out=out, stdin=io.StringIO(stdin), ask=lambda _prompt: next(replies),
                         hasher=FAST_HASHER)
    return code, out.getvalue()


def test_add_writes_a_private_file_and_shows_the_second_factor_once(tmp_path):
    path = tmp_path / "staff.toml"

    code, out = run(["--file", str(path), "add", "Maria", "--role", "screener", "--role", "admin",
                     "--name", 'María "Mari" Ortega', "--password-stdin"], stdin=PASSWORD + "\n")

    assert code == 0
    account = read_accounts(path)["maria"]
    assert account.display_name == 'María "Mari" Ortega'
    assert [role.value for role in account.roles] == ["screener", "admin"]
    assert account.password_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(account.password_hash, PASSWORD)
    assert f"otpauth://totp/Dialogue:maria?secret={account.totp_secret}&issuer=Dialogue" in out
    assert f"secret: {account.totp_secret}" in out
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == ["staff.toml"]


def test_list_never_shows_hashes_or_secrets(tmp_path):
    path = tmp_path / "staff.toml"
    run(["--file", str(path), "add", "maria", "--role", "screener"], answers=[PASSWORD, PASSWORD])
    run(["--file", str(path), "add", "jo", "--role", "facilitator", "--password-stdin"], stdin=PASSWORD)
    run(["--file", str(path), "disable", "jo"])
    accounts = read_accounts(path)

    code, out = run(["--file", str(path), "list"])

    assert code == 0
    assert out.splitlines() == ["jo\tjo\tfacilitator\tdisabled", "maria\tmaria\tscreener\tactive"]
    for account in accounts.values():
        assert account.password_hash not in out and account.totp_secret not in out
    assert "argon2" not in out


def test_the_command_runs_as_a_module(tmp_path):
    path = tmp_path / "staff.toml"
    env = {**os.environ, "VOD_STAFF_FILE": str(path)}
    added = subprocess.run([sys.executable, "-m", "vod_shared.staff", "add", "sam", "--role", "intake",
                            "--password-stdin"], input=PASSWORD + "\n", capture_output=True,
                           text=True, env=env, timeout=60)
    assert added.returncode == 0, added.stderr
    listed = subprocess.run([sys.executable, "-m", "vod_shared.staff", "list"], capture_output=True,
                            text=True, env=env, timeout=60)
    assert listed.stdout == "sam\tsam\tintake\tactive\n"
    assert "$argon2" not in listed.stdout + listed.stderr
    assert read_accounts(path)["sam"].totp_secret not in listed.stdout


def test_mistakes_are_refused_and_change_nothing(tmp_path, capsys):
    path = tmp_path / "staff.toml"
    assert run(["--file", str(path), "add", "maria", "--role", "screener"],
               answers=[PASSWORD, PASSWORD + "!"])[0] == 1
    assert "differ" in capsys.readouterr().err
    assert run(["--file", str(path), "add", "maria", "--role", "screener", "--password-stdin"],
               stdin="short")[0] == 1
    assert "at least 12" in capsys.readouterr().err
    assert read_accounts(path) == {}

    run(["--file", str(path), "add", "maria", "--role", "screener", "--password-stdin"], stdin=PASSWORD)
    assert run(["--file", str(path), "add", "maria", "--role", "admin", "--password-stdin"],
               stdin=PASSWORD)[0] == 1
    assert "already has an account" in capsys.readouterr().err
    assert run(["--file", str(path), "disable", "nobody"])[0] == 1
    assert run(["--file", str(path), "add", "not a name", "--role", "admin"])[0] == 2


async def test_an_account_added_by_the_command_can_sign_in(tmp_path, settings, clock: FakeClock):
    from vod_shared.staff import StaffAuth

    path = tmp_path / "team.toml"
    _, out = run(["--file", str(path), "add", "lee", "--role", "screener", "--password-stdin"],
                 stdin=PASSWORD)
    secret = re.search(r"secret: (\w+)", out).group(1)
    auth = StaffAuth.from_settings(settings.model_copy(update={"staff_file": path}), clock=clock)
    async with client_for(make_app(auth)) as client:
        response = await sign_in(client, "lee", PASSWORD, pyotp.TOTP(secret).at(clock()))
        assert response.status_code == 303
        assert (await client.get("/api/queue")).json()["username"] == "lee"

        _, out = run(["--file", str(path), "reset-totp", "lee"])
        assert (await client.get("/api/queue")).status_code == 401  # sessions end
        assert re.search(r"secret: (\w+)", out).group(1) != secret
