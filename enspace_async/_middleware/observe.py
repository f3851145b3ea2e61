"""Observe: count, time, log and hook every attempt; the innermost coroutine of the chain.

It sits inside retry and the rate limiter and runs authentication's synchronous steps
(:class:`~enspace_async._middleware.auth.Auth`) around the transport itself, with no
coroutine between: it sees every attempt but never the API key. At DEBUG it logs one line
per attempt::

    GET /ws/types/contracts/items -> 200 in 12.3 ms (attempt 1, route items.list)

The path is logged without its query string, so no query value ever reaches a log.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence

from .._errors import TransportError
from .._http import Handler, Request, Response
from .._observe import _ATTEMPT, Attempt, ClientStats, HookFunc, Hooks, logger
from .auth import Auth

__all__ = ["KeyedSend", "ObserveMiddleware", "keyed_send"]

KeyedSend = Callable[[Request, Mapping[str, str]], Awaitable[Response]]
"""A transport's ``send_keyed(request, headers)``: send ``request`` with these headers on the
wire instead of its own, and answer ``request`` as it is."""


def keyed_send(transport: object) -> KeyedSend | None:
    """The transport's ``send_keyed``, unless its ``send`` was replaced after it (by a subclass
    or on the instance), so that such a ``send`` still sees every request."""
    if "send" in getattr(transport, "__dict__", ()):
        return None
    for klass in type(transport).__mro__:
        if "send_keyed" in vars(klass):
            keyed: KeyedSend = getattr(transport, "send_keyed")  # noqa: B009 - typed here
            return keyed
        if "send" in vars(klass):
            return None
    return None


async def _run(hooks: Sequence[HookFunc], attempt: Attempt) -> None:
    for hook in hooks:
        result = hook(attempt)
        if inspect.isawaitable(result):
            await result


class ObserveMiddleware:
    """Count, time, log and trace every attempt, sent through ``auth`` to ``send``."""

    def __init__(
        self,
        stats: ClientStats,
        hooks: Hooks | None,
        auth: Auth,
        send: Handler,
        send_keyed: KeyedSend | None = None,
    ):
        self.stats = stats
        self.hooks = hooks if hooks and (hooks.on_request or hooks.on_response) else None
        self.auth = auth
        self.send = send
        self.send_keyed = send_keyed

    async def __call__(self, request: Request) -> Response:
        """Send one attempt and record what happened."""
        stats, hooks = self.stats, self.hooks
        if hooks is not None and hooks.on_request:
            # Before counting: a hook that raises or is cancelled sent nothing, and nothing
            # between here and the try below can leave in_flight raised.
            await _run(hooks.on_request, Attempt(request, _ATTEMPT.get()))
        stats.attempts += 1
        stats.in_flight += 1
        if request.content:
            stats.bytes_sent += len(request.content)
        started = time.perf_counter()
        try:
            auth, send_keyed = self.auth, self.send_keyed
            if send_keyed is not None:  # the key on the wire only: no second request or response
                response = await send_keyed(request, auth.headers(request))
            else:
                response = auth.on_response(await self.send(auth.on_request(request)), request)
        except TransportError as exc:
            stats.errors[type(exc).__name__] += 1
            if hooks is not None or logger.isEnabledFor(logging.DEBUG):
                await self._done(request, None, exc, started)
            raise
        except asyncio.CancelledError:
            stats.errors["cancelled"] += 1
            raise
        finally:
            stats.in_flight -= 1
        stats.bytes_received += len(response.content)
        status = response.status
        if status >= 300:
            stats.errors[str(status)] += 1
            if status == 429:
                stats.throttled += 1
        if hooks is not None or logger.isEnabledFor(logging.DEBUG):
            await self._done(request, response, None, started)
        return response

    async def _done(
        self,
        request: Request,
        response: Response | None,
        error: TransportError | None,
        started: float,
    ) -> None:
        debug = logger.isEnabledFor(logging.DEBUG)
        if not debug and self.hooks is None:
            return
        elapsed = time.perf_counter() - started
        attempt = _ATTEMPT.get()
        if debug:
            outcome = response.status if response is not None else type(error).__name__
            logger.debug(
                "%s %s -> %s in %.1f ms (attempt %d, route %s)",
                request.method,
                request.url.raw_path,
                outcome,
                elapsed * 1000,
                attempt,
                request.route,
            )
        if self.hooks is not None and self.hooks.on_response:
            await _run(self.hooks.on_response, Attempt(request, attempt, response, error, elapsed))
