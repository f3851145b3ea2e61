"""What the generated sync faces stand on: the client binding and the resource base."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

if TYPE_CHECKING:
    from .._client import EnspaceClient
    from ._portal import Portal

__all__ = ["Derive", "SyncBase", "SyncResource", "same_arguments"]

P = ParamSpec("P")
S = TypeVar("S")
T = TypeVar("T")
# How a view is made from the root async client (``lambda c: c.with_workspace("acme")``).
Derive = Callable[["EnspaceClient"], "EnspaceClient"]


def _same(client: EnspaceClient) -> EnspaceClient:
    return client


class SyncBase:
    """A sync client or view: a portal, and how to find its async client in this process."""

    _portal: Portal
    _derive: Derive
    _owner: bool  # the root client (closing it closes the portal), not a view
    _bound: tuple[EnspaceClient, EnspaceClient]  # (root async client, this one's view of it)

    def _bind(self, portal: Portal, derive: Derive | None = None) -> None:
        self._portal, self._owner = portal, derive is None
        self._derive = derive or _same
        root = portal.last()
        self._bound = (root, self._derive(root))

    @property
    def _view(self) -> EnspaceClient:
        """The async view, for reading settings (no checks: it may be closed or inherited)."""
        return self._bound[1]

    def _current(self) -> EnspaceClient:
        """The async client (or view) to call; checks the thread, closing and forks."""
        root, bound = self._portal.client(), self._bound
        if bound[0] is not root:  # the first call in a forked child
            # One attribute, swapped whole: another thread never pairs a new root with an old view.
            bound = self._bound = (root, self._derive(root))
        return bound[1]

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._portal.run(coro)


class SyncResource:
    """A group of endpoints of a sync client (or view): each call runs on the client's loop."""

    def __init__(self, client: SyncBase):
        self._client = client
        self._portal = client._portal

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._portal.run(coro)


def same_arguments(
    _: Callable[Concatenate[Any, P], Any],
) -> Callable[[Callable[Concatenate[S, ...], T]], Callable[Concatenate[S, P], T]]:
    """Give the decorated method the parameters of another (for type checkers); no-op at runtime."""

    def decorate(method: Callable[Concatenate[S, ...], T]) -> Callable[Concatenate[S, P], T]:
        method.__signature__ = inspect.signature(_)  # type: ignore[attr-defined]  # for help()
        return method

    return decorate
