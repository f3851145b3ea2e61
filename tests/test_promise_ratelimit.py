"""Issue 11, point 1: one 429 never freezes the client, and every wait ends by the deadline.

A hostile ``aiohttp.web`` app on 127.0.0.1 answers ``/throttled`` with a 429 carrying the
headers under test and everything else with ``200 {}``; time is virtual (injected ``clock`` and
``sleep``), so a wait of an hour costs nothing and shows up as clock movement.
"""

from __future__ import annotations

import asyncio
import math
import pickle
import time
from collections.abc import AsyncIterator, Callable
from email.utils import formatdate
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from helpers import VirtualTime
from resilience_servers import serving

from enspace_async import (
    EnspaceClient,
    Hooks,
    LocalLimiterBackend,
    RateLimiter,
    RateLimitError,
    RateSignal,
    RequestTimeout,
    RetryPolicy,
)

KEY = "en.promiseratelimit000000000000000000000"
TOO_MANY = {"statusCode": 429, "error": "Too Many Requests", "message": "slow down"}
YEAR = 365 * 24 * 3600.0


class Hostile:
    """The app's script: the headers of ``/throttled`` answers, and how many it gives."""

    def __init__(self) -> None:
        self.headers: dict[str, str] = {}
        self.throttles = math.inf  # how many /throttled requests get the 429
        self.seen: list[str] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(request.path)
        if request.path == "/throttled" and self.throttles > 0:
            self.throttles -= 1
            return web.json_response(TOO_MANY, status=429, headers=self.headers)
        return web.json_response({})


@pytest_asyncio.fixture
async def hostile() -> AsyncIterator[tuple[Hostile, str]]:
    script = Hostile()
    async with serving(script.handle) as url:
        yield script, url


def make_client(url: str, time_: VirtualTime, **options: Any) -> EnspaceClient:
    options.setdefault("retry", RetryPolicy(jitter=lambda: 0.0))
    return EnspaceClient(
        KEY, workspace="w", base_url=url, sleep=time_.sleep, clock=time_.clock, **options
    )


def in_a_year() -> str:
    return formatdate(time.time() + YEAR, usegmt=True)


def epoch_in(seconds: float) -> str:
    return repr(time.time() + seconds)


# Each: the 429's headers and the retry_after its RateLimitError reports.
TOO_LONG: list[tuple[Callable[[], dict[str, str]], Callable[[float | None], bool]]] = [
    (lambda: {"Retry-After": "3600"}, lambda r: r == 3600.0),
    (lambda: {"Retry-After": "1e9"}, lambda r: r == 1e9),
    (lambda: {"Retry-After": "inf"}, lambda r: r == math.inf),
    (lambda: {"Retry-After": "1e400"}, lambda r: r == math.inf),
    (lambda: {"Retry-After": in_a_year()}, lambda r: r is not None and r > YEAR - 60),
    (lambda: {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "3600"}, lambda r: r == 3600),
    (
        lambda: {"X-RateLimit-Remaining": "0.0", "X-RateLimit-Reset": "1e12"},
        lambda r: r is not None and abs(r - (1e12 - time.time())) < 60,
    ),
    (
        lambda: {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": epoch_in(YEAR)},
        lambda r: r is not None and abs(r - YEAR) < 60,
    ),
]
IDS = ["3600", "1e9", "inf", "1e400", "date-in-a-year", "reset-3600", "reset-1e12", "reset-epoch"]


@pytest.mark.parametrize(("headers", "reported"), TOO_LONG, ids=IDS)
async def test_a_429_asking_too_long_raises_at_once_and_freezes_nobody(
    hostile: tuple[Hostile, str],
    headers: Callable[[], dict[str, str]],
    reported: Callable[[float | None], bool],
) -> None:
    script, url = hostile
    script.headers = headers()
    fake = VirtualTime()
    limiter = RateLimiter()
    async with asyncio.timeout(5), make_client(url, fake, rate_limit=limiter) as client:
        for _ in range(20):  # a history, so the 429 has a rate to learn
            await client.request("GET", "/ok")
        with pytest.raises(RateLimitError) as caught:
            await client.request("GET", "/throttled")
        assert reported(caught.value.retry_after)
        assert fake.now == 50.0  # raised at once: nobody slept
        await asyncio.gather(*(client.request("GET", f"/ok/{i}") for i in range(10)))
        other = make_client(url, fake, rate_limit=limiter)  # a client sharing the limiter
        async with other:
            await other.request("GET", "/ok/other")
    assert fake.now - 50.0 < 1.0  # the others went on, at the learned rate
    assert script.seen.count("/throttled") == 1


@pytest.mark.parametrize("value", ["nan", "-5", "soon", ""])
async def test_a_429_with_a_meaningless_retry_after_backs_off_and_pauses_nobody(
    hostile: tuple[Hostile, str], value: str
) -> None:
    script, url = hostile
    script.headers, script.throttles = {"Retry-After": value}, 1
    fake = VirtualTime()
    policy = RetryPolicy(jitter=lambda: 1.0)
    async with asyncio.timeout(5), make_client(url, fake, retry=policy) as client:
        await client.request("GET", "/throttled")
        assert fake.slept == [0.25]  # the backoff: the header says nothing usable
        await client.request("GET", "/ok")
    assert fake.now == 50.25


@pytest.mark.parametrize("remaining", ["0", "0.0"])
async def test_a_reset_above_1e9_is_a_unix_time(
    hostile: tuple[Hostile, str], remaining: str
) -> None:
    script, url = hostile
    script.headers = {"X-RateLimit-Remaining": remaining, "X-RateLimit-Reset": epoch_in(4.0)}
    script.throttles = 1
    fake = VirtualTime()
    async with asyncio.timeout(5), make_client(url, fake) as client:
        await client.request("GET", "/throttled")  # waited for the reset, then succeeded
    assert 3.0 <= fake.slept[0] <= 4.0
    assert fake.now - 50.0 <= 4.0
    assert script.seen == ["/throttled", "/throttled"]


def test_the_signal_reads_epoch_resets_and_drops_waits_beyond_the_cap() -> None:
    now = 1_700_000_000.0
    epoch = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": repr(now + 5)}
    assert RateSignal.from_response(429, epoch, now=now).reset == pytest.approx(5.0)
    past = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": repr(now - 5)}
    assert RateSignal.from_response(429, past, now=now).reset == 0.0
    seconds = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "5"}
    assert RateSignal.from_response(429, seconds, now=now).pause == 5.0
    long = {"retry-after": "3600"}
    assert RateSignal.from_response(429, long, now=now).pause == 3600.0  # uncapped by default
    capped = RateSignal.from_response(429, long, now=now, max_wait=60.0)
    assert capped.pause == 0.0  # beyond the cap: no pause ...
    assert capped.throttled  # ... but still a 429, which cuts the rate
    assert RateSignal.from_response(429, {"retry-after": "30"}, now=now, max_wait=60).pause == 30
    assert RateSignal(throttled=True, retry_after=math.inf).pause == 0.0  # never forever


async def test_a_pause_within_the_cap_still_ends_by_the_deadline(
    hostile: tuple[Hostile, str],
) -> None:
    script, url = hostile
    script.headers = {"Retry-After": "30"}  # honoured (under max_retry_after) ...
    fake = VirtualTime()
    policy = RetryPolicy(deadline=5.0, jitter=lambda: 0.0)
    async with asyncio.timeout(5), make_client(url, fake, retry=policy, timeout=5.0) as client:
        with pytest.raises(RateLimitError):  # ... but longer than this call may wait
            await client.request("GET", "/throttled")
        with pytest.raises(RequestTimeout, match="rate limiter") as caught:
            await client.request("GET", "/ok")  # the others are paused 30 s: past their deadline
        assert fake.now == 50.0  # refused at once, not after a silent wait
        assert caught.value.sent is False
        assert "deadline" in str(caught.value)
        assert pickle.loads(pickle.dumps(caught.value)).sent is False
        assert client.stats.retries == {}  # the SDK's own deadline is never retried
    assert script.seen.count("/ok") == 0


async def test_calls_queued_past_their_deadline_are_refused_and_give_their_slot_back(
    hostile: tuple[Hostile, str],
) -> None:
    _, url = hostile
    fake = VirtualTime()
    policy = RetryPolicy(deadline=3.5)
    backend = LocalLimiterBackend(1)  # 1 request per second
    limiter = RateLimiter(backend=backend)
    totals: list[float | None] = []
    hooks = Hooks(on_request=[lambda attempt: totals.append(attempt.request.timeout.total)])
    async with (
        asyncio.timeout(5),
        make_client(
            url, fake, retry=policy, timeout=3.5, rate_limit=limiter, hooks=hooks
        ) as client,
    ):
        outcomes = await asyncio.gather(
            *(client.request("GET", f"/ok/{i}") for i in range(10)), return_exceptions=True
        )
        sent = [o for o in outcomes if not isinstance(o, BaseException)]
        refused = [o for o in outcomes if isinstance(o, RequestTimeout)]
        assert len(sent) == 4  # slots at 0, 1, 2 and 3 s fit the 3.5 s deadline
        assert len(refused) == 6
        assert all("rate limiter" in str(e) and e.sent is False for e in refused)
        assert fake.now - 50.0 <= 3.5
        # each sent after its wait gets only the time its call has left
        assert totals == pytest.approx([3.5, 2.5, 1.5, 0.5])
        # the refused calls took no slot: the next caller is paced as if they never came
        assert (await backend.reserve(fake.now))[0] <= 1.0


async def test_a_retry_sleep_never_passes_the_deadline(hostile: tuple[Hostile, str]) -> None:
    script, url = hostile
    script.headers = {"Retry-After": "8"}
    fake = VirtualTime()
    policy = RetryPolicy(deadline=5.0)
    async with asyncio.timeout(5), make_client(url, fake, retry=policy, timeout=5.0) as client:
        with pytest.raises(RateLimitError):
            await client.request("GET", "/throttled")
    assert fake.slept == []
