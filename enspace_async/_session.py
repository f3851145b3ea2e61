"""The session a client and all its views share: transport, limits, counters and the chain.

The onion, outermost first: user middlewares (they see one logical call) → retry (repeats what
is inside it) → same-origin redirects → rate limiter (gates each attempt, learns from 429s
and ``X-RateLimit-*``) → observe (logs, counts and traces each attempt) → authentication (adds
``x-api-key``, innermost, so nothing outside it ever sees the key) → transport. With
``telemetry=``, its binding is the outermost of ours (one span per logical call).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from yarl import URL

from ._config import Secret
from ._errors import ConfigurationError
from ._gate import LimitMiddleware
from ._http import Handler, Middleware, Request, Response, compose
from ._observe import ClientStats, Hooks, ObserveMiddleware
from ._ratelimit import RateLimiter
from ._redirect import RedirectMiddleware, same_origin
from ._retry import LocalRetryBudget, RetryBudget, RetryMiddleware, RetryPolicy
from ._telemetry import Binding, Telemetry, merge_hooks
from .transports import Transport

__all__ = ["Session"]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class _Stage(Protocol):
    def __call__(self, request: Request, call_next: Handler) -> Awaitable[Response]: ...


class Session:
    """What a client and all its views share; built once by the root client."""

    def __init__(
        self,
        api_key: Secret,
        transport: Transport,
        middlewares: Sequence[Middleware],
        *,
        base_url: URL,
        retry: RetryPolicy,
        retry_budget: RetryBudget | None = None,
        limiter: RateLimiter,
        max_in_flight: int | None = None,
        hooks: Hooks | None = None,
        telemetry: Telemetry | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ):
        self.api_key = api_key
        self.transport = transport
        self.base_url = base_url
        self.closed = False
        self.stats = ClientStats()
        self.retry = retry
        self.retry_budget = retry_budget or LocalRetryBudget(retry.budget)
        self.limiter = limiter
        if max_in_flight is None:
            max_in_flight = getattr(transport, "pool_size", None)
        self.max_in_flight = max_in_flight or None
        # The limiter pauses nobody longer than this client would wait for its own call.
        self.gate = LimitMiddleware(
            limiter,
            self.stats,
            max_in_flight=self.max_in_flight,
            max_pause=retry.max_retry_after,
            clock=clock,
            sleep=sleep,
        )
        # Bound last, when the counters and the limiter it reports exist.
        self.telemetry: Binding | None = None if telemetry is None else telemetry.bind(self)
        own: list[_Stage] = [
            RetryMiddleware(retry, self.retry_budget, self.stats, clock=clock, sleep=sleep),
            RedirectMiddleware(),
            self.gate,
            ObserveMiddleware(self.stats, merge_hooks(hooks, self.telemetry)),
            self._authenticate,
        ]
        if self.telemetry is not None:  # outside retry: one span per logical call
            own.insert(0, self.telemetry)
        handler: Handler = transport.send
        for middleware in reversed(own):
            # Our middlewares all name their second parameter call_next: binding it with
            # partial saves a coroutine frame per stage on every request.
            handler = functools.partial(middleware, call_next=handler)
        self.handler: Handler = compose(middlewares, handler)

    def __repr__(self) -> str:
        return f"<Session {self.base_url} closed={self.closed}>"

    async def _authenticate(self, request: Request, call_next: Handler) -> Response:
        if not same_origin(request.url, self.base_url):
            raise ConfigurationError(
                f"refusing to send the API key to {request.url.origin()}: "
                f"this client only talks to {self.base_url.origin()}"
            )
        response = await call_next(request.with_headers(x_api_key=self.api_key.reveal()))
        # The transport built this response for this attempt alone: point it back at the
        # request without the key, so no middleware or hook outside can read the key from it.
        object.__setattr__(response, "request", request)
        return response

    async def aclose(self) -> None:
        """Close the transport once."""
        if not self.closed:
            self.closed = True
            await self.transport.aclose()
