"""Retries: what is safe to send again, when, and how much retrying a client may do.

What is retried (:func:`retry_cause`):

* nothing was sent (``TransportError.sent`` is false: no connection, a connect timeout) — any
  method, always; except a :class:`~enspace_async.TLSError`, which no retry can mend, and a
  wait that would pass the call's own deadline (:mod:`enspace_async._time`);
* ``429 Too Many Requests`` — any method, always (the server did not apply it);
* ``502``/``503``/``504``, a read timeout, a broken connection or a cut body — only for
  ``GET``, ``HEAD``, ``OPTIONS``, ``PUT`` and ``DELETE``, which are idempotent.

A ``DELETE`` resent after an attempt that may have been applied, and answered ``404``, has done
its job (the first attempt deleted the row): it is handed back as a ``204 No Content``.

A ``POST`` that may have reached the server is never resent: a transport failure becomes
:class:`~enspace_async.OutcomeUnknownError` (its cause is the original error), and a 5xx answer
is raised as :class:`~enspace_async.ServerError` with a note saying the outcome is unknown.

Delays use exponential backoff with full jitter, ``random() * min(max_backoff, base * 2**n)``,
or the wait the server asks for (:attr:`~enspace_async.RateSignal.wait`: ``Retry-After``, or
the ``X-RateLimit-Reset`` of an exhausted ``X-RateLimit-Remaining``) when it is longer; a wait
above ``max_retry_after`` is not waited for: the answer is raised at once. A call stops
retrying when its attempts, its ``deadline`` or the client's retry **budget** run out; no
retry sleep ends past the deadline.

The budget is a token bucket shared by a client and all its views (botocore's retry quota): a
retry withdraws ``retry_cost`` (``timeout_cost`` for timeouts; 429s cost nothing because the
rate limiter paces them), a call that succeeds at once deposits 1, and a call that succeeds
after retrying gives back what it withdrew. So a healthy client retries freely, while an
outage drains the bucket and turns a retry storm into fast failures. The budget state lives
behind :class:`RetryBudget`, a protocol of two async methods, so a shared backend (Redis) can
replace the in-process :class:`LocalRetryBudget`::

    class RetryBudget(Protocol):
        async def withdraw(self, amount: int) -> bool: ...   # False: not enough left
        async def deposit(self, amount: int) -> None: ...

Each retry is logged at INFO (``retrying GET /ws/types/{slug}/items in 1.2 s after 503
(attempt 2 of 5)``), and the budget running dry at WARNING, once until a retry is granted again.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

import attrs

from .._errors import (
    ConfigurationError,
    OutcomeUnknownError,
    RequestTimeout,
    TLSError,
    TransportError,
)
from .._http import Handler, Request, Response
from .._observe import _ATTEMPT, ClientStats, call_label, logger
from .._protocol.outcome import Applied, applied, may_resend
from .._protocol.ratesignal import RateSignal
from .._time import DEADLINE, Clock, DeadlineExceeded, Sleep, bounded
from .redirect import Redirects
from .telemetry import note_retry

__all__ = [
    "DEFAULT_BUDGET",
    "LocalRetryBudget",
    "RetryBudget",
    "RetryMiddleware",
    "RetryPolicy",
    "retry_cause",
]

_TRANSIENT = {502: "502", 503: "503", 504: "504"}
DEFAULT_BUDGET = 500
"""The retry budget's capacity unless told otherwise, wherever a budget is made."""


@attrs.frozen
class RetryPolicy:
    """How a client retries; immutable, so one policy can serve many clients.

    Attributes:
        max_attempts: attempts per call, the first included (1 disables retries).
        backoff_base: seconds of the first backoff ceiling; it doubles with each retry.
        max_backoff: the largest backoff ceiling.
        max_retry_after: the longest wait a server may ask for (``Retry-After``, an
            ``X-RateLimit-Reset``) and have it honoured; a longer one is not waited for: the
            answer is raised at once, and the shared rate limiter pauses nobody for it.
        deadline: seconds for a whole call, retries and waits included; ``None``: no limit.
        budget: the capacity of the client's retry budget.
        retry_cost: what one retry withdraws from the budget.
        timeout_cost: what a retry after a timeout withdraws.
        jitter: the random source of the backoff, returning a float in [0, 1).
    """

    max_attempts: int = 5
    backoff_base: float = 0.25
    max_backoff: float = 20.0
    max_retry_after: float = 60.0
    deadline: float | None = 120.0
    budget: int = DEFAULT_BUDGET
    retry_cost: int = 5
    timeout_cost: int = 10
    jitter: Callable[[], float] = attrs.field(default=random.random, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigurationError(f"max_attempts must be at least 1, got {self.max_attempts}")

    @classmethod
    def of(cls, value: RetryPolicy | int | None) -> RetryPolicy:
        """Return ``value`` as a policy: a number of attempts, or ``None`` for no retries."""
        if isinstance(value, RetryPolicy):
            return value
        return cls(max_attempts=1 if value is None else value)

    def backoff(self, retry: int, jitter: float) -> float:
        """The delay before retry number ``retry`` (1 for the first), ``jitter`` in [0, 1)."""
        ceiling: float = min(self.max_backoff, self.backoff_base * 2.0 ** (retry - 1))
        return jitter * ceiling


@runtime_checkable
class RetryBudget(Protocol):
    """Where the retry budget lives; see the module docstring."""

    async def withdraw(self, amount: int) -> bool:
        """Take ``amount`` tokens; return ``False`` (and take nothing) if fewer are left."""
        ...

    async def deposit(self, amount: int) -> None:
        """Give ``amount`` tokens back, up to the capacity."""
        ...


class LocalRetryBudget:
    """The in-process retry budget: a bucket of ``capacity`` tokens."""

    def __init__(self, capacity: int = DEFAULT_BUDGET):
        self.capacity = capacity
        self.tokens = capacity

    def __repr__(self) -> str:
        return f"<LocalRetryBudget {self.tokens}/{self.capacity}>"

    async def withdraw(self, amount: int) -> bool:
        """Take ``amount`` tokens if there are enough."""
        if amount > self.tokens:
            return False
        self.tokens -= amount
        return True

    async def deposit(self, amount: int) -> None:
        """Give tokens back, up to the capacity."""
        self.put(amount)

    def put(self, amount: int) -> None:
        """:meth:`deposit` without the coroutine, for the in-process fast path."""
        if self.tokens < self.capacity:
            self.tokens = min(self.capacity, self.tokens + amount)


def retry_cause(method: str, outcome: Response | TransportError) -> str | None:
    """Return why ``outcome`` of a ``method`` request may be retried, or ``None`` if not."""
    if isinstance(outcome, TLSError | DeadlineExceeded) or not may_resend(method, outcome):
        return None
    if isinstance(outcome, TransportError):
        if not outcome.sent:
            return "connect"
        return "timeout" if isinstance(outcome, RequestTimeout) else "protocol"
    return "429" if outcome.status == 429 else _TRANSIENT.get(outcome.status)


class RetryMiddleware:
    """Repeat an attempt while :func:`retry_cause` allows it and time and budget remain."""

    def __init__(
        self,
        policy: RetryPolicy,
        budget: RetryBudget,
        stats: ClientStats,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        wall_clock: Clock = time.time,
    ):
        self.policy = policy
        self.budget = budget
        self.local = budget if isinstance(budget, LocalRetryBudget) else None
        self.stats = stats
        self.clock = clock
        self.sleep = sleep
        self.wall_clock = wall_clock
        self.dry = False  # the budget refused a retry, and none was granted since
        self.redirects = Redirects()  # followed within an attempt, by this coroutine

    async def __call__(self, request: Request, call_next: Handler) -> Response:
        """Send ``request``, retrying transient failures."""
        self.stats.requests += 1
        deadline = _deadline(self.policy.deadline, request, self.clock)
        # The gate and the limiter inside bound their waits by it. Inline, not in a helper
        # coroutine: one frame less on every call.
        token = DEADLINE.set(deadline)
        try:
            attempt, spent, ambiguous = 1, 0, False
            while True:
                if attempt == 1 and _ATTEMPT.get() == 1:  # the common path: no context change
                    outcome: Response | TransportError
                    try:
                        outcome = await call_next(request)
                        if self.redirects.wanted(outcome):
                            outcome = await self.redirects.follow(request, outcome, call_next)
                    except TransportError as exc:
                        outcome = exc
                else:
                    outcome = await self._attempt(request, call_next, attempt, deadline)
                if isinstance(outcome, Response):
                    if ambiguous and _gone(request, outcome):
                        outcome = attrs.evolve(outcome, status=204, content=b"")
                    if outcome.status < 300:
                        if self.local is not None:
                            self.local.put(spent or 1)
                        else:
                            await self.budget.deposit(spent or 1)
                        return outcome
                cause = retry_cause(request.method, outcome)
                if cause is None:
                    return self._finish(request, outcome)
                delay = self._delay(attempt, outcome)
                cost = self._cost(cause)
                if delay is None or not await self._may_retry(
                    request, outcome, attempt, delay, cost, deadline
                ):
                    return self._finish(request, outcome)
                spent += cost
                ambiguous = ambiguous or applied(request.method, outcome) is not Applied.NO
                self.stats.retries[cause] += 1
                self._announce(request, outcome, attempt, delay, cause)
                await self.sleep(delay)
                attempt += 1
        finally:
            DEADLINE.reset(token)

    async def _attempt(
        self, request: Request, call_next: Handler, attempt: int, deadline: float | None
    ) -> Response | TransportError:
        token = _ATTEMPT.set(attempt)
        try:
            if attempt > 1 and deadline is not None:
                request = bounded(request, deadline - self.clock())
            response = await call_next(request)
            if self.redirects.wanted(response):
                return await self.redirects.follow(request, response, call_next)
            return response
        except TransportError as exc:
            return exc
        finally:
            _ATTEMPT.reset(token)

    def _delay(self, attempt: int, outcome: Response | TransportError) -> float | None:
        backoff = self.policy.backoff(attempt, self.policy.jitter())
        if isinstance(outcome, TransportError):
            return backoff
        wait = RateSignal.read(outcome.status, outcome.headers, now=self.wall_clock()).wait
        if wait is None:
            return backoff
        return None if wait > self.policy.max_retry_after else max(wait, backoff)

    def _cost(self, cause: str) -> int:
        if cause == "429":
            return 0
        return self.policy.timeout_cost if cause == "timeout" else self.policy.retry_cost

    async def _may_retry(
        self,
        request: Request,
        outcome: Response | TransportError,
        attempt: int,
        delay: float,
        cost: int,
        deadline: float | None,
    ) -> bool:
        if attempt >= self.policy.max_attempts:
            return False
        if deadline is not None and self.clock() + delay >= deadline:
            return False
        if cost and not await self.budget.withdraw(cost):
            self.stats.budget_exhausted += 1
            if not self.dry:  # once per dry spell, not once per refused retry of an outage
                self.dry = True
                logger.warning(
                    "retry budget exhausted: %s is not retried after %s (attempt %d of %d); "
                    "calls fail at once until successes refill it",
                    call_label(request),
                    _what(outcome),
                    attempt,
                    self.policy.max_attempts,
                )
            return False
        self.dry = False
        return True

    def _announce(
        self,
        request: Request,
        outcome: Response | TransportError,
        attempt: int,
        delay: float,
        cause: str,
    ) -> None:
        """Log the retry at INFO and tell the traced call (if any) the delay chosen."""
        logger.info(
            "retrying %s in %.1f s after %s (attempt %d of %d)",
            call_label(request),
            delay,
            _what(outcome),
            attempt + 1,
            self.policy.max_attempts,
        )
        note_retry(delay, cause)

    @staticmethod
    def _finish(request: Request, outcome: Response | TransportError) -> Response:
        """Hand back a final error response, or raise a final transport error."""
        if isinstance(outcome, Response):
            return outcome
        if not may_resend(request.method, outcome):
            raise OutcomeUnknownError(
                f"{outcome.message}; the {request.method} may have been applied, so it was "
                "not sent again: its outcome is unknown",
                method=outcome.method,
                path=outcome.path,
            ) from outcome
        raise outcome


def _what(outcome: Response | TransportError) -> str:
    """What an attempt ended with, for a log line: a status or an error class."""
    return str(outcome.status) if isinstance(outcome, Response) else type(outcome).__name__


def _gone(request: Request, response: Response) -> bool:
    """A resent DELETE answered 404: the attempt before it deleted the row."""
    return request.method == "DELETE" and response.status == 404


def _deadline(seconds: float | None, request: Request, clock: Clock) -> float | None:
    """When the call must end: never before its first attempt's own timeout."""
    if seconds is None:
        return None
    return clock() + max(seconds, request.timeout.total or 0.0)
