"""The transport interface: the only thing the SDK needs from an HTTP library."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from .._http import Request, Response

__all__ = ["Transport"]


@runtime_checkable
class Transport(Protocol):
    """Sends one request and returns the whole response.

    An implementation reads the full body before returning, raises only
    :class:`~enspace_async.TransportError` subclasses for failures, and lets
    :class:`asyncio.CancelledError` through untouched.
    """

    async def send(self, request: Request) -> Response:
        """Send ``request`` and return its response, body read in full."""
        ...

    async def aclose(self) -> None:
        """Release connections; the transport is not used again."""
        ...
