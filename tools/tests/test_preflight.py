"""`make run` a second time says "already running" instead of failing on a port; a port held by
another program is named with the variable that moves it."""
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from vod_devtools.net import free_port
from vod_devtools.preflight import ALREADY_RUNNING, check, is_ours


def test_free_ports_start_quietly():
    said = []
    assert check({}, in_use=lambda port: False, ours=lambda port: False, say=said.append) == 0
    assert said == []


def test_dialogue_answering_on_its_ports_is_already_running():
    said = []
    code = check({"INTAKE_PORT": "9101"}, in_use=lambda port: True, ours=lambda port: True,
                 say=said.append)
    assert code == ALREADY_RUNNING
    assert "already running" in said[0] and "http://localhost:9101/request" in said[0]


def test_another_program_on_a_port_is_named_with_its_variable():
    said = []
    code = check({}, in_use=lambda port: port == 8025, ours=lambda port: False, say=said.append)
    assert code == 1
    assert said == ["Port 8025 (the catchers' pages) is in use by another program. Stop that "
                    "program, or give CATCHER_HTTP_PORT another value."]


class _Health(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        body = b'{"status": "ok", "database": "ok", "broker": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_service_s_healthz_is_recognised_and_a_bare_socket_is_not():
    server = HTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    bare = socket.socket()
    bare.bind(("127.0.0.1", 0))
    bare.listen()
    try:
        assert is_ours(server.server_address[1])
        assert not is_ours(bare.getsockname()[1])
        assert not is_ours(free_port())
    finally:
        server.shutdown()
        bare.close()


def test_the_command_exits_3_with_the_message_when_intake_answers():
    server = HTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # Every other port elsewhere, free: the machine may be running another Dialogue.
    env = {name: str(free_port()) for name in ("SCREENING_PORT", "SCHEDULING_PORT",
                                               "NOTIFICATIONS_PORT", "CATCHER_SMTP_PORT",
                                               "CATCHER_HTTP_PORT")}
    env["KAFKA_BOOTSTRAP_SERVERS"] = f"127.0.0.1:{free_port()}"
    try:
        result = subprocess.run(
            [sys.executable, "-m", "vod_devtools.preflight"], capture_output=True, text=True,
            timeout=60, env={**env, "PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path),
                             "INTAKE_PORT": str(server.server_address[1])})
    finally:
        server.shutdown()
    assert result.returncode == ALREADY_RUNNING, result.stderr
    assert "Dialogue is already running (intake answer)" in result.stdout
