"""enspace-async: the async-first Python SDK for the ENSPACE API.

A call goes resource method → client → session → middleware chain → transport, and comes back
response → error or decode → model. Where each piece lives (a test checks this drawing against
the folders)::

    enspace_async/
    ├── __init__.py          the public names, re-exported from the private modules
    ├── _client.py           EnspaceClient: options, views, the one call path
    ├── _session.py          what a client and its views share; composes the chain
    ├── _caller.py           what resources and bulk jobs depend on (not the client)
    ├── _resources/          one module per resource: client.items, client.types...
    ├── _bulk/               bulk jobs, their journal, exports and keyset reads
    ├── _paging.py           AsyncPaginator
    ├── _raw.py              client.with_raw_response
    ├── _middleware/         the onion, outermost first, one module per layer
    │   ├── telemetry.py     the seam a telemetry backend binds to (one span per call)
    │   ├── retry.py         what is resent, when, within deadline and budget
    │   ├── redirect.py      same-origin redirects only
    │   ├── limit.py         an in-flight slot and a rate slot per attempt
    │   ├── observe.py       counts, logs and hooks each attempt
    │   └── auth.py          adds x-api-key, innermost
    ├── _protocol/           pure, synchronous, no I/O
    │   ├── routes.py        every method and path template
    │   ├── query.py         query encoding and the last-page rule
    │   ├── errors.py        a non-2xx response → its APIError
    │   ├── ratesignal.py    Retry-After and X-RateLimit-* read once
    │   └── outcome.py       may this write have been applied?
    ├── _ratelimit/          the rate limiter, in-process or shared through Redis
    ├── _http.py             Request, Response, Timeout; compose()
    ├── _errors.py           the exception tree
    ├── _time.py             Clock, Sleep and the call's deadline
    ├── _observe.py          logger, client.stats, Hooks
    ├── _config.py, _arguments.py   settings and argument checks
    ├── _converter.py, _kinds.py    the one converter and its value kinds
    ├── _typed.py, _codegen.py      typed item models and enspace codegen
    ├── _otel.py, _otel_metrics.py  the OpenTelemetry backend (the otel extra)
    ├── _version.py
    ├── _schema/             types' schemas, validation, values from CSV text
    ├── _sync/               SyncEnspaceClient, generated faces over the async one
    ├── models/              frozen attrs models of every response shape
    ├── transports/          the Transport protocol, aiohttp and mock transports
    ├── testing/             the emulator (imported only when asked for)
    ├── cli/                 the enspace command line (the cli extra)
    ├── otel.py, redis.py, sync.py   public entry points of the extras
    └── py.typed
"""

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
