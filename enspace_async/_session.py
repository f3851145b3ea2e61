"""The session a client and all its views share: transport, limits, counters and the chain.

The onion, outermost first (one module per layer in :mod:`enspace_async._middleware`): user
middlewares (they see one logical call) → telemetry, with ``telemetry=`` (one span per call)
→ retry (repeats what is inside it) → same-origin redirects → limit (an in-flight slot and a
rate slot per attempt; learns from 429s and ``X-RateLimit-*``) → observe (logs, counts and
hooks each attempt) → authentication (adds ``x-api-key``, innermost, so nothing outside it
ever sees the key) → transport. :func:`~enspace_async._http.compose` builds it once.

The user's middlewares and telemetry are ``(request, call_next)`` coroutines; the SDK's own
layers cost three: retry runs the redirect policy in its own coroutine (awaited only for a
redirect), limit awaits only its waits, and observe runs authentication's synchronous
steps around the transport.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any, Protocol, Self, TypeVar, cast

from yarl import URL

from ._config import Secret
from ._http import Handler, Middleware, compose
from ._middleware.auth import Auth
from ._middleware.limit import LimitMiddleware
from ._middleware.observe import ObserveMiddleware, keyed_send
from ._middleware.retry import LocalRetryBudget, RetryBudget, RetryMiddleware, RetryPolicy
from ._middleware.telemetry import Binding, Telemetry, merge_hooks
from ._observe import ClientStats, Hooks
from ._ratelimit import RateLimiter
from ._time import Clock, Sleep
from .transports import Transport

__all__ = ["Session", "StandIn", "Viewable"]


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
        limiter.open(str(base_url.origin()), api_key.reveal())  # a state_file's rate, if any
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
        own: list[Middleware] = [] if self.telemetry is None else [self.telemetry]
        own += [
            RetryMiddleware(retry, self.retry_budget, self.stats, clock=clock, sleep=sleep),
            self.gate,
        ]
        self.layers: tuple[Middleware, ...] = (*own,)
        """The SDK's own middlewares, outermost first (the user's go outside them)."""
        hooks = merge_hooks(hooks, self.telemetry)
        auth = Auth(api_key, base_url)
        send = ObserveMiddleware(self.stats, hooks, auth, transport.send, keyed_send(transport))
        self.handler: Handler = compose([*middlewares, *own], send)

    def __repr__(self) -> str:
        return f"<Session {self.base_url} closed={self.closed}>"

    async def aclose(self) -> None:
        """Close the transport once."""
        if not self.closed:
            self.closed = True
            self.limiter.close()  # saves the learned rate to a state_file, if any
            await self.transport.aclose()


class Viewable(Protocol):
    """A client as a :class:`StandIn` sees it (the client's module imports this one)."""

    _session: Session

    def _view(self) -> Self:
        """A view sharing the client's options, whose session may be swapped."""
        ...


C = TypeVar("C", bound=Viewable)


class StandIn:
    """The session of one view of a client: the client's own session, except for the
    ``handler`` a subclass defines around the session's (``with_raw_response`` keeps a call's
    answer; an export learns of each page's answer). Every other attribute is the session's.
    """

    def __init__(self, session: Session):
        self._session = session

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    def view(self, client: C) -> C:
        """A view of ``client`` whose calls go through this stand-in."""
        view = client._view()
        view._session = cast("Session", self)
        return view
