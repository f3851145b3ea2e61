"""The client: settings, the shared session, and the one path every call takes.

``EnspaceClient`` is cheap to copy: :meth:`~EnspaceClient.with_workspace` and
:meth:`~EnspaceClient.with_options` return views that share the root client's session,
connection pool and limits. The root client owns the session; closing it closes every view.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Self

import attrs
from yarl import URL

from ._config import DEFAULT_BASE_URL, Secret, parse_base_url
from ._converter import dumps, loads, structure
from ._errors import ClientClosedError, ConfigurationError, error_from_response
from ._http import Handler, Middleware, Request, Response, Timeout, compose
from ._paging import Query, encode_params
from ._resources import ResourceAccess
from ._routes import Route, route
from ._version import __version__
from .transports import AiohttpTransport, Transport

__all__ = ["EnspaceClient"]

DEFAULT_TIMEOUT = Timeout()
_ENV_KEY, _ENV_URL, _ENV_WORKSPACE = "ENSPACE_API_KEY", "ENSPACE_API_URL", "ENSPACE_WORKSPACE_ID"


class _Session:
    """What a client and all its views share: the transport and the middleware chain."""

    def __init__(self, api_key: Secret, transport: Transport, middlewares: Sequence[Middleware]):
        self.api_key = api_key
        self.transport = transport
        self.closed = False
        self.handler: Handler = compose([*middlewares, self._authenticate], transport.send)

    async def _authenticate(self, request: Request, call_next: Handler) -> Response:
        # Innermost, so user middlewares and hooks never see the key.
        return await call_next(request.with_headers(x_api_key=self.api_key.reveal()))

    async def aclose(self) -> None:
        if not self.closed:
            self.closed = True
            await self.transport.aclose()


@attrs.frozen
class _Options:
    base_url: URL
    workspace: str | None
    timeout: Timeout
    user_agent: str


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

    Raises:
        ConfigurationError: the key is missing or the base URL is malformed.
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
    ):
        if not api_key or not isinstance(api_key, str):
            raise ConfigurationError(f"an API key is required (pass api_key= or set {_ENV_KEY})")
        agent = f"enspace-async/{__version__}"
        self._options = _Options(
            base_url=parse_base_url(base_url, allow_insecure_http=allow_insecure_http),
            workspace=_check_workspace(workspace),
            timeout=Timeout.of(timeout),
            user_agent=f"{user_agent} {agent}" if user_agent else agent,
        )
        self._session = _Session(Secret(api_key), transport or AiohttpTransport(), middlewares)
        self._owner = True

    @classmethod
    def from_env(cls, **overrides: Any) -> EnspaceClient:
        """Build a client from ``ENSPACE_API_KEY``, ``ENSPACE_API_URL`` and
        ``ENSPACE_WORKSPACE_ID``; keyword arguments win over the environment."""
        settings: dict[str, Any] = {
            "api_key": os.environ.get(_ENV_KEY),
            "workspace": os.environ.get(_ENV_WORKSPACE) or None,
        }
        if os.environ.get(_ENV_URL):
            settings["base_url"] = os.environ[_ENV_URL]
        return cls(**{**settings, **overrides})

    def _view(self, **changes: Any) -> Self:
        view = object.__new__(type(self))
        view._options = attrs.evolve(self._options, **changes)
        view._session = self._session
        view._owner = False
        return view

    def with_workspace(self, workspace: str) -> Self:
        """Return a view on another workspace that shares this client's session and limits."""
        return self._view(workspace=_check_workspace(workspace))

    def with_options(self, *, timeout: Timeout | float | None) -> Self:
        """Return a view with other per-call options that shares this client's session."""
        return self._view(timeout=Timeout.of(timeout))

    @property
    def workspace(self) -> str | None:
        """The workspace slug sent on workspace-scoped routes."""
        return self._options.workspace

    @property
    def base_url(self) -> URL:
        """The API root."""
        return self._options.base_url

    @property
    def closed(self) -> bool:
        """Whether the session was closed."""
        return self._session.closed

    def __repr__(self) -> str:
        return f"<EnspaceClient {self.base_url} workspace={self.workspace!r}>"

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
        """Close the session and its connections; a view leaves the root client's session open."""
        if self._owner:
            await self._session.aclose()

    def _check_open(self) -> None:
        if self._session.closed:
            raise ClientClosedError("this EnspaceClient is closed; create a new one")

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
        if not path.startswith("/"):
            raise ConfigurationError(f"path must start with '/', got {path!r}")
        custom = Route("custom", method.upper(), path, workspace_scoped)
        response = await self._send(custom, path, encode_params(params), json)
        return _decode(response, into)

    async def _call(
        self,
        name: str,
        path_values: Mapping[str, str | int] | None = None,
        *,
        query: Query | None = None,
        json: Any = None,
        into: Any = None,
    ) -> Any:
        """Call the route ``name`` of the route table; the path every resource method takes."""
        target = route(name)
        path = target.path(**(path_values or {}))
        return _decode(await self._send(target, path, query or [], json), into)

    async def _send(self, target: Route, path: str, query: Query, json: Any) -> Response:
        self._check_open()
        headers = {"accept": "application/json", "user-agent": self._options.user_agent}
        if target.workspace_scoped:
            headers["en-workspace"] = self._require_workspace(target)
        content = None
        if json is not None:
            content = dumps(json)
            headers["content-type"] = "application/json"
        base = self._options.base_url
        url = base.with_path(base.path.rstrip("/") + path, encoded=True).with_query(query)
        request = Request(
            target.method, url, headers, content, self._options.timeout, route=target.name
        )
        response = await self._session.handler(request)
        if not response.is_success:
            raise error_from_response(response.status, response.headers, response.content)
        return response

    def _require_workspace(self, target: Route) -> str:
        if self._options.workspace is None:
            raise ConfigurationError(
                f"{target.name} is workspace-scoped: pass workspace= to EnspaceClient, set "
                f"{_ENV_WORKSPACE}, or use client.with_workspace(slug)"
            )
        return self._options.workspace


def _check_workspace(workspace: str | None) -> str | None:
    if workspace is None:
        return None
    if not isinstance(workspace, str) or not workspace.strip() or not workspace.isprintable():
        raise ConfigurationError(f"workspace must be a non-empty printable slug, got {workspace!r}")
    return workspace


def _decode(response: Response, into: Any) -> Any:
    if into is None and not response.content.strip():
        return None
    value = loads(response.content)
    return value if into is None else structure(value, into)
