"""Raw responses: the status, headers and request id of any call, with its typed result.

``client.with_raw_response`` offers the client's resources (and :meth:`request`) again; each
coroutine method there returns a :class:`RawResponse` instead of the typed result::

    raw = await client.with_raw_response.items.get("contracts", "C-1")
    raw.status, raw.request_id, raw.headers["x-ratelimit-remaining"]
    item = raw.parse()                      # the Item that items.get returns

Each call runs on its own view of the client, whose session stand-in keeps that call's last
answer, so concurrent calls never see each other's response (there is no ``last_response``
attribute to overwrite) and a client used without it pays nothing. An error answer still
raises the typed error (it carries ``status`` and ``request_id``); a 2xx body that does not
decode is handed back, and :meth:`RawResponse.parse` raises the :class:`DecodeError`.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar, cast

import attrs

from ._errors import ConfigurationError, DecodeError
from ._http import Request, Response
from ._resources import ResourceAccess
from ._session import StandIn, Viewable

__all__ = ["RawResponse", "RawResponses"]

T = TypeVar("T")
_RESOURCES = frozenset(name for name in vars(ResourceAccess) if not name.startswith("_"))


@attrs.frozen(repr=False)
class RawResponse(Generic[T]):
    """The HTTP answer of one call, and its typed result.

    Attributes:
        status: the HTTP status code.
        headers: the response headers, names in lower case.
        content: the body as received.
        request_id: the ``x-request-id`` header, when the server sent one.
    """

    status: int
    headers: Mapping[str, str]
    content: bytes
    request_id: str | None
    _result: T | None = None
    _error: DecodeError | None = None

    def parse(self) -> T:
        """Return the typed result, what the call returns without ``with_raw_response``.

        Raises:
            DecodeError: the 2xx body did not fit the model.
        """
        if self._error is not None:
            raise self._error
        return cast(T, self._result)

    def __repr__(self) -> str:
        return f"<RawResponse {self.status} request_id={self.request_id!r}>"


def _raw(
    response: Response, result: Any = None, error: DecodeError | None = None
) -> RawResponse[Any]:
    headers = response.headers
    return RawResponse(
        response.status, headers, response.content, headers.get("x-request-id"), result, error
    )


class _Capture(StandIn):
    """The session of one raw call: the client's own, keeping the last answer it got."""

    response: Response | None = None

    async def handler(self, request: Request) -> Response:
        self.response = await self._session.handler(request)
        return self.response


async def _capture(
    client: Viewable, label: str, call: Callable[[Any], Awaitable[Any]]
) -> RawResponse[Any]:
    capture = _Capture(client._session)
    try:
        result = await call(capture.view(client))
    except DecodeError as error:
        if capture.response is None:
            raise
        return _raw(capture.response, error=error)
    if capture.response is None:
        raise ConfigurationError(
            f"with_raw_response.{label} sent no request (its arguments match nothing), so "
            "there is no response to show: call it without with_raw_response"
        )
    return _raw(capture.response, result)


class _RawResource:
    """One resource of :class:`RawResponses`."""

    def __init__(self, client: Viewable, name: str):
        self._client, self._name = client, name

    def __repr__(self) -> str:
        return f"<raw {self._name} of {self._client!r}>"

    def __getattr__(self, method: str) -> Callable[..., Awaitable[RawResponse[Any]]]:
        label = f"{self._name}.{method}"
        resource = getattr(self._client, self._name)
        if not inspect.iscoroutinefunction(getattr(type(resource), method, None)):
            raise ConfigurationError(
                f"with_raw_response.{label} is not a call that sends one request: use "
                f"client.{label} (lists and exports send one per page)"
            )

        def call(*args: Any, **kwargs: Any) -> Awaitable[RawResponse[Any]]:
            return _capture(
                self._client,
                label,
                lambda view: getattr(getattr(view, self._name), method)(*args, **kwargs),
            )

        return call


class RawResponses:
    """``client.with_raw_response``: the client's resources, each call giving a RawResponse."""

    def __init__(self, client: Viewable):
        self._client = client

    def __repr__(self) -> str:
        return f"<with_raw_response of {self._client!r}>"

    def __getattr__(self, name: str) -> _RawResource:
        if name not in _RESOURCES:
            raise AttributeError(f"with_raw_response has no resource {name!r}")
        return _RawResource(self._client, name)

    async def request(self, method: str, path: str, **kwargs: Any) -> RawResponse[Any]:
        """:meth:`EnspaceClient.request`, returning a :class:`RawResponse`."""
        return await _capture(
            self._client, "request", lambda view: view.request(method, path, **kwargs)
        )
