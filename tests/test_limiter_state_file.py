"""Issue 18, point 6: a learned rate carried over, ``RateLimiter(state_file=...)``.

A client reads the file when it starts and writes it when it closes (real HTTP on 127.0.0.1
through the emulator); a torn, foreign, stale or unwritable file costs one log line and a cold
start, never an error; the file holds a hash of the origin and key, never the key.
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path

import orjson
import pytest

from enspace_async import ConfigurationError, RateLimiter, RateSignal
from enspace_async._ratelimit import LocalLimiterBackend, carry
from enspace_async._ratelimit.algorithm import State
from enspace_async.testing import EnspaceEmulator

pytestmark = pytest.mark.emulator(types={"deals": None}, items=1)


def learn(limiter: RateLimiter, successes: int = 40, over: float = 0.2) -> float:
    """Teach the limiter a rate the way answers do: successes, then a 429."""
    backend = limiter.backend
    assert isinstance(backend, LocalLimiterBackend)
    now = 1000.0
    for n in range(successes):
        backend.report(now + n * over / successes, RateSignal())
    backend.report(now + over, RateSignal(throttled=True))
    assert backend.rate < math.inf
    return backend.rate


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def rate_of(limiter: RateLimiter) -> float:
    backend = limiter.backend
    assert isinstance(backend, LocalLimiterBackend)
    return backend.rate


async def use(emu: EnspaceEmulator, limiter: RateLimiter, **kwargs: object) -> None:
    async with emu.client(rate_limit=limiter, **kwargs) as client:  # type: ignore[arg-type]
        await client.items.list("deals").collect()


async def test_the_rate_learned_by_one_run_starts_the_next(
    emu: EnspaceEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "rate.json"
    first = RateLimiter(state_file=path)
    async with emu.client(rate_limit=first) as client:
        assert rate_of(first) == math.inf  # no file yet: cold, and silent
        learned = learn(first)
        await client.items.list("deals").collect()
    assert path.exists()
    second = RateLimiter(state_file=path)
    assert rate_of(second) == math.inf  # read when a client starts using it
    await use(emu, second)
    assert rate_of(second) == pytest.approx(learned, rel=0.05)
    assert not [r for r in caplog.records if "state file" in r.message]
    assert names(tmp_path) == ["rate.json"]  # no temporary file left


async def test_the_file_holds_a_hash_never_the_key(emu: EnspaceEmulator, tmp_path: Path) -> None:
    path = tmp_path / "rate.json"
    limiter = RateLimiter(state_file=path)
    async with emu.client(rate_limit=limiter):
        learn(limiter)
    text = path.read_text()
    assert emu.api_key not in text
    assert emu.url not in text
    saved = orjson.loads(text)
    assert set(saved) == {"version", "key", "rate", "saved_at"}
    assert saved["key"] == carry.identity(emu.url, emu.api_key)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b'{"version": 1, "key": "ab', "is not JSON"),
        (b"", "is not JSON"),
        (b'{"version": 99, "rate": 10}', "not a rate-limiter state file"),
        (b"[1, 2]", "not a rate-limiter state file"),
        (b'{"version": 1, "key": "x", "rate": -3, "saved_at": 1}', "no usable rate"),
        (b'{"version": 1, "key": "x", "rate": "fast", "saved_at": 1}', "no usable rate"),
    ],
)
async def test_a_torn_or_foreign_file_is_ignored_with_one_line(
    emu: EnspaceEmulator,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    content: bytes,
    why: str,
) -> None:
    path = tmp_path / "rate.json"
    path.write_bytes(content)
    limiter = RateLimiter(state_file=path)
    with caplog.at_level(logging.INFO, logger="enspace_async"):
        await use(emu, limiter)
    assert rate_of(limiter) == math.inf
    lines = [r for r in caplog.records if "state file" in r.message]
    assert len(lines) == 1, [r.message for r in lines]
    assert why in lines[0].message
    assert "starts cold" in lines[0].message
    assert lines[0].levelno == logging.WARNING


async def test_a_file_of_another_key_is_not_used_and_is_replaced(
    emu: EnspaceEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "rate.json"
    carry.save(path, carry.identity(emu.url, "en.someoneelse0000000000000000000000"), 7.0)
    limiter = RateLimiter(state_file=path)
    async with emu.client(rate_limit=limiter):
        assert rate_of(limiter) == math.inf
        learned = learn(limiter)
    (line,) = [r.message for r in caplog.records if "state file" in r.message]
    assert "another API key or server" in line
    saved = orjson.loads(path.read_bytes())
    assert saved["key"] == carry.identity(emu.url, emu.api_key)
    assert saved["rate"] == pytest.approx(learned)


async def test_a_stale_file_is_not_used(
    emu: EnspaceEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "rate.json"
    key = carry.identity(emu.url, emu.api_key)
    carry.save(path, key, 50.0, now=time.time() - carry.MAX_AGE - 60)
    limiter = RateLimiter(state_file=path)
    with caplog.at_level(logging.INFO, logger="enspace_async"):
        await use(emu, limiter)
    assert rate_of(limiter) == math.inf
    (line,) = [r for r in caplog.records if "state file" in r.message]
    assert "stale" in line.message
    assert line.levelno == logging.INFO
    carry.save(path, key, 50.0)  # fresh: used, within the floor and the ceiling
    fresh = RateLimiter(state_file=path, max_rate=40)
    await use(emu, fresh)
    assert rate_of(fresh) == 40.0


async def test_a_file_that_cannot_be_written_is_logged_not_raised(
    emu: EnspaceEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "missing-folder" / "rate.json"
    limiter = RateLimiter(state_file=path)
    async with emu.client(rate_limit=limiter):
        learn(limiter)
    (line,) = [r.message for r in caplog.records if "state file" in r.message]
    assert "not written" in line
    assert not path.parent.exists()


async def test_nothing_learned_writes_nothing_and_a_used_limiter_is_not_reset(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    path = tmp_path / "rate.json"
    await use(emu, RateLimiter(state_file=path))
    assert not path.exists()  # unlimited: nothing to carry
    carry.save(path, carry.identity(emu.url, emu.api_key), 12.0)
    limiter = RateLimiter(state_file=path)
    learned = learn(limiter)  # used before any client started with it
    await use(emu, limiter)
    assert rate_of(limiter) == pytest.approx(learned, rel=0.01)  # not 12/s


def test_state_file_options_are_checked() -> None:
    with pytest.raises(ConfigurationError, match="in-process limiter"):
        RateLimiter(backend=_Shared(), state_file="rate.json")
    with pytest.raises(ConfigurationError, match="state_file must be a file path"):
        RateLimiter(state_file=42)  # type: ignore[arg-type]


class _Shared:
    """A backend of the bare protocol, as a shared one is."""

    async def reserve(self, now: float) -> tuple[float, int]:
        return 0.0, 0

    async def epoch(self) -> int:
        return 0

    async def feedback(self, now: float, signal: RateSignal) -> None:
        return None


def test_state_is_the_named_tuple_the_backend_starts_from() -> None:
    backend = LocalLimiterBackend()
    backend.resume(80.0)
    assert isinstance(backend.state, State)
    assert (backend.state.rate, backend.state.epoch_rate) == (80.0, 80.0)
