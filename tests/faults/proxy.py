"""A small TCP proxy for the road between one service and the broker: it passes bytes, or adds
latency to each chunk, or drops every connection (and each new one) while told to.

The broker gets a second listener (``PROXIED``) that advertises the proxy's port, so a client
that bootstraps through the proxy is told to reach the broker through it too (Kafka answers
metadata with the addresses of the listener the request came in on); the other services keep
the direct road.
"""
import asyncio
import threading

from vod_devtools.kafka import LocalKafka
from vod_devtools.net import free_port


class ProxiedKafka(LocalKafka):
    """A LocalKafka with one more listener, reached through ``proxy_port``."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.proxied_port, self.proxy_port = free_port(), free_port()

    def _write_config(self):
        path = super()._write_config()
        p, c, q = self.port, self.controller_port, self.proxied_port
        with path.open("a") as config:  # later keys win in a Java properties file
            config.write(
                f"\nlisteners=PLAINTEXT://127.0.0.1:{p},CONTROLLER://127.0.0.1:{c},"
                f"PROXIED://127.0.0.1:{q}\n"
                f"advertised.listeners=PLAINTEXT://127.0.0.1:{p},"
                f"PROXIED://127.0.0.1:{self.proxy_port}\n"
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,"
                "PROXIED:PLAINTEXT\n")
        return path


class TcpProxy:
    """``listen_port`` -> ``target_port`` on 127.0.0.1, in a thread of its own. ``latency_s``
    delays every chunk each way; ``dropping`` closes every open connection and each new one."""

    def __init__(self, listen_port: int, target_port: int) -> None:
        self.listen_port, self.target_port = listen_port, target_port
        self.latency_s, self.dropping, self.dropped = 0.0, False, 0
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> "TcpProxy":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def drop(self, on: bool) -> None:
        """Starts (closing every open connection) or ends dropping connections."""
        self.dropping = on
        if on:
            self._loop.call_soon_threadsafe(self._close_all)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.listen_port)

    async def _stop(self) -> None:
        self._server.close()
        self._close_all()

    def _close_all(self) -> None:
        for writer in list(self._writers):
            writer.close()
            self.dropped += 1
        self._writers.clear()

    async def _serve(self, client_in, client_out) -> None:
        if self.dropping:
            client_out.close()
            self.dropped += 1
            return
        try:
            broker_in, broker_out = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_out.close()
            return
        self._writers.update((client_out, broker_out))
        await asyncio.gather(self._pipe(client_in, broker_out), self._pipe(broker_in, client_out),
                             return_exceptions=True)
        for writer in (client_out, broker_out):
            self._writers.discard(writer)
            writer.close()

    async def _pipe(self, reader, writer) -> None:
        try:
            while chunk := await reader.read(65536):
                if self.latency_s:
                    await asyncio.sleep(self.latency_s)
                writer.write(chunk)
                await writer.drain()
        finally:
            writer.close()
