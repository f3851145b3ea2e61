"""Log lines: one INFO line per retry, a WARNING when the budget runs dry or the limiter cuts its
rate, ``ENSPACE_LOG``; never the key, a query value or item data."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from helpers import VirtualTime, no_sleep

from enspace_async import RateLimiter, RetryPolicy, ServerError
from enspace_async._observe import log_from_env, logger
from enspace_async.testing import EnspaceEmulator

SLUG = "contracts"
ITEM = "GET /ws/types/{slug}/items/{ref}"


pytestmark = pytest.mark.emulator(seed=9, types={SLUG: {"title": "inputText"}}, items=5)


def lines(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == "enspace_async" and r.levelno == level
    ]


async def test_one_info_line_per_retry(
    emu: EnspaceEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="enspace_async")
    ref = emu.items(SLUG)[0]["reference"]
    emu.faults.script("items.get", ["503", "reset_before"])
    policy = RetryPolicy(jitter=lambda: 0.5, backoff_base=2.4)
    async with asyncio.timeout(10), emu.client(retry=policy, sleep=no_sleep) as c:
        await c.items.get(SLUG, ref)
    assert lines(caplog, logging.INFO) == [
        f"retrying {ITEM} in 1.2 s after 503 (attempt 2 of 5)",
        f"retrying {ITEM} in 2.4 s after ProtocolError (attempt 3 of 5)",
    ]
    assert lines(caplog, logging.WARNING) == []


async def test_the_budget_running_dry_warns_once_per_dry_spell(
    emu: EnspaceEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="enspace_async")
    ref = emu.items(SLUG)[0]["reference"]
    emu.faults.add("503", routes="items.get", times=5)
    policy = RetryPolicy(jitter=lambda: 0.0, budget=5, retry_cost=5)  # room for one retry
    async with asyncio.timeout(10), emu.client(retry=policy, sleep=no_sleep) as c:
        for _ in range(3):  # 503+503, 503, 503: the budget refuses the last three retries
            with pytest.raises(ServerError):
                await c.items.get(SLUG, ref)
        assert c.stats.budget_exhausted == 3
    assert lines(caplog, logging.WARNING) == [
        f"retry budget exhausted: {ITEM} is not retried after 503 (attempt 2 of 5); "
        "calls fail at once until successes refill it"
    ]
    assert lines(caplog, logging.INFO) == [f"retrying {ITEM} in 0.0 s after 503 (attempt 2 of 5)"]


async def test_a_rate_cut_warns(emu: EnspaceEmulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="enspace_async")
    ref = emu.items(SLUG)[0]["reference"]
    time = VirtualTime()
    kwargs = {"sleep": time.sleep, "clock": time.clock, "rate_limit": RateLimiter()}
    async with asyncio.timeout(10), emu.client(**kwargs) as c:  # type: ignore[arg-type]
        for _ in range(20):
            await c.items.get(SLUG, ref)
            time.now += 0.01  # 100 successes per second
        emu.faults.script("items.get", ["429:0"])
        await c.items.get(SLUG, ref)
    (warning,) = lines(caplog, logging.WARNING)
    cut = re.fullmatch(
        r"rate limited \(429\): the limiter cuts the request rate from no limit to (.+)/s",
        warning,
    )
    assert cut is not None
    assert 0.9 * 95 < float(cut[1]) <= 95.0  # 95% of the ~100/s the server was accepting


async def test_no_key_query_value_or_item_data_in_any_log_line(
    emu: EnspaceEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="enspace_async")
    marker = "MARKER-c0ffee"
    emu.faults.script("items.list", ["503", "reset_before", "429:0"])
    emu.faults.script("items.update", ["503"])
    ref = emu.items(SLUG)[0]["reference"]
    policy = RetryPolicy(jitter=lambda: 0.0, budget=10, retry_cost=5)
    async with asyncio.timeout(10), emu.client(retry=policy, sleep=no_sleep) as c:
        await c.items.list(SLUG, filters={"title": marker}).collect()
        await c.items.update(SLUG, ref, {"title": marker})
        await c.request("GET", f"/ws/types/{SLUG}/items", params={"q": marker})
    assert lines(caplog, logging.INFO)
    assert lines(caplog, logging.DEBUG)
    assert marker not in caplog.text
    assert emu.api_key not in caplog.text


@pytest.fixture
def detached() -> Iterator[list[logging.Handler]]:
    """Handlers log_from_env attaches, removed afterwards with the logger's level restored."""
    added: list[logging.Handler] = []
    level = logger.level
    yield added
    for handler in added:
        logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.mark.parametrize(("value", "level"), [("info", logging.INFO), ("DEBUG", logging.DEBUG)])
def test_enspace_log_attaches_a_handler_at_its_level(
    monkeypatch: pytest.MonkeyPatch, detached: list[logging.Handler], value: str, level: int
) -> None:
    monkeypatch.setenv("ENSPACE_LOG", value)
    stream = io.StringIO()
    handler = log_from_env(stream)
    assert handler is not None
    detached.append(handler)
    assert logger.level == level
    logger.log(level, "hello %s", "there")
    assert (
        stream.getvalue()
        .rstrip()
        .endswith("enspace_async " + logging.getLevelName(level) + "] hello there")
    )


def test_an_unknown_enspace_log_value_is_named_and_ignored(
    monkeypatch: pytest.MonkeyPatch, detached: list[logging.Handler]
) -> None:
    monkeypatch.setenv("ENSPACE_LOG", "verbose")
    stream = io.StringIO()
    handler = log_from_env(stream)
    assert handler is not None
    detached.append(handler)
    assert logger.level == logging.WARNING
    assert "ENSPACE_LOG='verbose' is not one of info, debug: ignored" in stream.getvalue()


def test_without_enspace_log_nothing_is_attached(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENSPACE_LOG", raising=False)
    assert log_from_env() is None


def test_without_logging_configured_a_warning_prints_nothing() -> None:
    code = "import logging, enspace_async; logging.getLogger('enspace_async').warning('cut')"
    env = {k: v for k, v in os.environ.items() if k != "ENSPACE_LOG"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    assert done.stderr == ""


def test_enspace_log_works_at_import() -> None:
    code = (
        "import logging, enspace_async; "
        "logging.getLogger('enspace_async').info('retrying GET /x in 1.0 s after 503')"
    )
    env = {**os.environ, "ENSPACE_LOG": "info"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "enspace_async INFO] retrying GET /x in 1.0 s after 503" in done.stderr
    quiet = subprocess.run(
        [sys.executable, "-c", code],
        env={k: v for k, v in env.items() if k != "ENSPACE_LOG"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert quiet.stderr == ""
