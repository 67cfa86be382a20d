"""The services as real processes, as ``make run`` starts them."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from vod_devtools.net import free_port

SERVICES = ("intake", "screening", "scheduling", "notifications")


class ServiceProcess:
    def __init__(self, name: str, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        # A port chosen beforehand (so each service can link to the others'), else a free one.
        self.port = int(env.get(f"{name.upper()}_PORT") or 0) or free_port()
        self.env = {**os.environ, **env, f"{name.upper()}_PORT": str(self.port), "LOG_FORMAT": "json"}
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> "ServiceProcess":
        self.launch()
        self.wait_healthy(timeout)
        return self

    def launch(self) -> "ServiceProcess":
        """Starts the process without waiting for it to be healthy (so several start at once)."""
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", self.name], env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT)
        return self

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited {self.proc.returncode}:\n{self.log()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"{self.name} not healthy in {timeout}s:\n{self.log()[-3000:]}")

    def wait_exit(self, timeout: float = 60.0) -> int:
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
