"""Response → error: the one place a non-2xx answer becomes an :class:`~enspace_async.APIError`.

One subclass per meaningful status, chosen in :data:`_BY_STATUS`; any other 5xx is a
:class:`~enspace_async.ServerError`, anything else a plain :class:`~enspace_async.APIError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus

import orjson

from .._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
    excerpt,
)

__all__ = ["error_from_response"]

_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_from_response(status: int, headers: Mapping[str, str], content: bytes) -> APIError:
    """Build the error for a non-2xx response from its ``{statusCode, error, message}`` body.

    An HTML, empty or otherwise unexpected body still gives a readable error.
    """
    reason = _reason(status)
    error = reason
    message: str | list[str] = excerpt(content).strip() or reason
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        body = None
    if isinstance(body, dict):
        error = str(body.get("error") or reason)
        raw = body.get("message")
        if isinstance(raw, list) and raw:
            message = [str(m) for m in raw]
        elif raw is not None:
            message = str(raw)
        else:
            message = error
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else APIError)
    return cls(status, error, message, headers.get("x-request-id"), headers=headers)


def _reason(status: int) -> str:
    """The standard reason phrase (``"Not Found"``), or ``"Error"`` for a status without one."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
