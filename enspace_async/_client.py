"""The client: settings, the shared session, and the one path every call takes.

The onion, outermost first: user middlewares → retry → same-origin redirects → rate limiter →
observe (log, count, trace) → authentication (adds ``x-api-key``, innermost) → transport; see
:mod:`enspace_async._session`.

``EnspaceClient`` is cheap to copy: :meth:`~EnspaceClient.with_workspace` and
:meth:`~EnspaceClient.with_options` return views that share the root client's session,
connection pool and limits. The root client owns the session; closing it closes every view.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

import attrs
import orjson
from yarl import URL

from . import _arguments
from ._config import DEFAULT_BASE_URL, ENV_KEY, Secret, parse_base_url
from ._converter import dumps, loads, structure
from ._errors import (
    APIError,
    ClientClosedError,
    ConfigurationError,
    EnspaceError,
    WrongEventLoopError,
    scrub,
)
from ._http import DEFAULT_TIMEOUT, Middleware, Request, Response, Timeout, lowered
from ._middleware.retry import RetryBudget, RetryPolicy
from ._middleware.telemetry import Binding, Telemetry, check_telemetry
from ._observe import ClientStats, Hooks
from ._protocol.errors import error_from_response
from ._protocol.outcome import may_resend
from ._protocol.query import Query, encode_params
from ._protocol.routes import Route, route
from ._ratelimit import RateLimiter
from ._raw import RawResponses
from ._resources import ResourceAccess
from ._session import Session
from ._time import Clock, Sleep
from .models._integrations import looks_secret
from .transports import AiohttpTransport, Transport

__all__ = ["EnspaceClient"]

_ENV_URL, _ENV_WORKSPACE = "ENSPACE_API_URL", "ENSPACE_WORKSPACE_ID"


@attrs.frozen
class _Options:
    """A client's or view's settings, and what is derived from them once, not per call.

    Build it with :meth:`of`, change it with :meth:`changed`: both derive the rest again, so
    the derived fields can never disagree with the settings (``attrs.evolve`` alone would
    copy them unchanged).
    """

    base_url: URL
    workspace: str | None
    timeout: Timeout
    user_agent: str
    base_path: str
    headers: dict[str, str]
    scoped_headers: dict[str, str] | None

    @classmethod
    def of(cls, base_url: URL, workspace: str | None, timeout: Timeout, user_agent: str) -> Self:
        """The options of these settings."""
        # Lower-cased once here: a Request copies them per call without converting again.
        headers = lowered({"accept": "application/json", "user-agent": user_agent})
        scoped = None if workspace is None else lowered({**headers, "en-workspace": workspace})
        path = base_url.path.rstrip("/")
        return cls(base_url, workspace, timeout, user_agent, path, headers, scoped)

    def changed(self, **settings: Any) -> Self:
        """These options with some settings (``workspace=``, ``timeout=``) changed."""
        current = {
            "base_url": self.base_url,
            "workspace": self.workspace,
            "timeout": self.timeout,
            "user_agent": self.user_agent,
        }
        return self.of(**{**current, **settings})


class EnspaceClient(ResourceAccess):
    """An async client for the ENSPACE API.

    Use it as an async context manager, or call :meth:`aclose` when done::

        async with EnspaceClient("en.xxx", workspace="acme") as client:
            async for item in client.items.list("contracts"):
                print(item.reference)

    Args:
        api_key: the ``x-api-key`` value; required.
        workspace: the workspace slug sent as ``en-workspace`` on workspace-scoped routes.
        base_url: the API root.
        transport: how requests are sent; an :class:`AiohttpTransport` by default.
        timeout: seconds (for the whole attempt) or a :class:`Timeout`.
        middlewares: ``(request, call_next)`` callables, outermost first.
        user_agent: your product's name, put in front of ``enspace-async/<version>``.
        allow_insecure_http: permit ``http://`` to hosts that are not loopback.
        retry: a :class:`RetryPolicy`, a number of attempts, or ``None`` for no retries.
        retry_budget: where the retry budget lives (a :class:`LocalRetryBudget` of
            ``retry.budget`` tokens by default; share one to share the budget).
        rate_limit: a :class:`RateLimiter` (share one between clients of the same key), a
            ceiling in requests per second, or ``None`` to adapt from 429s only.
        max_in_flight: the most attempts on the wire at once; by default the transport's
            ``pool_size``; ``0`` for no cap.
        hooks: :class:`Hooks` called around every attempt, for tracing.
        telemetry: traces and metrics of every call: an
            :class:`enspace_async.otel.OpenTelemetry` (the ``otel`` extra); ``None``: off.
        sleep: the coroutine used to wait (tests inject a fake one).
        clock: the monotonic clock used by retries and the limiter (tests inject one).

    Raises:
        ConfigurationError: an argument is missing or wrong (the message names it).
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        workspace: str | None = None,
        base_url: str | URL = DEFAULT_BASE_URL,
        transport: Transport | None = None,
        timeout: Timeout | float | None = DEFAULT_TIMEOUT,
        middlewares: Sequence[Middleware] = (),
        user_agent: str | None = None,
        allow_insecure_http: bool = False,
        retry: RetryPolicy | int | None = RetryPolicy(),  # noqa: B008 - immutable
        retry_budget: RetryBudget | None = None,
        rate_limit: RateLimiter | float | None = None,
        max_in_flight: int | None = None,
        hooks: Hooks | None = None,
        telemetry: Telemetry | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
    ):
        foreign = None if isinstance(api_key, str | None) else type(api_key).__name__
        key = Secret(api_key if isinstance(api_key, str) else "")
        del api_key  # out of this frame's locals, which a traceback may print (capture_locals)
        _arguments.check_key(key, foreign)
        _arguments.check_parts(
            transport, middlewares, allow_insecure_http, retry_budget, hooks, sleep, clock
        )
        check_telemetry(telemetry)
        self._options = _Options.of(
            base_url=parse_base_url(base_url, allow_insecure_http=allow_insecure_http),
            workspace=_arguments.check_workspace(workspace),
            timeout=Timeout.of(timeout),
            user_agent=_arguments.user_agent(user_agent),
        )
        self._session = Session(
            key,
            transport or AiohttpTransport(),
            middlewares,
            base_url=self._options.base_url,
            retry=_arguments.retry_policy(retry),
            retry_budget=retry_budget,
            limiter=_arguments.limiter(rate_limit),
            max_in_flight=_arguments.max_in_flight(max_in_flight),
            hooks=hooks,
            telemetry=telemetry,
            sleep=sleep,
            clock=clock,
        )
        self._owner = True
        self._home = _Home()

    @classmethod
    def from_env(cls, **overrides: Any) -> EnspaceClient:
        """Build a client from ``ENSPACE_API_KEY``, ``ENSPACE_API_URL`` and
        ``ENSPACE_WORKSPACE_ID``; keyword arguments win over the environment."""
        # No local holds the key, so a traceback printed with its frames' locals cannot show it.
        url = {"base_url": os.environ[_ENV_URL]} if os.environ.get(_ENV_URL) else {}
        return cls(
            **{
                "api_key": os.environ.get(ENV_KEY),
                "workspace": os.environ.get(_ENV_WORKSPACE) or None,
                **url,
                **overrides,
            }
        )

    def _view(self, **changes: Any) -> Self:
        view = object.__new__(type(self))
        view._options = self._options.changed(**changes)
        view._session = self._session
        view._owner = False
        view._home = self._home
        return view

    def with_workspace(self, workspace: str) -> Self:
        """Return a view on another workspace that shares this client's session and limits."""
        return self._view(workspace=_arguments.check_workspace(workspace))

    def with_options(self, *, timeout: Timeout | float | None) -> Self:
        """Return a view with other per-call options that shares this client's session."""
        return self._view(timeout=Timeout.of(timeout))

    @property
    def with_raw_response(self) -> RawResponses:
        """The resources again, each call returning a :class:`RawResponse` (status, headers,
        ``request_id``) whose ``parse()`` is the typed result:
        ``await client.with_raw_response.items.get("contracts", "C-1")``."""
        return RawResponses(self)

    @property
    def workspace(self) -> str | None:
        """The workspace slug sent on workspace-scoped routes."""
        return self._options.workspace

    @property
    def base_url(self) -> URL:
        """The API root."""
        return self._options.base_url

    @property
    def stats(self) -> ClientStats:
        """Counters of this client and all its views (requests, attempts, retries, ...)."""
        return self._session.stats

    @property
    def _telemetry(self) -> Binding | None:
        """The telemetry binding of the session (``None`` without ``telemetry=``)."""
        return self._session.telemetry

    @property
    def rate_limiter(self) -> RateLimiter:
        """The rate limiter every call of this client and its views passes."""
        return self._session.limiter

    @property
    def closed(self) -> bool:
        """Whether the session was closed."""
        return self._session.closed

    def __repr__(self) -> str:
        options = getattr(self, "_options", None)  # absent while __init__ runs or if it failed
        if options is None:
            return "<EnspaceClient (not initialised)>"
        return f"<EnspaceClient {options.base_url} workspace={options.workspace!r}>"

    async def __aenter__(self) -> Self:
        self._check_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the session and its connections; a view leaves the root client's session open.

        Raises:
            WrongEventLoopError: the client's own event loop still runs: close it there.
        """
        if self._owner:
            self._home.check_closing()
            await self._session.aclose()

    def _check_open(self) -> None:
        if self._session.closed:
            raise ClientClosedError("this EnspaceClient is closed; create a new one")
        self._home.check()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        into: Any = None,
        workspace_scoped: bool = True,
    ) -> Any:
        """Call any endpoint: the escape hatch for routes the SDK does not wrap yet.

        Args:
            method: the HTTP method.
            path: the path from the API root, already encoded (``"/c-flow-items"``).
            params: query parameters; lists repeat the parameter.
            json: a JSON-able body (models allowed).
            into: a type to decode into (``list[Item]``); without it, the parsed JSON.
            workspace_scoped: send the ``en-workspace`` header.

        Returns:
            The decoded model, the parsed JSON, or ``None`` for an empty body.
        """
        _arguments.check_call(method, path, into, workspace_scoped)
        custom = Route("custom", method.upper(), path, workspace_scoped)
        return await self._exchange(custom, path, encode_params(params), json, into)

    def _call(
        self,
        name: str,
        path_values: Mapping[str, str | int] | None = None,
        *,
        query: Query | None = None,
        json: Any = None,
        into: Any = None,
    ) -> Awaitable[Any]:
        """Call the route ``name`` of the route table; the path every resource method takes.

        Typed for its callers by :class:`~enspace_async._caller.Caller` (``into=Item`` gives
        an ``Item``), the only type they see the client as. A plain function handing back
        the exchange to await (one coroutine less per call); a wrong path value raises here.
        """
        target = route(name)
        path = target.fill(path_values or {})
        return self._exchange(target, path, query or [], json, into)

    async def _exchange(self, target: Route, path: str, query: Query, json: Any, into: Any) -> Any:
        request = self._request(target, path, query, json)
        try:
            response = await self._session.handler(request)
            if not response.is_success:
                raise _error(request, response)
            return _decode(response, into)
        except EnspaceError as error:
            # The only text in an error the SDK did not write is the server's: redact the key
            # and the request's secrets, in case the server echoed them.
            scrub(error, self._secrets(request))
            raise

    def _request(self, target: Route, path: str, query: Query, json: Any) -> Request:
        self._check_open()
        options = self._options
        shared = options.scoped_headers if target.workspace_scoped else options.headers
        if shared is None:
            raise _unscoped(target)
        # A copy (no conversion: already lower-cased), so the shared dicts stay untouched.
        headers = lowered(shared)
        content = None
        if json is not None:
            content = _body(json)
            headers["content-type"] = "application/json"
        url = options.base_url.with_path(options.base_path + path, encoded=True)
        if query:
            url = url.with_query(query)
        return Request(target.method, url, headers, content, options.timeout, target.name)

    def _secrets(self, request: Request) -> list[str]:
        return [self._session.api_key.reveal(), *_body_secrets(request.content)]


class _Home:
    """The event loop a client and its views belong to: the first one that used them.

    Its connections, limiter and locks are bound to that loop, so any other gets a clear
    :class:`WrongEventLoopError` before anything is sent. One identity test per call.
    """

    __slots__ = ("loop",)

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None

    def check(self) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self.loop:
            if self.loop is not None:
                raise _wrong_loop(self.loop)
            self.loop = loop

    def check_closing(self) -> None:
        # Closing from another loop is fine once the client's own is gone: the transport
        # closed its session as that loop ended, and nothing else is left to release.
        if self.loop is not None and not self.loop.is_closed():
            self.check()


def _wrong_loop(home: asyncio.AbstractEventLoop) -> WrongEventLoopError:
    state = "has closed" if home.is_closed() else "still runs"
    return WrongEventLoopError(
        f"this client belongs to another event loop (which {state}): create one client "
        "per loop, or use SyncEnspaceClient from threads"
    )


def _unscoped(target: Route) -> ConfigurationError:
    return ConfigurationError(
        f"{target.name} is workspace-scoped: pass workspace= to EnspaceClient, set "
        f"{_ENV_WORKSPACE}, or use client.with_workspace(slug)"
    )


def _body(json: Any) -> bytes:
    try:
        return dumps(json)
    except ConfigurationError as exc:
        error = ConfigurationError(f"json: {exc}")
    raise error


def _error(request: Request, response: Response) -> APIError:
    error = error_from_response(response.status, response.headers, response.content)
    if not may_resend(request.method, response):
        error.add_note(f"the {request.method} may have been applied: outcome unknown")
    return error


def _body_secrets(content: bytes | None) -> list[str]:
    # The values of secret-looking keys (api_key, token...) in a JSON body, to redact.
    try:
        stack = [orjson.loads(content)] if content else []
    except orjson.JSONDecodeError:
        return []
    found: list[str] = []
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            found += [v for k, v in value.items() if isinstance(v, str) and looks_secret(k)]
            stack += value.values()
        elif isinstance(value, list):
            stack += value
    return found


def _decode(response: Response, into: Any) -> Any:
    if into is None and not response.content.strip():
        return None
    value = loads(response.content)
    return value if into is None else structure(value, into)
