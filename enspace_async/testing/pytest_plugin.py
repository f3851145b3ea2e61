"""pytest fixtures for testing code that uses enspace-async, registered by the ``pytest11`` entry
point when the package is installed.

- ``enspace_emulator``: a started :class:`~enspace_async.testing.EnspaceEmulator` (seed 0,
  workspace ``"acme"``), stopped after the test.
- ``enspace_client``: an :class:`~enspace_async.EnspaceClient` on that emulator's default
  workspace, closed after the test.

Both are async fixtures: they need pytest-asyncio (``asyncio_mode = "auto"``, or mark the tests).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from .._client import EnspaceClient
from ._emulator import EnspaceEmulator

__all__ = ["enspace_client", "enspace_emulator"]

try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - loaded in every pytest run: never break one
    async_fixture: Callable[..., Any] = pytest.fixture
else:
    async_fixture = pytest_asyncio.fixture


@async_fixture
async def enspace_emulator() -> AsyncIterator[EnspaceEmulator]:
    """A started emulator, stopped after the test."""
    async with EnspaceEmulator(seed=0) as emulator:
        yield emulator


@async_fixture
async def enspace_client(enspace_emulator: EnspaceEmulator) -> AsyncIterator[EnspaceClient]:
    """A client on the emulator's default workspace, closed after the test."""
    async with enspace_emulator.client() as client:
        yield client
