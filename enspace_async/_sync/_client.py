"""``SyncEnspaceClient``: the blocking face of :class:`~enspace_async.EnspaceClient`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from .._client import EnspaceClient
from ._face import Derive, same_arguments
from ._generated import SyncFaces
from ._portal import Portal

if TYPE_CHECKING:
    from yarl import URL

    from .._http import Timeout
    from .._observe import ClientStats
    from .._ratelimit import RateLimiter

__all__ = ["SyncEnspaceClient"]


class SyncEnspaceClient(SyncFaces):
    """A blocking client for sync code (Celery and RQ tasks, Django views, scripts).

    It takes the arguments of :class:`~enspace_async.EnspaceClient` and offers the same
    resources, each method blocking until it is done::

        with SyncEnspaceClient("en.xxx", workspace="acme") as client:
            for item in client.items.list("contracts"):
                print(item.reference)

    One async client runs on an event loop in a daemon thread that this client owns; calls
    from any number of threads are handed to it, so they share one connection pool, one rate
    limiter and one retry budget. Lists fetch page by page. Bulk jobs call ``on_progress``
    (and read ``rows``) on that loop's thread: keep them quick.

    Create one per process, at module level if you like: after ``os.fork()`` (Celery prefork,
    gunicorn) the child starts its own loop and connections and never touches the parent's.
    Inside async code, use :class:`~enspace_async.EnspaceClient`: calling this client from a
    running event loop raises :class:`ConfigurationError`.

    Raises:
        ConfigurationError: the key is missing or the base URL is malformed.
    """

    @same_arguments(EnspaceClient.__init__)
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        build = _Build(EnspaceClient, args, kwargs)
        self._bind(Portal(build, follows_fork="transport" not in kwargs))

    @classmethod
    def from_env(cls, **overrides: Any) -> Self:
        """Build a client from ``ENSPACE_API_KEY``, ``ENSPACE_API_URL`` and
        ``ENSPACE_WORKSPACE_ID``; keyword arguments win over the environment."""
        client = object.__new__(cls)
        build = _Build(EnspaceClient.from_env, (), overrides)
        client._bind(Portal(build, follows_fork="transport" not in overrides))
        return client

    def _view_of(self, derive: Derive) -> Self:
        view = object.__new__(type(self))
        view._bind(self._portal, derive)
        return view

    def with_workspace(self, workspace: str) -> Self:
        """Return a view on another workspace that shares this client's loop, pool and limits."""
        self._view.with_workspace(workspace)  # refuse a bad slug now, not at the first call
        parent = self._derive
        return self._view_of(lambda root: parent(root).with_workspace(workspace))

    def with_options(self, *, timeout: Timeout | float | None) -> Self:
        """Return a view with other per-call options that shares this client's loop."""
        self._view.with_options(timeout=timeout)
        parent = self._derive
        return self._view_of(lambda root: parent(root).with_options(timeout=timeout))

    @property
    def workspace(self) -> str | None:
        """The workspace slug sent on workspace-scoped routes."""
        return self._view.workspace

    @property
    def base_url(self) -> URL:
        """The API root."""
        return self._view.base_url

    @property
    def stats(self) -> ClientStats:
        """Counters of this client and all its views, in this process."""
        return self._portal.last().stats

    @property
    def rate_limiter(self) -> RateLimiter:
        """The rate limiter every call of this client and its views passes."""
        return self._portal.last().rate_limiter

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._portal.closed

    def __repr__(self) -> str:
        return f"<SyncEnspaceClient {self.base_url} workspace={self.workspace!r}>"

    def __enter__(self) -> Self:
        self._portal.client()  # refuses a closed client, or a running event loop
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the session and stop the loop thread; a view leaves the root client open."""
        if self._owner:
            self._portal.close()


class _Build:
    """Build the async client (again, in a forked child); its repr never shows the key."""

    __slots__ = ("_args", "_factory", "_kwargs")

    def __init__(
        self,
        factory: Callable[..., EnspaceClient],
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
    ):
        self._factory, self._args, self._kwargs = factory, args, dict(kwargs)

    def __call__(self) -> EnspaceClient:
        return self._factory(*self._args, **self._kwargs)

    def __repr__(self) -> str:
        return f"<build {self._factory.__qualname__}(...)>"
