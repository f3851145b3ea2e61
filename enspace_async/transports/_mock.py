"""A transport that answers from a function: for unit tests without a network."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson

from .._http import Request, Response

__all__ = ["MockTransport"]

MockHandler = Callable[[Request], Response | Awaitable[Response]]


class MockTransport:
    """Answer every request with ``handler(request)``, a sync or async function.

    Example::

        def handler(request):
            return MockTransport.reply(request, json=[{"id": 1, "reference": "ABC1"}])

        client = EnspaceClient("en.key", workspace="acme", transport=MockTransport(handler))
    """

    def __init__(self, handler: MockHandler):
        self._handler = handler
        self.closed = False

    async def send(self, request: Request) -> Response:
        """Return what the handler gives for ``request``."""
        result = self._handler(request)
        if inspect.isawaitable(result):
            return await result
        return result

    async def aclose(self) -> None:
        """Mark the transport closed."""
        self.closed = True

    @staticmethod
    def reply(
        request: Request,
        status: int = 200,
        *,
        json: Any = None,
        content: bytes = b"",
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Build a response to ``request``; ``json`` is encoded when given."""
        all_headers = {"content-type": "application/json", **(headers or {})}
        body = orjson.dumps(json) if json is not None else content
        return Response(status=status, headers=all_headers, content=body, request=request)
