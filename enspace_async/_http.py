"""The request and response we own, and the middleware chain that carries them.

A call travels ``resource → client → middleware chain → transport``. Every middleware is an
async callable ``(request, call_next) -> response``; the chain is composed once per session.
Requests and responses are frozen: a middleware changes a request with :func:`attrs.evolve`,
so a retry can resend the very same object.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import FunctionType
from typing import Any, TypeVar

import attrs
from yarl import URL

from ._config import seconds

__all__ = [
    "DEFAULT_TIMEOUT",
    "SECRET_HEADERS",
    "Handler",
    "Middleware",
    "Request",
    "Response",
    "Timeout",
    "compose",
]

# Headers whose values are credentials: kept out of reprs, and redacted from error texts.
SECRET_HEADERS = frozenset({"x-api-key", "authorization", "proxy-authorization", "cookie"})


# One converter per limit, each naming its argument in the error (attrs' mypy plugin takes
# only named functions as converters).
def _total(value: Any) -> float | None:
    return seconds("timeout total", value)


def _connect(value: Any) -> float | None:
    return seconds("timeout connect", value)


def _read(value: Any) -> float | None:
    return seconds("timeout read", value)


@attrs.frozen(cache_hash=True)  # hashed on every send, to find its aiohttp ClientTimeout
class Timeout:
    """Limits in seconds for one attempt; ``None`` means no limit for that phase.

    Each limit is ``None`` or a positive finite number; anything else is a
    :class:`~enspace_async.ConfigurationError` when the Timeout is built.

    Attributes:
        total: the whole attempt, from connecting to the last byte of the body.
        connect: getting a connection (from the pool or a new one).
        read: the longest wait for the next chunk of the response. Off by default: ``total``
            already bounds the read, and aiohttp re-arms a timer on every chunk it receives
            (about 10 µs of CPU per request), so set it only to catch a stalled server sooner.
    """

    total: float | None = attrs.field(default=60.0, converter=_total)
    connect: float | None = attrs.field(default=10.0, converter=_connect)
    read: float | None = attrs.field(default=None, converter=_read)

    @classmethod
    def of(cls, value: Timeout | float | None) -> Timeout:
        """Return ``value`` as a :class:`Timeout`; a number sets ``total`` and keeps the rest.

        Raises:
            ConfigurationError: ``value`` is not a positive finite number, a Timeout or None.
        """
        if isinstance(value, Timeout):
            return value
        if value is None:
            return cls(total=None, connect=None, read=None)
        return attrs.evolve(cls(), total=seconds("timeout", value))


DEFAULT_TIMEOUT = Timeout()
"""The limits of a client and a Request given none (a Timeout is frozen: built and hashed once)."""


class _Lowered(dict[str, str]):
    """Headers whose names are already in lower case: :func:`_freeze_headers` keeps them as
    they are, so a copy of a request or response made on every attempt costs no conversion."""

    __slots__ = ()


def lowered(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers``, whose names are all lower case already, that :class:`Request`
    and :class:`Response` keep as it is (a plain copy, no conversion)."""
    return _Lowered(headers)


def _freeze_headers(headers: Mapping[str, str]) -> Mapping[str, str]:
    if type(headers) is _Lowered:
        return headers
    if type(headers) is dict and all(map(str.islower, headers)):  # often so: a plain copy
        return _Lowered(headers)
    return _Lowered({k.lower(): v for k, v in headers.items()})


@attrs.frozen
class Request:
    """One HTTP request as the SDK sends it.

    Attributes:
        method: upper-case HTTP method.
        url: the absolute URL, query included.
        headers: header names in lower case.
        content: the encoded body, or ``None``.
        timeout: limits for each attempt.
        route: the route name from the route table (``"items.get"``), for logs and metrics.
    """

    method: str
    url: URL
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=_freeze_headers)
    content: bytes | None = None
    timeout: Timeout = DEFAULT_TIMEOUT
    route: str = "custom"

    def with_headers(self, **headers: str) -> Request:
        """Return a copy with these headers added (``x_api_key`` → ``x-api-key``)."""
        merged = _Lowered(self.headers)
        merged.update({k.replace("_", "-").lower(): v for k, v in headers.items()})
        # Built directly rather than with attrs.evolve: this runs on every attempt.
        return Request(self.method, self.url, merged, self.content, self.timeout, self.route)

    def __repr__(self) -> str:
        # Headers are left out on purpose: they carry the API key.
        return f"<Request {self.method} {self.url.path}>"


@attrs.frozen
class Response:
    """One HTTP response, read in full.

    Attributes:
        status: the HTTP status code.
        headers: header names in lower case.
        content: the whole body.
        request: the request this answers.
    """

    status: int
    headers: Mapping[str, str] = attrs.field(converter=_freeze_headers)
    content: bytes
    request: Request

    @property
    def is_success(self) -> bool:
        """Whether the status is 2xx."""
        return 200 <= self.status < 300

    def answering(self, request: Request) -> Response:
        """Return this response as the answer to ``request`` (a copy; the status, headers
        and body are shared, as they are immutable or never changed)."""
        # Built directly rather than with attrs.evolve: this runs on every attempt.
        return Response(self.status, self.headers, self.content, request)

    def __repr__(self) -> str:
        return f"<Response {self.status} for {self.request.method} {self.request.url.path}>"


Handler = Callable[[Request], Awaitable[Response]]
Middleware = Callable[[Request, Handler], Awaitable[Response]]


def compose(middlewares: Sequence[Middleware], send: Handler) -> Handler:
    """Wrap ``send`` so that ``middlewares[0]`` runs first and ``send`` last.

    The one way the chain is built, the user's middlewares and the SDK's own alike. Each
    layer is bound by a plain function that hands back the middleware's awaitable: no extra
    coroutine per layer, and cheaper than ``functools.partial(..., call_next=...)``, which
    builds a keyword dict per call (measured: 6 layers, 1.07 µs vs 1.63 µs per call).
    """
    handler = _direct(send)
    for middleware in reversed(middlewares):
        handler = _bind(_direct(middleware), handler)
    return handler


def _bind(middleware: Middleware, call_next: Handler) -> Handler:
    def handle(request: Request) -> Awaitable[Response]:
        return middleware(request, call_next)

    return handle


F = TypeVar("F", bound=Callable[..., Any])


def _direct(function: F) -> F:
    """``function``'s bound ``__call__`` if its class defines one in Python (the SDK's own
    layers), found once here: calling the object looks the method up on every call."""
    if isinstance(getattr(type(function), "__call__", None), FunctionType):  # noqa: B004
        bound: F = getattr(function, "__call__")  # noqa: B004, B009 - typed as the object
        return bound
    return function
