"""Retry: which failures and methods retry, the exact delays, Retry-After, deadline and budget."""

from __future__ import annotations

import pickle
import time
from collections.abc import Iterator
from email.utils import formatdate
from typing import Any

import pytest
from helpers import FakeTime
from test_outcome import FAILURES  # the method x failure table of _outcome

from enspace_async import (
    ConnectError,
    EnspaceClient,
    LocalRetryBudget,
    OutcomeUnknownError,
    ProtocolError,
    RateLimitError,
    Request,
    RequestTimeout,
    Response,
    RetryBudget,
    RetryPolicy,
    ServerError,
    TransportError,
    outcome_unknown,
)
from enspace_async._middleware.retry import retry_cause
from enspace_async._protocol.outcome import Applied, applied, may_resend
from enspace_async._time import DeadlineExceeded
from enspace_async.transports import MockTransport

KEY = "en.retrytestkey0000000000000000000000"


Outcome = int | TransportError | tuple[int, dict[str, str]]


def scripted(outcomes: list[Outcome]) -> tuple[MockTransport, list[Request]]:
    """A transport answering with ``outcomes`` in order, then 200 forever."""
    seen: list[Request] = []
    queue: Iterator[Outcome] = iter(outcomes)

    def handler(request: Request) -> Response:
        seen.append(request)
        outcome = next(queue, 200)
        if isinstance(outcome, TransportError):
            raise outcome
        status, headers = outcome if isinstance(outcome, tuple) else (outcome, {})
        body = (
            {"ok": True} if status < 300 else {"statusCode": status, "error": "E", "message": "m"}
        )
        return MockTransport.reply(request, status, json=body, headers=headers)

    return MockTransport(handler), seen


def make_client(
    transport: MockTransport, fake: FakeTime, policy: RetryPolicy | None = None, **kw: Any
) -> EnspaceClient:
    policy = policy or RetryPolicy(jitter=lambda: 0.5)
    return EnspaceClient(
        KEY,
        workspace="w",
        transport=transport,
        retry=policy,
        sleep=fake.sleep,
        clock=fake.clock,
        **kw,
    )


def reset() -> ProtocolError:
    return ProtocolError("connection reset by the server", method="X", path="/x")


def read_timeout() -> RequestTimeout:
    return RequestTimeout("timed out waiting for the response", method="X", path="/x")


def refused() -> ConnectError:
    return ConnectError("cannot connect", method="X", path="/x")


@pytest.mark.parametrize(
    ("method", "failure", "cause"),
    [
        ("GET", refused(), "connect"),
        ("POST", refused(), "connect"),
        ("POST", RequestTimeout("t", sent=False), "connect"),
        ("GET", read_timeout(), "timeout"),
        ("PUT", read_timeout(), "timeout"),
        ("DELETE", reset(), "protocol"),
        ("POST", read_timeout(), None),
        ("POST", reset(), None),
        ("GET", 429, "429"),
        ("POST", 429, "429"),
        ("GET", 502, "502"),
        ("PUT", 503, "503"),
        ("DELETE", 504, "504"),
        ("POST", 503, None),
        ("GET", 500, None),
        ("GET", 404, None),
        ("GET", 200, None),
    ],
)
def test_what_is_retried(method: str, failure: int | TransportError, cause: str | None) -> None:
    if isinstance(failure, int):
        request = Request(method, EnspaceClient(KEY).base_url)
        outcome: Response | TransportError = MockTransport.reply(request, failure)
    else:
        outcome = failure
    assert retry_cause(method, outcome) == cause


def test_backoff_is_exponential_full_jitter_with_a_cap() -> None:
    policy = RetryPolicy(backoff_base=0.5, max_backoff=3.0)
    assert [policy.backoff(n, 1.0) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert [policy.backoff(n, 0.25) for n in range(1, 4)] == [0.125, 0.25, 0.5]
    assert policy.backoff(1, 0.0) == 0.0


async def test_503_on_get_is_retried_with_pinned_delays() -> None:
    fake = FakeTime()
    transport, seen = scripted([503, 503, 502])
    async with make_client(transport, fake) as client:
        assert await client.request("GET", "/x") == {"ok": True}
        assert fake.slept == [0.125, 0.25, 0.5]  # jitter 0.5 times 0.25, 0.5, 1.0
        assert len(seen) == 4
        assert client.stats.retries == {"503": 2, "502": 1}
        assert client.stats.attempts == 4
        assert client.stats.requests == 1


async def test_put_and_delete_retry_after_read_timeouts_and_resets() -> None:
    fake = FakeTime()
    transport, seen = scripted([read_timeout(), reset()])
    async with make_client(transport, fake) as client:
        await client.request("PUT", "/x", json={"a": 1})
        assert [r.method for r in seen] == ["PUT"] * 3
        assert seen[0].content == seen[2].content  # the same body is resent
        assert client.stats.retries == {"timeout": 1, "protocol": 1}


async def test_a_post_that_may_have_arrived_is_never_resent() -> None:
    fake = FakeTime()
    transport, seen = scripted([reset()])
    async with make_client(transport, fake) as client:
        with pytest.raises(OutcomeUnknownError, match="outcome is unknown") as caught:
            await client.request("POST", "/x", json={"a": 1})
    assert len(seen) == 1
    assert fake.slept == []
    assert outcome_unknown(caught.value)
    assert isinstance(caught.value.__cause__, ProtocolError)
    assert isinstance(pickle.loads(pickle.dumps(caught.value)), OutcomeUnknownError)


async def test_a_post_answered_503_is_raised_with_outcome_unknown() -> None:
    fake = FakeTime()
    transport, seen = scripted([503])
    async with make_client(transport, fake) as client:
        with pytest.raises(ServerError) as caught:
            await client.request("POST", "/x", json={"a": 1})
    assert len(seen) == 1
    assert outcome_unknown(caught.value)
    assert any("outcome unknown" in note for note in caught.value.__notes__)


async def test_a_post_that_never_connected_is_retried() -> None:
    fake = FakeTime()
    transport, seen = scripted([refused(), 429])
    async with make_client(transport, fake) as client:
        await client.request("POST", "/x", json={"a": 1})
    assert len(seen) == 3
    assert fake.slept == [0.125, 0.25]


@pytest.mark.parametrize(
    ("header", "expected"),
    [("3", 3.0), ("0.5", 0.5), ("0", 0.125), ("soon", 0.125)],
)
async def test_retry_after_seconds(header: str, expected: float) -> None:
    fake = FakeTime()
    transport, _ = scripted([(429, {"Retry-After": header})])
    async with make_client(transport, fake) as client:
        await client.request("GET", "/x")
    assert fake.slept == [expected]  # the longer of Retry-After and the backoff


async def test_retry_after_as_an_http_date() -> None:
    fake = FakeTime()
    when = formatdate(time.time() + 30, usegmt=True)
    transport, _ = scripted([(503, {"Retry-After": when})])
    async with make_client(transport, fake) as client:
        await client.request("GET", "/x")
    assert 28.0 <= fake.slept[0] <= 30.0


async def test_ratelimit_reset_is_used_when_remaining_is_zero_and_no_retry_after() -> None:
    fake = FakeTime()
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "7"}
    transport, _ = scripted([(429, headers)])
    async with make_client(transport, fake) as client:
        await client.request("GET", "/x")
    assert fake.slept[0] == 7.0


async def test_a_retry_after_longer_than_allowed_raises_at_once() -> None:
    fake = FakeTime()
    transport, seen = scripted([(429, {"Retry-After": "3600"})])
    async with make_client(transport, fake) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.request("GET", "/x")
    assert caught.value.retry_after == 3600.0
    assert len(seen) == 1
    assert fake.slept == []


async def test_attempts_run_out_and_the_last_error_is_raised() -> None:
    fake = FakeTime()
    transport, seen = scripted([503] * 10)
    policy = RetryPolicy(max_attempts=3, jitter=lambda: 1.0)
    async with make_client(transport, fake, policy) as client:
        with pytest.raises(ServerError):
            await client.request("GET", "/x")
    assert len(seen) == 3
    assert fake.slept == [0.25, 0.5]


async def test_500_and_404_are_not_retried() -> None:
    fake = FakeTime()
    transport, seen = scripted([500, 404])
    async with make_client(transport, fake) as client:
        with pytest.raises(ServerError):
            await client.request("GET", "/x")
        with pytest.raises(Exception, match="404"):
            await client.request("GET", "/x")
    assert len(seen) == 2


async def test_the_deadline_stops_retrying_and_bounds_each_attempt() -> None:
    fake = FakeTime()
    transport, seen = scripted([503] * 10)
    policy = RetryPolicy(
        max_attempts=10, deadline=100.0, backoff_base=20.0, max_backoff=100.0, jitter=lambda: 1.0
    )
    async with make_client(transport, fake, policy, timeout=60.0) as client:
        with pytest.raises(ServerError):
            await client.request("GET", "/x")
    # deadline = start + max(100, 60): sleeps 20 and 40 fit; 80 more would pass 100
    assert fake.slept == [20.0, 40.0]
    assert [r.timeout.total for r in seen] == [60.0, 60.0, 40.0]


async def test_no_retries_when_retry_is_none() -> None:
    fake = FakeTime()
    transport, seen = scripted([503])
    client = EnspaceClient(KEY, workspace="w", transport=transport, retry=None, sleep=fake.sleep)
    async with client:
        with pytest.raises(ServerError):
            await client.request("GET", "/x")
    assert len(seen) == 1


async def test_the_budget_runs_out_during_an_outage_and_refills_on_success() -> None:
    fake = FakeTime()
    transport, seen = scripted([503] * 5)
    budget = LocalRetryBudget(capacity=10)
    policy = RetryPolicy(max_attempts=10, retry_cost=5)
    async with make_client(transport, fake, policy, retry_budget=budget) as client:
        with pytest.raises(ServerError):
            await client.request("GET", "/x")  # two retries drain 10 tokens
        assert budget.tokens == 0
        assert client.stats.budget_exhausted == 1
        assert len(seen) == 3
        view = client.with_workspace("other")
        with pytest.raises(ServerError):
            await view.request("GET", "/x")  # the view shares the empty budget: no retry
        assert len(seen) == 4
        with pytest.raises(ServerError):
            await client.request("GET", "/x")
        assert len(seen) == 5
        await client.request("GET", "/x")  # a success refills the budget by 1
        assert budget.tokens == 1
    assert client.stats.budget_exhausted == 3


async def test_a_successful_retry_gives_its_cost_back() -> None:
    fake = FakeTime()
    transport, _ = scripted([503, 503])
    budget = LocalRetryBudget(capacity=50)
    async with make_client(transport, fake, retry_budget=budget) as client:
        await client.request("GET", "/x")
        assert budget.tokens == 50
        budget.tokens = 40
        await client.request("GET", "/x")  # a first-try success deposits 1
        assert budget.tokens == 41


async def test_429s_are_not_charged_to_the_budget() -> None:
    fake = FakeTime()
    transport, seen = scripted([429, 429, 429])
    budget = LocalRetryBudget(capacity=0)
    async with make_client(transport, fake, retry_budget=budget) as client:
        await client.request("GET", "/x")
    assert len(seen) == 4


def test_policy_of_accepts_numbers_and_none() -> None:
    assert RetryPolicy.of(3).max_attempts == 3
    assert RetryPolicy.of(None).max_attempts == 1
    policy = RetryPolicy()
    assert RetryPolicy.of(policy) is policy
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


class RecordingBudget:
    """A third-party budget backend: proves the two-method protocol is all retry needs."""

    def __init__(self, allow: bool) -> None:
        self.allow = allow
        self.calls: list[tuple[str, int]] = []

    async def withdraw(self, amount: int) -> bool:
        self.calls.append(("withdraw", amount))
        return self.allow

    async def deposit(self, amount: int) -> None:
        self.calls.append(("deposit", amount))


@pytest.mark.parametrize("allow", [True, False])
async def test_a_custom_budget_is_driven_through_the_protocol(allow: bool) -> None:
    budget = RecordingBudget(allow)
    assert isinstance(budget, RetryBudget)
    fake = FakeTime()
    transport, seen = scripted([503, read_timeout()])
    async with make_client(transport, fake, retry_budget=budget) as client:
        if allow:
            await client.request("GET", "/x")
        else:
            with pytest.raises(ServerError):
                await client.request("GET", "/x")
    if allow:
        assert budget.calls == [("withdraw", 5), ("withdraw", 10), ("deposit", 15)]
        assert len(seen) == 3
    else:
        assert budget.calls == [("withdraw", 5)]
        assert len(seen) == 1


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "POST", "PATCH"])
def test_retry_resends_only_what_the_outcome_rule_allows(method: str) -> None:
    for name, outcome, _ in FAILURES:
        if isinstance(outcome, Response | TransportError) and not may_resend(method, outcome):
            assert retry_cause(method, outcome) is None, name
    late = DeadlineExceeded("the rate limiter would hold this call 30 s")
    assert applied(method, late) is Applied.NO  # nothing was sent ...
    assert retry_cause(method, late) is None  # ... but the call's own time is up
