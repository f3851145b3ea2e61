"""Transports: how requests reach the network (or a test double)."""

from ._aiohttp import AiohttpTransport
from ._base import Transport
from ._mock import MockTransport

__all__ = ["AiohttpTransport", "MockTransport", "Transport"]
