"""Observability: one DEBUG line per attempt, client.stats counters, tracing hooks."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from helpers import no_sleep

from enspace_async import (
    Attempt,
    ClientStats,
    EnspaceClient,
    Hooks,
    Request,
    Response,
    RetryPolicy,
    TransportError,
)
from enspace_async._observe import current_attempt
from enspace_async.transports import MockTransport

KEY = "en.observetestkey000000000000000000000"


def transport_of(outcomes: list[int | TransportError]) -> MockTransport:
    queue: Iterator[int | TransportError] = iter(outcomes)

    def handler(request: Request) -> Response:
        outcome = next(queue, 200)
        if isinstance(outcome, TransportError):
            raise outcome
        return MockTransport.reply(request, outcome, json={"n": 1})

    return MockTransport(handler)


def client_for(outcomes: list[int | TransportError], **kw: object) -> EnspaceClient:
    return EnspaceClient(
        KEY,
        workspace="w",
        transport=transport_of(outcomes),
        retry=RetryPolicy(jitter=lambda: 0.0),
        sleep=no_sleep,
        **kw,  # type: ignore[arg-type]
    )


async def test_one_debug_line_per_attempt(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="enspace_async")
    async with client_for([503, TransportError("boom", method="GET", path="/x", sent=False)]) as c:
        await c.request("GET", "/ws/types/a%20b", params={"secret": "s3cr3t"})
    ours = [r for r in caplog.records if r.name == "enspace_async"]
    lines = [r.getMessage() for r in ours if r.levelno == logging.DEBUG]  # retries log at INFO
    assert len(lines) == 3
    assert lines[0].startswith("GET /ws/types/a%20b -> 503 in ")
    assert "(attempt 1, route custom)" in lines[0]
    assert "-> TransportError in" in lines[1]
    assert "(attempt 2," in lines[1]
    assert " -> 200 in " in lines[2]
    assert "(attempt 3," in lines[2]
    assert "s3cr3t" not in caplog.text


async def test_nothing_is_logged_above_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="enspace_async")
    async with client_for([]) as c:
        await c.request("GET", "/x")
    assert caplog.records == []


async def test_stats_count_requests_attempts_retries_and_bytes() -> None:
    reset = TransportError("reset", method="GET", path="/x")
    async with client_for([503, 429, reset, 200]) as c:
        await c.request("PUT", "/x", json={"a": 1})
        await c.request("PUT", "/x", json={"a": 1})
        stats = c.stats
    assert isinstance(stats, ClientStats)
    assert stats.requests == 2
    assert stats.attempts == 5
    assert stats.retries == {"503": 1, "429": 1, "protocol": 1}
    assert stats.throttled == 1
    assert stats.errors == {"503": 1, "429": 1, "TransportError": 1}
    assert stats.bytes_sent == 5 * len(b'{"a":1}')
    assert stats.bytes_received > 0
    assert stats.in_flight == 0
    snapshot = stats.as_dict()
    assert snapshot["retries"] == {"503": 1, "429": 1, "protocol": 1}
    assert snapshot["limiter_waits"] == 0


async def test_hooks_see_every_attempt_sync_and_async() -> None:
    events: list[tuple[str, int, int | None, str | None]] = []

    def on_request(attempt: Attempt) -> None:
        assert current_attempt() == attempt.number
        assert "x-api-key" not in attempt.request.headers
        events.append(("request", attempt.number, None, None))

    async def on_response(attempt: Attempt) -> None:
        status = attempt.response.status if attempt.response else None
        error = type(attempt.error).__name__ if attempt.error else None
        if attempt.response is not None:
            assert "x-api-key" not in attempt.response.request.headers
        assert attempt.elapsed >= 0
        events.append(("response", attempt.number, status, error))

    failure = TransportError("down", method="GET", path="/x", sent=False)
    hooks = Hooks(on_request=[on_request], on_response=[on_response])
    async with client_for([failure, 502], hooks=hooks) as c:
        await c.request("GET", "/x")
    assert events == [
        ("request", 1, None, None),
        ("response", 1, None, "TransportError"),
        ("request", 2, None, None),
        ("response", 2, 502, None),
        ("request", 3, None, None),
        ("response", 3, 200, None),
    ]


async def test_hooks_can_carry_tracing_context() -> None:
    spans: dict[int, float] = {}

    def start(attempt: Attempt) -> None:
        spans[attempt.number] = -1.0

    def finish(attempt: Attempt) -> None:
        spans[attempt.number] = attempt.elapsed

    async with client_for([], hooks=Hooks(on_request=[start], on_response=[finish])) as c:
        await c.request("GET", "/x")
    assert list(spans) == [1]
    assert spans[1] >= 0.0
