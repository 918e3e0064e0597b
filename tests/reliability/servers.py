"""Real processes for the fault and load tests: gunicorn on the test database (PostgreSQL), and a TCP proxy
between gunicorn and PostgreSQL that a test can cut and restore."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for_tests(host: str | None = None, port: int | None = None) -> str:
    """The URL of the database the tests run on (``test_…``), optionally through another host and port."""
    db = connection.settings_dict
    host = host or db["HOST"] or "127.0.0.1"
    port = port or int(db["PORT"] or 5432)
    return f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}?sslmode=disable"


class Gunicorn:
    """gunicorn with sync workers on the test database; ``--preload`` so that a killed worker's replacement forks
    at once from the loaded master."""

    def __init__(self, log_dir: Path, *, database_url: str, workers: int = 2, **env: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"gunicorn-{self.port}.log"
        environment = {
            k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
        }
        environment.update(
            DJANGO_SETTINGS_MODULE="config.settings.faults",
            DATABASE_URL=database_url,
            GUNICORN_BIND=f"127.0.0.1:{self.port}",
            WEB_CONCURRENCY=str(workers),
            ALLOWED_HOSTS="127.0.0.1",
            **env,
        )
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    "config/gunicorn.conf.py",
                    "--preload",
                    "--timeout",
                    "60",
                    "config.wsgi:application",
                ],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped: {self.log.read_text()[-3000:]}")
            try:
                requests.get(self.base + "/api/v1/me/", timeout=5)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer in {timeout} s: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class CuttableProxy:
    """A TCP proxy to PostgreSQL. ``cut_when(pattern)``: when a client sends bytes containing ``pattern`` (a
    statement of the protocol's plain query text), every connection is dropped before the statement reaches the
    server and new ones are refused, until ``restore()``: the database has gone away mid-request."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.pattern: bytes | None = None
        self.cut_happened = threading.Event()
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def cut_when(self, pattern: bytes) -> None:
        self.cut_happened.clear()
        self.pattern = pattern

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self._cut()
        self.listener.close()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            server = socket.create_connection(self.target)
            with self.lock:
                self.sockets |= {client, server}
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        try:
            while data := source.recv(65536):
                if from_client and self.pattern is not None and self.pattern in data:
                    self._cut()
                    return
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _cut(self) -> None:
        self.up = False
        self.pattern = None
        with self.lock:
            sockets, self.sockets = self.sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.cut_happened.set()
