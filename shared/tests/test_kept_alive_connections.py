"""A service keeps an idle kept-alive connection open longer than its clients keep it in
their pools: a request sent on one that has been idle for seconds is answered, not reset.
(With uvicorn's 5 s default, a webhook sent on a connection idle for about 5 s got a
connection reset and was never read; the last of these tests failed then.)"""
import os
import socket
import subprocess
import sys
import time

from vod_devtools.net import free_port

SERVED = """
import sys
from types import SimpleNamespace
from vod_shared.stopping import serve

async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.complete"})
        return
    await receive()
    await send({"type": "http.response.start", "status": 202,
                "headers": [(b"content-length", b"8")]})
    await send({"type": "http.response.body", "body": b"accepted"})

serve(app, SimpleNamespace(bind_host="127.0.0.1", effective_port=lambda: int(sys.argv[1])))
"""
REQUEST = (b"POST /webhooks/requests HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")


def _answer(conn: socket.socket) -> bytes:
    """The whole response to the request just sent, or what came before the server closed."""
    received = b""
    while not received.endswith(b"accepted"):
        try:
            chunk = conn.recv(4096)
        except ConnectionResetError:
            return received + b"<reset>"
        if not chunk:
            return received + b"<closed>"
        received += chunk
    return received


def _connected(port: int, service: subprocess.Popen, timeout: float = 30) -> socket.socket:
    deadline = time.monotonic() + timeout
    while True:
        assert service.poll() is None, service.stdout.read()
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=10)
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_a_request_on_a_connection_idle_for_6_seconds_is_answered_on_it():
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(entry for entry in sys.path if entry)}
    service = subprocess.Popen([sys.executable, "-c", SERVED, str(port)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with _connected(port, service) as conn:
            conn.sendall(REQUEST)
            assert (first := _answer(conn)).startswith(b"HTTP/1.1 202"), first
            time.sleep(6)  # idle past uvicorn's default (5 s), as a sender's pool allows
            conn.sendall(REQUEST)
            assert (second := _answer(conn)).startswith(b"HTTP/1.1 202"), second
    finally:
        service.terminate()
        service.wait(30)
