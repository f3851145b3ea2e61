"""Observability: the ``enspace_async`` logger, ``client.stats`` counters and tracing hooks.

The observe layer (:mod:`._middleware.observe`) counts, logs and hooks every attempt. The retry
layer logs each retry at INFO and the limiter each rate cut at WARNING, naming the call by
:func:`call_label` (method and route template). ``ENSPACE_LOG=info`` or ``debug`` attaches a
stderr handler to the ``enspace_async`` logger at import, for programs that configure no logging.
"""

from __future__ import annotations

import logging
import os
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar
from typing import Any, TextIO

import attrs

from ._errors import TransportError
from ._http import Request, Response
from ._protocol.routes import ROUTES

__all__ = [
    "Attempt",
    "ClientStats",
    "HookFunc",
    "Hooks",
    "call_label",
    "current_attempt",
    "log_from_env",
    "logger",
]

logger = logging.getLogger("enspace_async")
# A library prints nothing unless asked (a logging configuration, or ENSPACE_LOG): without a
# handler of its own, Python's last-resort handler would print every WARNING to stderr.
logger.addHandler(logging.NullHandler())
_ENV_LOG = "ENSPACE_LOG"
_LEVELS = {"info": logging.INFO, "debug": logging.DEBUG}


def log_from_env(stream: TextIO | None = None) -> logging.Handler | None:
    """Attach a stderr handler at the level ``ENSPACE_LOG`` names (``info`` or ``debug``).

    Returns the handler attached, or ``None`` when the variable is unset or empty. Any other
    value attaches one at WARNING and logs that the value was ignored (an import must not fail).
    """
    value = os.environ.get(_ENV_LOG, "").strip().lower()
    if not value:
        return None
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(_LEVELS.get(value, logging.WARNING))
    if value not in _LEVELS:
        logger.warning("%s=%r is not one of info, debug: ignored", _ENV_LOG, value)
    return handler


def call_label(request: Request) -> str:
    """``GET /ws/types/{slug}/items``: the method and route template, for log lines.

    A :meth:`~enspace_async.EnspaceClient.request` call, which has no template, shows its path
    (never its query string).
    """
    route = ROUTES.get(request.route)
    return f"{request.method} {route.template if route else request.url.raw_path}"


# The retry middleware sets the attempt number for the middlewares inside it.
_ATTEMPT: ContextVar[int] = ContextVar("enspace_async_attempt", default=1)


def current_attempt() -> int:
    """Return the number of the attempt being sent (1 for the first)."""
    return _ATTEMPT.get()


@attrs.define
class ClientStats:
    """Counters shared by a client and all its views.

    Attributes:
        requests: logical calls (one per method call, however many attempts it took).
        attempts: requests handed to the transport.
        retries: retries by cause (``"503"``, ``"429"``, ``"connect"``, ``"timeout"``, ...).
        throttled: 429 answers received.
        limiter_waits: attempts the rate limiter held back.
        limiter_wait_seconds: the total time attempts spent waiting in the limiter.
        budget_exhausted: retries refused because the retry budget was empty.
        bytes_sent: request bodies sent, in bytes.
        bytes_received: response bodies received, in bytes.
        errors: failed attempts by kind (an error class name or an HTTP status).
        in_flight: attempts on the wire right now.
    """

    requests: int = 0
    attempts: int = 0
    retries: Counter[str] = attrs.field(factory=Counter)
    throttled: int = 0
    limiter_waits: int = 0
    limiter_wait_seconds: float = 0.0
    budget_exhausted: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    errors: Counter[str] = attrs.field(factory=Counter)
    in_flight: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Return a plain snapshot of every counter."""
        values = attrs.asdict(self)
        values["retries"] = dict(self.retries)
        values["errors"] = dict(self.errors)
        return values


@attrs.frozen
class Attempt:
    """One attempt, as a hook sees it.

    Attributes:
        request: the request, without the API key (authentication is added later).
        number: 1 for the first attempt, 2 for the first retry, and so on.
        response: the answer, for a response hook; ``None`` if the attempt failed.
        error: the transport error, when the attempt got no answer.
        elapsed: seconds the attempt took, for a response hook.
    """

    request: Request
    number: int
    response: Response | None = None
    error: TransportError | None = None
    elapsed: float = 0.0


HookFunc = Callable[[Attempt], Awaitable[None] | None]


def _hook_tuple(hooks: Iterable[HookFunc]) -> tuple[HookFunc, ...]:
    return tuple(hooks)


@attrs.frozen
class Hooks:
    """Functions called around every attempt, sync or async; for tracing and metrics.

    Attributes:
        on_request: called with an :class:`Attempt` just before the attempt is sent.
        on_response: called with an :class:`Attempt` after it answered or failed.
    """

    on_request: tuple[HookFunc, ...] = attrs.field(default=(), converter=_hook_tuple)
    on_response: tuple[HookFunc, ...] = attrs.field(default=(), converter=_hook_tuple)


log_from_env()
