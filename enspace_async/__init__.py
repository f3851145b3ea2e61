"""enspace-async: the async-first Python SDK for the ENSPACE API."""

from ._bulk import BulkProgress, BulkResult, Export, ExportIncompleteError, RowError
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
    OriginalError,
    OutcomeUnknownError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitError,
    RequestTimeout,
    ServerError,
    TLSError,
    TransportError,
    UnprocessableEntityError,
    WrongEventLoopError,
)
from ._http import Handler, Middleware, Request, Response, Timeout
from ._middleware.retry import LocalRetryBudget, RetryBudget, RetryPolicy
from ._observe import Attempt, ClientStats, Hooks
from ._paging import AsyncPaginator
from ._protocol.outcome import outcome_unknown
from ._ratelimit import LimiterBackend, LocalLimiterBackend, RateLimiter, RateSignal
from ._raw import RawResponse
from ._schema import Problem, SchemaField, TextFormat, TypeSchema
from ._sync import SyncEnspaceClient
from ._version import __version__

__all__ = [
    "APIError",
    "AsyncPaginator",
    "Attempt",
    "AuthenticationError",
    "BadRequestError",
    "BulkProgress",
    "BulkResult",
    "ClientClosedError",
    "ClientStats",
    "ConfigurationError",
    "ConflictError",
    "ConnectError",
    "DecodeError",
    "EnspaceClient",
    "EnspaceError",
    "Export",
    "ExportIncompleteError",
    "Handler",
    "Hooks",
    "LimiterBackend",
    "LocalLimiterBackend",
    "LocalRetryBudget",
    "Middleware",
    "NotFoundError",
    "OriginalError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "Problem",
    "ProtocolError",
    "RateLimitError",
    "RateLimiter",
    "RateSignal",
    "RawResponse",
    "Request",
    "RequestTimeout",
    "Response",
    "RetryBudget",
    "RetryPolicy",
    "RowError",
    "SchemaField",
    "ServerError",
    "SyncEnspaceClient",
    "TLSError",
    "TextFormat",
    "Timeout",
    "TransportError",
    "TypeSchema",
    "UnprocessableEntityError",
    "WrongEventLoopError",
    "outcome_unknown",
    "__version__",
]
