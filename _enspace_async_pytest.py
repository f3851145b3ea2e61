"""pytest fixtures for code that uses enspace-async, registered by the ``pytest11`` entry point.

- ``enspace_emulator``: a started :class:`~enspace_async.testing.EnspaceEmulator` (seed 0,
  workspace ``"acme"``), stopped after the test.
- ``enspace_client``: an :class:`~enspace_async.EnspaceClient` on that emulator's default
  workspace, closed after the test.

Both are pytest-asyncio fixtures (``pip install "enspace-async[testing]"``) and work in its
``strict`` and ``auto`` modes: in strict mode an ``async def`` test that requests one of them,
directly or through another fixture, is marked ``asyncio`` here, since it can only run on
asyncio. Other tests are left as they are.

This module sits outside the ``enspace_async`` package, as hypothesis's
``_hypothesis_pytestplugin`` does, because pytest imports every installed plugin at start-up:
importing the package would cost every pytest run in the environment ~0.3 s. The fixtures import
the SDK when a test first uses them.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Generator
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    from enspace_async import EnspaceClient
    from enspace_async.testing import EnspaceEmulator

__all__ = ["enspace_client", "enspace_emulator"]

FIXTURES = frozenset({"enspace_emulator", "enspace_client"})
MISSING = (
    "the enspace_emulator and enspace_client fixtures need pytest-asyncio: "
    'pip install "enspace-async[testing]"'
)


def _needs_pytest_asyncio(function: Callable[..., Any]) -> Any:
    """Stand in for ``pytest_asyncio.fixture``: a fixture that says what to install."""

    @pytest.fixture(name=function.__name__)
    def missing() -> NoReturn:
        pytest.fail(MISSING, pytrace=False)

    return missing


def _async_fixture() -> Callable[[Callable[..., Any]], Any]:
    try:
        import pytest_asyncio
    except ImportError:
        return _needs_pytest_asyncio
    return pytest_asyncio.fixture


async_fixture = _async_fixture()


@async_fixture
async def enspace_emulator() -> AsyncIterator[EnspaceEmulator]:
    """A started emulator, stopped after the test."""
    from enspace_async.testing import EnspaceEmulator

    async with EnspaceEmulator(seed=0) as emulator:
        yield emulator


@async_fixture
async def enspace_client(enspace_emulator: EnspaceEmulator) -> AsyncIterator[EnspaceClient]:
    """A client on the emulator's default workspace, closed after the test."""
    async with enspace_emulator.client() as client:
        yield client


@pytest.hookimpl(wrapper=True, trylast=True)  # inside pytest-asyncio's wrapper: it reads the mark
def pytest_pycollect_makeitem(
    collector: pytest.Module | pytest.Class, name: str, obj: object
) -> Generator[None, object, object]:
    """Mark the ``async def`` tests that use the fixtures ``asyncio``, for strict mode."""
    collected = yield
    if async_fixture is _needs_pytest_asyncio:
        return collected
    for item in collected if isinstance(collected, list) else [collected]:
        if (
            isinstance(item, pytest.Function)
            and inspect.iscoroutinefunction(item.obj)
            and FIXTURES.intersection(item.fixturenames)
            and item.get_closest_marker("asyncio") is None
        ):
            item.add_marker(pytest.mark.asyncio)
    return collected
