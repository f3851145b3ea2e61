"""Start the ENSPACE emulator in its own process on loopback, for benchmarks to measure against.

The server must live in another process: rows that measure the client's CPU time would
otherwise count the server's work too. Use it as a context manager::

    with emulator(latency=0.02) as server:
        async with server.client() as client:
            ...

The emulator prints one ready line, ``ENSPACE_EMULATOR url=… key=… workspace=…``; everything
it prints afterwards is drained in a thread (so a chatty server never blocks on a full pipe)
and the last lines are kept for the error message if it dies.
"""

from __future__ import annotations

import collections
import contextlib
import queue
import secrets
import socket
import string
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from ._harness import register_secret

__all__ = ["READY_PREFIX", "Server", "emulator", "free_port", "make_api_key", "serve"]

READY_PREFIX = "ENSPACE_EMULATOR"
WORKSPACE = "bench"
_ALPHANUMERIC = string.ascii_letters + string.digits


def make_api_key() -> str:
    """Return a random key shaped like the real ones: ``en.`` and 34 alphanumerics."""
    key = "en." + "".join(secrets.choice(_ALPHANUMERIC) for _ in range(34))
    register_secret(key)
    return key


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@attrs.frozen
class Server:
    """A running server process: where it listens and how to authenticate."""

    url: str
    api_key: str = attrs.field(repr=False)
    workspace: str
    pid: int

    def client(self, **options: Any) -> Any:
        """Return an :class:`~enspace_async.EnspaceClient` for this server."""
        from enspace_async import EnspaceClient

        return EnspaceClient(self.api_key, workspace=self.workspace, base_url=self.url, **options)

    def headers(self) -> dict[str, str]:
        """The headers a hand-written client sends to this server."""
        return {
            "x-api-key": self.api_key,
            "en-workspace": self.workspace,
            "accept": "application/json",
        }


class _Output:
    """Read a process's output in a thread: hand lines over until ready, then keep the tail."""

    def __init__(self, stream: Any):
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.tail: collections.deque[str] = collections.deque(maxlen=40)
        self.ready = threading.Event()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: Any) -> None:
        for line in stream:
            self.tail.append(line.rstrip())
            if not self.ready.is_set():
                self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, prefix: str, timeout: float) -> str:
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise TimeoutError(f"no {prefix!r} line within {timeout} s") from None
            if line is None:
                raise RuntimeError("server exited before it was ready: " + self.describe())
            if line.startswith(prefix):
                self.ready.set()
                return line.strip()

    def describe(self) -> str:
        return " / ".join(list(self.tail)[-8:]) or "(no output)"


def _fields(line: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)


@contextlib.contextmanager
def serve(
    argv: Sequence[str], *, api_key: str, ready_prefix: str = READY_PREFIX, timeout: float = 30.0
) -> Iterator[Server]:
    """Run ``argv`` until the block ends; it must print ``<ready_prefix> url=… workspace=…``."""
    process = subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    try:
        output = _Output(process.stdout)
        fields = _fields(output.wait_for(ready_prefix, timeout))
        url, workspace = fields["url"].rstrip("/"), fields.get("workspace", WORKSPACE)
        yield Server(url=url, api_key=api_key, workspace=workspace, pid=process.pid)
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout is not None:
        process.stdout.close()


@contextlib.contextmanager
def emulator(
    *,
    latency: float | None = None,
    rate_limit: float | None = None,
    demo_data: bool = True,
    extra_args: Sequence[str] = (),
) -> Iterator[Server]:
    """Run ``python -m enspace_async.testing`` on a free loopback port until the block ends.

    Args:
        latency: seconds the emulator adds to every answer.
        rate_limit: requests per second before it answers 429.
        demo_data: start with the demo workspace's types and items.
        extra_args: more command-line options for the emulator.
    """
    key = make_api_key()
    argv = [sys.executable, "-m", "enspace_async.testing", "--port", "0"]  # it prints the port
    argv += ["--api-key", key, "--workspace", WORKSPACE]
    if demo_data:
        argv.append("--demo-data")
    if latency:
        argv += ["--latency", str(latency)]
    if rate_limit:
        argv += ["--rate-limit", str(rate_limit)]
    with serve([*argv, *extra_args], api_key=key) as server:
        yield server
