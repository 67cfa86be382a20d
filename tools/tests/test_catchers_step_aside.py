"""`make run` pointed at another SMTP server on this machine (SMTP_HOST/SMTP_PORT): the catchers
start without a mail catcher, so nothing takes that port or pretends to be the relay; with the
defaults they catch mail on their own port."""
import os
import subprocess
import sys
import time

from vod_devtools.net import free_port, port_in_use


def _first_line(env: dict) -> tuple[str, subprocess.Popen]:
    process = subprocess.Popen([sys.executable, "-m", "vod_devtools.catchers"],
                               env={**os.environ, **env}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    return process.stdout.readline(), process


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(10)


def test_mail_pointed_elsewhere_leaves_the_mail_catcher_out(tmp_path):
    relay, smtp, http = free_port(), free_port(), free_port()
    line, process = _first_line({"VOD_DATA_DIR": str(tmp_path), "SMTP_HOST": "127.0.0.1",
                                 "SMTP_PORT": str(relay), "CATCHER_SMTP_PORT": str(smtp),
                                 "CATCHER_HTTP_PORT": str(http)})
    try:
        assert f"no mail catcher (mail goes to 127.0.0.1:{relay})" in line, line
        time.sleep(0.3)
        assert not port_in_use(smtp) and not port_in_use(relay) and port_in_use(http)
    finally:
        _stop(process)


def test_by_default_mail_is_caught_on_the_catchers_own_port(tmp_path):
    smtp, http = free_port(), free_port()
    line, process = _first_line({"VOD_DATA_DIR": str(tmp_path), "SMTP_HOST": "localhost",
                                 "SMTP_PORT": str(smtp), "CATCHER_SMTP_PORT": str(smtp),
                                 "CATCHER_HTTP_PORT": str(http)})
    try:
        assert f"SMTP on 127.0.0.1:{smtp}" in line, line
        assert port_in_use(smtp)
    finally:
        _stop(process)
