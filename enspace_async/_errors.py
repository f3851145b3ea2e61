"""Every error the SDK raises; :mod:`._protocol.errors` maps a response to one.

::

    EnspaceError
    ├── ConfigurationError          bad settings or arguments, raised before anything is sent
    ├── ClientClosedError           the client was closed
    │   └── WrongEventLoopError     the client belongs to another event loop
    ├── TransportError              no usable response
    │   ├── ConnectError            nothing reached the server
    │   │   └── TLSError            the TLS handshake or certificate check failed
    │   ├── RequestTimeout          an attempt ran out of time
    │   │   └── DeadlineExceeded    the call's deadline came while it waited; nothing sent
    │   ├── ProtocolError           the connection broke or the body was cut
    │   └── OutcomeUnknownError     a write may have been applied; it was not resent
    ├── APIError                    the server answered with an error status
    │   ├── BadRequestError         400
    │   ├── AuthenticationError     401
    │   ├── PermissionDeniedError   403
    │   ├── NotFoundError           404
    │   ├── ConflictError           409
    │   ├── UnprocessableEntityError 422
    │   ├── RateLimitError          429
    │   └── ServerError             5xx
    ├── DecodeError                 a 2xx body that is not JSON or does not fit its model
    ├── ExportIncompleteError       an export's page came back short twice (rows missing)
    └── LimiterUnavailableError     the shared (Redis) limiter cannot be reached; nothing sent

    OriginalError                   not an EnspaceError: the scrubbed stand-in for a library
                                    exception, found as a TransportError's ``__cause__``

``DeadlineExceeded`` lives in :mod:`._time`, ``ExportIncompleteError`` in :mod:`._bulk.export`
and ``LimiterUnavailableError`` in :mod:`._ratelimit.redis` (public as
``enspace_async.redis.LimiterUnavailableError``), next to what raises them.

Every error pickles, and nothing reachable from an error holds the API key. Messages are built
from the method, the path and the server's own error body; a library exception (aiohttp's holds
the request headers) is never chained, only an :class:`OriginalError` naming its type and
message; and :func:`scrub` redacts the key, or a secret the request carried, that a server
echoed into an error's body or headers.
"""

from __future__ import annotations

import traceback
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import orjson

from ._protocol.ratesignal import RateSignal  # the one reading of rate headers

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "ConnectError",
    "DecodeError",
    "EnspaceError",
    "NotFoundError",
    "OriginalError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "ProtocolError",
    "RateLimitError",
    "RequestTimeout",
    "ServerError",
    "TLSError",
    "TransportError",
    "UnprocessableEntityError",
    "WrongEventLoopError",
    "excerpt",
    "redact",
    "scrub",
    "secret_forms",
]

_EXCERPT = 200
REDACTED = "[redacted]"


class EnspaceError(Exception):
    """The base of every error raised by enspace-async.

    Attributes:
        resume_start: for an error raised while paging, the offset to pass as ``start=``
            to resume the listing; otherwise ``None``. The paginator sets it on the error it
            caught before raising that same error on (errors are not frozen).
        sent: whether the request may have reached the server; ``False`` only where it
            certainly did not (see :func:`~enspace_async._protocol.outcome.applied`).
    """

    resume_start: int | None = None
    sent: bool = True


class ConfigurationError(EnspaceError, ValueError):
    """A setting or argument is wrong; nothing was sent."""

    sent = False


class ClientClosedError(EnspaceError, RuntimeError):
    """The client was closed and cannot send any more requests."""

    sent = False


class WrongEventLoopError(ClientClosedError):
    """The client was used from an event loop other than the one that first used it.

    A client's connections, limiter and locks belong to that loop: create one client per
    loop (or, from threads, use :class:`~enspace_async.SyncEnspaceClient`). Nothing was sent.
    """


class TransportError(EnspaceError):
    """No usable response arrived.

    Attributes:
        method: the HTTP method of the request.
        path: the URL path of the request, without the query.
        sent: whether the request may have reached the server. ``False`` means it certainly did
            not, so any method may be sent again safely.
    """

    sent: bool = True

    def __init__(self, message: str, *, method: str = "", path: str = "", sent: bool | None = None):
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.sent = type(self).sent if sent is None else sent

    def __reduce__(self) -> tuple[Any, ...]:
        kwargs = {"method": self.method, "path": self.path, "sent": self.sent}
        return (_rebuild, (type(self), (self.message,), kwargs))

    def __str__(self) -> str:
        where = f" ({self.method} {self.path})" if self.method else ""
        return f"{self.message}{where}"


class ConnectError(TransportError):
    """The connection could not be made; the request never reached the server."""

    sent = False


class TLSError(ConnectError):
    """The TLS handshake or the certificate check failed: nothing was sent, and retrying
    cannot help, so it is never retried."""


class RequestTimeout(TransportError):
    """An attempt ran out of time. ``sent`` tells whether the request may have arrived."""


class ProtocolError(TransportError):
    """The connection broke mid-exchange, or the body was cut short or too large."""


class OutcomeUnknownError(TransportError):
    """A write (a POST) may have reached the server, but no answer came back.

    The SDK does not resend it, because the server may already have applied it: look before
    writing again. The original failure is the ``__cause__``. ``sent`` is always true.
    """

    sent = True


class OriginalError(Exception):
    """The library exception behind an SDK error, reduced to its type name and message.

    A transport chains this, never the library's own exception, because that one may hold the
    request (aiohttp's ``request_info`` carries every header, the API key included).

    Attributes:
        type_name: the original exception's qualified type name
            (``"aiohttp.client_exceptions.ClientPayloadError"``).
        message: its message, without the request's secrets (see :func:`scrub`).
    """

    def __init__(self, type_name: str, message: str):
        super().__init__(type_name, message)
        self.type_name = type_name
        self.message = message

    @classmethod
    def of(cls, exc: BaseException, message: str | None = None) -> OriginalError:
        """Describe ``exc`` by its qualified type name and ``message`` (by default its str)."""
        kind = type(exc)
        return cls(
            f"{kind.__module__}.{kind.__qualname__}", str(exc) if message is None else message
        )

    def __str__(self) -> str:
        return f"{self.type_name}: {self.message}" if self.message else self.type_name


def _rebuild(cls: type[Exception], args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Exception:
    return cls(*args, **kwargs)


class APIError(EnspaceError):
    """The server answered with an error status.

    Attributes:
        status: the HTTP status code.
        error: the short reason from the body (``"Not Found"``).
        message: the server's message; a validation error's list is joined with ``"; "``.
        messages: the server's messages as a list.
        request_id: the ``x-request-id`` header, when the server sent one.
        headers: the response headers (lower-case names).
    """

    def __init__(
        self,
        status: int,
        error: str,
        message: str | list[str],
        request_id: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ):
        self.status = status
        self.error = error
        self.messages = [message] if isinstance(message, str) else list(message)
        self.message = "; ".join(self.messages)
        self.request_id = request_id
        self.headers = dict(headers or {})
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.status} {self.error}: {self.message}"
        return f"{text} (request_id={self.request_id})" if self.request_id else text

    def __reduce__(self) -> tuple[Any, ...]:
        args = (self.status, self.error, self.messages, self.request_id)
        return (_rebuild, (type(self), args, {"headers": self.headers}))


class BadRequestError(APIError):
    """400: the request was malformed or failed validation."""


class AuthenticationError(APIError):
    """401: the API key is missing or invalid."""


class PermissionDeniedError(APIError):
    """403: the key may not use this workspace, or lacks the scope."""


class NotFoundError(APIError):
    """404: no such resource."""


class ConflictError(APIError):
    """409: the request conflicts with the current state."""


class UnprocessableEntityError(APIError):
    """422: the request was understood but cannot be processed."""


class RateLimitError(APIError):
    """429: too many requests.

    Attributes:
        retry_after: seconds the server asked us to wait, when it said.
    """

    @property
    def retry_after(self) -> float | None:
        """Seconds to wait: ``Retry-After``, else the ``X-RateLimit-Reset`` of an exhausted
        ``X-RateLimit-Remaining``, read as the retry layer reads them; ``None`` if neither."""
        return RateSignal.read(429, self.headers).wait


class ServerError(APIError):
    """5xx: the server failed."""


class DecodeError(EnspaceError):
    """A successful response whose body is not JSON or does not fit its model.

    Attributes:
        path: where in the body the problem is (``"$[3].id"``), when known.
        excerpt: the start of the body, at most 200 characters.
        rows: for a list whose row lacks its identity, the rows that decoded, ``None`` in
            place of each that did not (not pickled); otherwise ``None``.
    """

    rows: list[Any] | None = None

    def __init__(self, message: str, *, path: str = "$", excerpt: str = ""):
        self.message = message
        self.path = path
        self.excerpt = excerpt
        super().__init__(str(self))

    def __str__(self) -> str:
        tail = f"; body starts {self.excerpt!r}" if self.excerpt else ""
        return f"{self.message} at {self.path}{tail}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild,
            (type(self), (self.message,), {"path": self.path, "excerpt": self.excerpt}),
        )


def excerpt(content: bytes) -> str:
    """Return the start of a body as text, short enough for an error message."""
    return content[:_EXCERPT].decode("utf-8", "replace")


def secret_forms(secrets: Iterable[str]) -> list[str]:
    """Each secret as sent and as a server may echo it (JSON-escaped, percent-encoded),
    longest first so that a form holding another one is redacted whole."""
    forms: set[str] = set()
    for secret in secrets:
        if secret:
            forms |= {secret, orjson.dumps(secret).decode()[1:-1], urllib.parse.quote(secret)}
            forms.add(urllib.parse.quote(secret, safe=""))
    return sorted(forms, key=len, reverse=True)


def redact(text: str, forms: Sequence[str]) -> str:
    """Return ``text`` with every one of ``forms`` (see :func:`secret_forms`) replaced."""
    for form in forms:
        if form in text:
            text = text.replace(form, REDACTED)
    return text


def scrub(error: BaseException, secrets: Iterable[str]) -> None:
    """Redact ``secrets`` from an SDK error in place: its message, body excerpt, headers, args
    and notes, and the same in every SDK error it chains to. A foreign exception in the chain
    that mentions a secret (a JSON error's ``doc`` is the whole body) is replaced by an
    :class:`OriginalError`.

    The server's answer is the only text in an error that the SDK did not write; this is for
    a server that echoes the key, or a secret the request carried, back into it.
    """
    forms = secret_forms(secrets)
    if not forms:
        return
    for link in _chain(error):
        for name, value in vars(link).items():
            vars(link)[name] = _redacted(value, forms)
        link.args = _redacted(link.args, forms)
        for attribute in ("__cause__", "__context__"):
            linked = getattr(link, attribute)
            if linked is not None and not _ours(linked) and _mentions(linked, forms):
                setattr(link, attribute, OriginalError.of(linked, redact(str(linked), forms)))


def _ours(error: BaseException) -> bool:
    return isinstance(error, EnspaceError | OriginalError)


def _mentions(error: BaseException, forms: Sequence[str]) -> bool:
    text = "".join(traceback.format_exception(error)) + repr(vars(error)) + repr(error.args)
    return any(form in text for form in forms)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and the SDK errors it chains to, each once."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [error]
    while stack:
        link = stack.pop()
        if link is not None and _ours(link) and id(link) not in seen:
            seen.add(id(link))
            yield link  # the caller may replace its links before they are followed
            stack += [link.__cause__, link.__context__]


def _redacted(value: Any, forms: Sequence[str]) -> Any:
    if isinstance(value, str):
        return redact(value, forms)
    if type(value) in (list, tuple):
        return type(value)(_redacted(item, forms) for item in value)
    if isinstance(value, dict):
        return {key: _redacted(item, forms) for key, item in value.items()}
    return value
