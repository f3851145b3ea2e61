"""enspace-async: the async-first Python SDK for the ENSPACE API."""

from ._client import EnspaceClient
from ._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    ConnectError,
    DecodeError,
    EnspaceError,
    NotFoundError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitError,
    RequestTimeout,
    ServerError,
    TransportError,
    UnprocessableEntityError,
)
from ._http import Handler, Middleware, Request, Response, Timeout
from ._paging import AsyncPaginator
from ._version import __version__

__all__ = [
    "APIError",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "ConnectError",
    "DecodeError",
    "EnspaceClient",
    "EnspaceError",
    "Handler",
    "Middleware",
    "NotFoundError",
    "PermissionDeniedError",
    "ProtocolError",
    "RateLimitError",
    "Request",
    "RequestTimeout",
    "Response",
    "ServerError",
    "Timeout",
    "TransportError",
    "UnprocessableEntityError",
    "__version__",
]
