from vod_shared.staff import Role, StaffAccount, StaffFile
from vod_shared.staff.accounts import StaffFileError, dump, editing, parse, write_accounts

from .support import account, make_person


def test_what_is_written_reads_back_the_same(tmp_path):
    odd = StaffAccount(username="o.brien-2", display_name='Seán "Jack" O\'Brien \\ \t\x7f 🙂',
                       roles=(Role.COORDINATOR, Role.ADMIN), password_hash="$argon2id$v=19$x",
                       totp_secret="JBSWY3DPEHPK3PXP", disabled=True)
    write_accounts(tmp_path / "staff.toml", {odd.username: odd})
    assert StaffFile(tmp_path / "staff.toml").get("o.brien-2") == odd
    assert parse(dump({odd.username: odd})) == {odd.username: odd}


def test_a_changed_file_is_read_again(tmp_path):
    path = tmp_path / "staff.toml"
    staff_file = StaffFile(path)
    assert staff_file.accounts() == {}  # no file yet: no one

    first = account(make_person("ana", Role.SCREENER))
    write_accounts(path, {"ana": first})
    assert staff_file.get("ana") == first

    write_accounts(path, {"ana": first.changed(disabled=True)})
    assert staff_file.get("ana").disabled


def test_a_broken_file_lets_no_one_in(tmp_path):
    path = tmp_path / "staff.toml"
    write_accounts(path, {"ana": account(make_person("ana", Role.SCREENER))})
    staff_file = StaffFile(path)
    assert staff_file.get("ana")

    path.write_text(path.read_text() + "\n[[staff]\n")
    assert staff_file.accounts() == {}


def test_a_damaged_entry_is_left_out_but_the_command_will_not_drop_it(tmp_path):
    path = tmp_path / "staff.toml"
    write_accounts(path, {"ana": account(make_person("ana", Role.SCREENER))})
    path.write_text(path.read_text().replace('roles = ["screener"]', 'roles = ["warden"]'))

    assert StaffFile(path).accounts() == {}
    try:
        with editing(path):
            raise AssertionError("should have refused")
    except StaffFileError as exc:
        assert "roles" in str(exc)
    assert "warden" in path.read_text()
