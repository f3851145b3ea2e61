"""The adaptive rate limiter: pacing, AIMD on 429, headers, pauses, in-flight cap, backends."""

from __future__ import annotations

import asyncio
import heapq
import math
import random

import pytest
from helpers import VirtualTime as FakeTime

from enspace_async import (
    EnspaceClient,
    LimiterBackend,
    LocalLimiterBackend,
    RateLimiter,
    RateSignal,
    Request,
    Response,
    RetryPolicy,
)
from enspace_async.transports import AiohttpTransport, MockTransport

KEY = "en.ratelimittestkey00000000000000000000"
THROTTLED = RateSignal(throttled=True)
OK = RateSignal()


def test_signal_from_headers() -> None:
    headers = {
        "retry-after": "2",
        "x-ratelimit-limit": "100",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": "1.5",
    }
    assert RateSignal.from_response(429, headers) == RateSignal(True, 2.0, 100, 0, 1.5)
    assert RateSignal.from_response(200, {}) is RateSignal.from_response(204, {})
    assert RateSignal.from_response(200, {"x-ratelimit-remaining": "x"}) == RateSignal()
    assert RateSignal.from_response(429, {}) == THROTTLED
    assert RateSignal.from_response(200, {"x-ratelimit-remaining": "-1"}).remaining is None


async def test_a_ceiling_paces_reservations_evenly() -> None:
    backend = LocalLimiterBackend(10)
    waits = [(await backend.reserve(100.0))[0] for _ in range(4)]
    assert waits == pytest.approx([0.0, 0.1, 0.2, 0.3])
    assert (await backend.reserve(101.0))[0] == pytest.approx(0.0)


async def test_burst_lets_a_few_go_at_once_after_idling() -> None:
    backend = LocalLimiterBackend(10, burst=3)
    waits = [(await backend.reserve(100.0))[0] for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.0, 0.0, 0.1, 0.2])


async def test_unlimited_never_waits_until_a_429() -> None:
    backend = LocalLimiterBackend()
    assert backend.rate == math.inf
    assert [(await backend.reserve(1.0))[0] for _ in range(100)] == [0.0] * 100


async def test_a_429_cuts_to_just_under_the_accepted_rate() -> None:
    backend = LocalLimiterBackend()
    for i in range(200):  # 200 successes in the second before
        await backend.feedback(10.0 + i / 200, OK)
    await backend.feedback(11.0, OK)  # a new window starts: the last one ran at ~200/s
    _, epoch = await backend.reserve(11.0)
    await backend.feedback(11.01, THROTTLED)
    assert backend.rate == pytest.approx(0.95 * 200, rel=0.02)
    assert await backend.epoch() == epoch + 1  # queued callers reserve again
    cut = backend.rate
    await backend.feedback(11.5, THROTTLED)  # answers to requests sent before the cut
    assert backend.rate == cut
    await backend.feedback(12.2, THROTTLED)  # after the cooldown: cut again
    assert backend.rate < cut


async def test_the_rate_never_drops_below_the_floor() -> None:
    backend = LocalLimiterBackend(10, min_rate=4)
    for t in range(20):
        await backend.feedback(float(t * 2), THROTTLED)
    assert backend.rate == 4


async def test_successes_raise_the_rate_back_up_to_the_ceiling() -> None:
    backend = LocalLimiterBackend(1000, increase=1.0)
    await backend.feedback(0.0, THROTTLED)
    low = backend.rate
    for _ in range(10):
        await backend.feedback(1.0, OK)
    assert backend.rate == pytest.approx(low + 10)
    for _ in range(100):
        await backend.feedback(2.0, OK)
    assert backend.rate == 1000


async def test_low_remaining_holds_the_rate() -> None:
    backend = LocalLimiterBackend(100, increase=1.0)
    await backend.feedback(0.0, THROTTLED)
    low = backend.rate
    await backend.feedback(1.0, RateSignal(limit=100, remaining=10))
    await backend.feedback(1.0, RateSignal(remaining=0))
    assert backend.rate == low
    await backend.feedback(1.0, RateSignal(limit=100, remaining=50))
    assert backend.rate == low + 1


async def test_not_adaptive_keeps_the_ceiling() -> None:
    backend = LocalLimiterBackend(10, adaptive=False)
    await backend.feedback(0.0, THROTTLED)
    assert backend.rate == 10


async def test_a_bare_429_with_retry_after_pauses_everyone() -> None:
    backend = LocalLimiterBackend()
    _, epoch = await backend.reserve(0.0)
    await backend.feedback(5.0, RateSignal(throttled=True, retry_after=3.0))
    assert await backend.epoch() != epoch
    wait, _ = await backend.reserve(5.0)
    assert wait == pytest.approx(3.0)


async def test_exhausted_remaining_pauses_until_the_reset() -> None:
    backend = LocalLimiterBackend()
    await backend.feedback(5.0, RateSignal(throttled=True, remaining=0, reset=2.0))
    assert (await backend.reserve(5.0))[0] == pytest.approx(2.0)


async def test_a_429_with_ratelimit_headers_steers_the_rate_without_pausing() -> None:
    backend = LocalLimiterBackend()
    for i in range(20):
        await backend.feedback(4.0 + i / 20, OK)
    await backend.feedback(5.0, RateSignal(True, retry_after=1.0, limit=10, remaining=0))
    wait, _ = await backend.reserve(5.0)
    assert wait == 0.0
    assert backend.rate == pytest.approx(0.95 * 20)


async def test_a_first_429_without_history_does_not_invent_a_rate() -> None:
    backend = LocalLimiterBackend()
    await backend.feedback(5.0, THROTTLED)
    assert backend.rate == math.inf


def ok_transport(record: list[float] | None = None, fake: FakeTime | None = None) -> MockTransport:
    def handler(request: Request) -> Response:
        if record is not None and fake is not None:
            record.append(fake.now)
        return MockTransport.reply(request, json={})

    return MockTransport(handler)


async def test_the_client_paces_calls_with_injected_time() -> None:
    fake = FakeTime()
    sent: list[float] = []
    client = EnspaceClient(
        KEY,
        workspace="w",
        transport=ok_transport(sent, fake),
        rate_limit=4,
        sleep=fake.sleep,
        clock=fake.clock,
    )
    async with client:
        await asyncio.gather(*(client.request("GET", "/x") for _ in range(6)))
    assert [round(t - sent[0], 6) for t in sent] == [0.0, 0.25, 0.5, 0.75, 1.0, 1.25]
    assert client.stats.limiter_waits == 5
    assert client.stats.limiter_wait_seconds == pytest.approx(0.25 + 0.5 + 0.75 + 1.0 + 1.25)


async def test_waiting_callers_reserve_again_after_a_pause() -> None:
    fake = FakeTime()
    sent: list[float] = []
    answers = iter([(429, {"Retry-After": "10"})])

    def handler(request: Request) -> Response:
        sent.append(fake.now)
        status, headers = next(answers, (200, {}))
        return MockTransport.reply(request, status, json={}, headers=headers)

    limiter = RateLimiter(10)
    client = EnspaceClient(
        KEY,
        workspace="w",
        transport=MockTransport(handler),
        rate_limit=limiter,
        retry=RetryPolicy(jitter=lambda: 0.0),
        sleep=fake.sleep,
        clock=fake.clock,
    )
    async with client:
        await asyncio.gather(*(client.request("GET", "/x") for _ in range(3)))
    # the first answer paused everyone for 10 s: the queued slots at +0.1 and +0.2 were dropped
    assert sent[0] == 50.0
    assert all(t >= 60.0 for t in sent[1:])
    assert len(sent) == 4


async def test_limits_are_shared_by_views() -> None:
    fake = FakeTime()
    client = EnspaceClient(
        KEY,
        workspace="w",
        transport=ok_transport(),
        rate_limit=2,
        sleep=fake.sleep,
        clock=fake.clock,
    )
    async with client:
        view = client.with_workspace("other").with_options(timeout=5)
        assert view.rate_limiter is client.rate_limiter
        started = fake.now
        await client.request("GET", "/x")
        await view.request("GET", "/x")
        assert fake.now - started == pytest.approx(0.5)
        assert view.stats is client.stats


async def test_the_in_flight_cap_is_never_exceeded() -> None:
    active, peak = 0, 0

    async def handler(request: Request) -> Response:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        for _ in range(3):
            await asyncio.sleep(0)
        active -= 1
        return MockTransport.reply(request, json={})

    client = EnspaceClient(KEY, workspace="w", transport=MockTransport(handler), max_in_flight=4)
    async with client:
        await asyncio.gather(*(client.request("GET", "/x") for _ in range(50)))
    assert peak == 4
    assert client.stats.in_flight == 0


async def test_the_in_flight_cap_follows_the_pool_size() -> None:
    async with EnspaceClient(KEY, transport=AiohttpTransport(pool_size=7)) as client:
        assert client._session.max_in_flight == 7
    async with EnspaceClient(KEY, transport=ok_transport(), max_in_flight=0) as client:
        assert client._session.max_in_flight is None


class RecordingBackend:
    """A minimal third-party backend: proves the protocol is all the limiter needs."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def reserve(self, now: float) -> tuple[float, int]:
        self.calls.append("reserve")
        return 0.0, 0

    async def epoch(self) -> int:
        return 0

    async def feedback(self, now: float, signal: RateSignal) -> None:
        self.calls.append("429" if signal.throttled else "ok")


async def test_a_custom_backend_is_driven_through_the_protocol() -> None:
    backend = RecordingBackend()
    assert isinstance(backend, LimiterBackend)
    answers = iter([429])

    def handler(request: Request) -> Response:
        return MockTransport.reply(request, next(answers, 200), json={})

    client = EnspaceClient(
        KEY,
        workspace="w",
        transport=MockTransport(handler),
        rate_limit=RateLimiter(backend=backend),
        retry=RetryPolicy(jitter=lambda: 0.0),
    )
    async with client:
        await client.request("GET", "/x")
    assert backend.calls == ["reserve", "429", "reserve", "ok"]


def test_rate_limiter_arguments() -> None:
    assert RateLimiter.of(5).backend.rate == 5  # type: ignore[attr-defined]
    limiter = RateLimiter()
    assert RateLimiter.of(limiter) is limiter
    with pytest.raises(ValueError, match="backend"):
        RateLimiter(5, backend=RecordingBackend())
    with pytest.raises(ValueError, match="positive"):
        LocalLimiterBackend(0)
    assert "RateLimiter" in repr(limiter)


async def test_growth_accelerates_with_unbroken_headroom_and_resets_on_hold() -> None:
    backend = LocalLimiterBackend(1000, increase=1.0)
    await backend.feedback(0.0, THROTTLED)
    low = backend.rate
    await backend.feedback(10.0, OK)  # growth starts: step 1
    await backend.feedback(12.0, OK)  # two seconds on: step 4
    assert backend.rate == pytest.approx(low + 1 + 4)
    await backend.feedback(12.5, RateSignal(limit=100, remaining=3))  # hold: back to step 1
    await backend.feedback(12.6, OK)
    assert backend.rate == pytest.approx(low + 1 + 4 + 1)


async def test_a_much_higher_rate_sends_queued_callers_to_reserve_again() -> None:
    backend = LocalLimiterBackend(1000, increase=5.0)
    for i in range(10):
        await backend.feedback(i / 10, OK)
    await backend.feedback(1.0, THROTTLED)  # cut to ~9.5/s
    wait, epoch = await backend.reserve(1.0)
    for _ in range(10):
        wait, epoch = await backend.reserve(1.0)
    assert wait > 0.9  # the queue runs a second ahead at the low rate
    for _ in range(3):
        await backend.feedback(2.0, OK)  # +15/s: well above 125 % of the cut rate
    assert await backend.epoch() != epoch
    again, _ = await backend.reserve(2.0)
    assert again == 0.0


async def test_a_cold_start_429_estimates_the_rate_over_the_time_elapsed() -> None:
    backend = LocalLimiterBackend()
    for i in range(50):  # a burst of 50 successes in the first 0.1 s, then a 429
        await backend.feedback(5.0 + i * 0.002, OK)
    await backend.feedback(5.1, THROTTLED)
    assert backend.rate == pytest.approx(0.95 * 50 / 0.1)  # 500/s, not 50/s


async def test_a_cold_start_burst_counts_over_at_least_the_floor() -> None:
    backend = LocalLimiterBackend()
    for _ in range(50):  # 50 successes at the same instant: not an infinite rate
        await backend.feedback(5.0, OK)
    await backend.feedback(5.0, THROTTLED)
    assert backend.rate == pytest.approx(0.95 * 50 / 0.05)


async def test_after_a_cold_cut_the_next_429_measures_the_refill_rate() -> None:
    backend = LocalLimiterBackend()
    for _ in range(200):  # the server's whole bucket answers at once
        await backend.feedback(5.0, OK)
    await backend.feedback(5.0, THROTTLED)
    assert backend.rate == pytest.approx(0.95 * 200 / 0.05)  # the burst overstates the rate
    for i in range(20):  # after the bucket emptied, 200/s get through
        await backend.feedback(5.0 + (i + 1) * 0.005, OK)
    await backend.feedback(5.05, THROTTLED)  # within the short cold cooldown: ignored
    assert backend.rate > 3000
    await backend.feedback(5.1, THROTTLED)
    assert backend.rate == pytest.approx(0.95 * 20 / 0.1)  # the refill rate, not the burst


async def test_once_a_full_second_is_known_the_usual_cooldown_applies() -> None:
    backend = LocalLimiterBackend()
    for i in range(101):
        await backend.feedback(5.0 + i * 0.01, OK)  # a full window: 100/s
    await backend.feedback(6.01, THROTTLED)
    first = backend.rate
    await backend.feedback(6.2, THROTTLED)  # inside the 1 s cooldown
    assert backend.rate == first


def closed_loop(p_429: float, *, callers: int = 16, rows: int = 2100, seed: int = 1) -> float:
    """Virtual seconds ``callers`` looping on one limiter take to get ``rows`` successes from a
    server that answers in 6 ms, never limits, and refuses a random ``p_429`` share with a
    bare 429 (its caller retries 0.1 s later). Caller ``i`` is at ``heap`` time when ready."""
    rng = random.Random(seed)
    backend = LocalLimiterBackend()
    ready = [(0.0, i) for i in range(callers)]  # (when, caller)
    done = 0
    now = 0.0
    while done < rows:
        now, caller = heapq.heappop(ready)
        wait, _ = backend.take(now)
        answered = now + wait + 0.006
        throttled = rng.random() < p_429
        backend.report(answered, THROTTLED if throttled else OK)
        done += not throttled
        heapq.heappush(ready, (answered + (0.1 if throttled else 0.0), caller))
    return now


def test_a_few_random_429s_do_not_slow_the_rest_of_the_run() -> None:
    # ~40 random 429s in 2,100 rows (issue 17's report: 1.1 s became 7.7 s). The first one came
    # after a dozen successes and the cold estimate made of them (13 / 0.05 s) capped the run;
    # each 429 of the first second re-measured the limiter's own pace and cut again, and
    # growth never caught up: 17x slower. Now the re-measure lifts an estimate the server
    # never refused, and re-measures only once.
    clean, noisy = closed_loop(0.0), closed_loop(0.02)
    assert noisy < 2.0 * clean, (noisy, clean)
