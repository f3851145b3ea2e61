"""The event loop a sync client runs its async client on, and the hand-over of calls to it.

One :class:`Portal` per :class:`~enspace_async.SyncEnspaceClient` (shared by its views): it
starts, on first use, one event loop in a daemon thread, and every call from any thread is
handed to that loop as a task. So all the threads of a worker share one async client: one
connection pool, one rate limiter, one retry budget. The async client only ever sees this loop.

After ``os.fork()`` the child keeps the parent's loop and client untouched (they hold the
parent's sockets and its epoll instance, which the child shares: closing them here would
unregister or write on the parent's connections). It builds its own client and loop instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import weakref
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from .._errors import ClientClosedError, ConfigurationError

if TYPE_CHECKING:
    from .._client import EnspaceClient

__all__ = ["Portal"]

T = TypeVar("T")
# How long a waiting thread sleeps between checks that the loop thread is still alive, and
# how long an interrupted call may take to unwind on the loop before the caller gives up.
_POLL, _UNWIND = 5.0, 10.0
_PORTALS: weakref.WeakSet[Portal] = weakref.WeakSet()
# The parent's loops and clients, in a forked child: referenced forever, never used or closed.
_INHERITED: list[object] = []


class _Call:
    """One coroutine handed to the loop; its caller waits until ``done`` is released.

    A bare lock, not a ``concurrent.futures.Future``: a future's condition variable costs
    more CPU per call than the rest of the hand-over.
    """

    __slots__ = ("abandoned", "coro", "done", "error", "result", "settled", "task")

    def __init__(self, coro: Coroutine[Any, Any, Any]):
        self.coro = coro
        self.done = threading.Lock()
        self.done.acquire()
        self.abandoned = False  # the caller stopped waiting (Ctrl-C) before it started
        self.task: asyncio.Task[Any] | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.settled = False  # the outcome is in (set just before ``done`` is released)

    def begin(self, loop: asyncio.AbstractEventLoop, refused: BaseException | None) -> None:
        """On the loop: start the coroutine as a task (or drop it, and say why)."""
        if refused is not None or self.abandoned:
            self.coro.close()
            self.error = refused or asyncio.CancelledError()
            self.settled = True
            self.done.release()
        else:
            self.task = loop.create_task(self.coro)
            self.task.add_done_callback(self.settle)

    def settle(self, task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            self.error = asyncio.CancelledError()
        elif (error := task.exception()) is not None:
            self.error = error
        else:
            self.result = task.result()
        self.settled = True
        self.done.release()

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()


class _Loop:
    """An event loop in a daemon thread, and the async client that lives on it."""

    def __init__(self, client: EnspaceClient):
        self.client = client
        self.pid = os.getpid()
        self.closing = False
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._serve, name="enspace-sync-loop", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
            self.loop.run_until_complete(self._shutdown())
        finally:
            self.loop.close()

    async def _shutdown(self) -> None:
        """Cancel the calls still running, then close the client's session."""
        tasks = asyncio.all_tasks() - {asyncio.current_task()}
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.client.aclose()
        await self.loop.shutdown_asyncgens()
        with contextlib.suppress(RuntimeError):  # no new thread to join it at interpreter exit
            await self.loop.shutdown_default_executor()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the loop and wait; an interrupt while waiting cancels it there."""
        call = _Call(coro)
        try:
            self.loop.call_soon_threadsafe(self._begin, call)
        except RuntimeError:  # the loop is closed
            coro.close()
            raise _closed() from None
        try:
            self._wait(call)
        except BaseException:  # Ctrl-C (or another interrupt) in this thread
            self._abandon(call)
            raise
        error, call.error = call.error, None  # no cycle through the traceback
        if error is None:
            return call.result  # type: ignore[no-any-return]
        if isinstance(error, asyncio.CancelledError) and self.closing:
            closed = _closed("the client was closed while this call ran; a write may have applied")
            closed.sent = True
            raise closed from None
        raise error

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Start ``coro`` on the loop without waiting (cleanup from a finalizer)."""
        if self.pid != os.getpid() or self.closing:
            coro.close()
            return
        try:
            self.loop.call_soon_threadsafe(self._begin, _Call(coro))
        except RuntimeError:
            coro.close()

    def _begin(self, call: _Call) -> None:
        call.begin(self.loop, _closed() if self.closing else None)

    def _abandon(self, call: _Call) -> None:
        """Cancel ``call`` on the loop and wait (boundedly) until it has unwound."""
        call.abandoned = True  # if it has not started yet, it never will
        if call.settled or not self.thread.is_alive():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            self.loop.call_soon_threadsafe(call.cancel)
        if call.done.acquire(timeout=_UNWIND):
            call.done.release()

    def _wait(self, call: _Call) -> None:
        while not call.done.acquire(timeout=_POLL):
            if not self.thread.is_alive():  # stopped under us (interpreter exit)
                raise _closed()

    def stop(self) -> None:
        """Stop the loop: cancel running calls, close the session, end the thread."""
        if self.closing or self.pid != os.getpid():
            return
        self.closing = True
        if threading.current_thread() is self.thread:  # closed from a callback on the loop
            self.loop.stop()
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


class Portal:
    """Where the calls of a sync client and its views run: one async client on one loop.

    Args:
        build: makes the async client (again in a forked child).
        follows_fork: whether ``build`` may run again in a forked child; ``False`` when the
            caller passed in objects (a transport) that may hold the parent's connections.
    """

    def __init__(self, build: Callable[[], EnspaceClient], *, follows_fork: bool = True):
        self._build = build
        self._follows_fork = follows_fork
        self._lock = threading.Lock()
        self._client: EnspaceClient | None = build()  # None: closed, or not built in this process
        self._last = self._client  # for reading settings and counters after close
        self._loop: _Loop | None = None
        self._running: list[_Loop] = []  # what the finalizer stops
        self.closed = False
        # Bumped when a fork leaves the loop behind: iterators made before are the parent's.
        self.generation = 0
        weakref.finalize(self, _stop, self._running)
        _PORTALS.add(self)

    def client(self) -> EnspaceClient:
        """The async client of this process; refuses inside a running event loop."""
        if asyncio._get_running_loop() is not None:
            raise ConfigurationError(
                "SyncEnspaceClient cannot be called from inside a running event loop (it would "
                "block the loop, or deadlock on its own): use EnspaceClient and await its "
                "methods in async code"
            )
        client = self._client
        return client if client is not None else self._rebuild()

    def last(self) -> EnspaceClient:
        """The async client most recently built, even if closed (for settings and stats)."""
        return self._last

    def run(self, coro: Coroutine[Any, Any, T], generation: int | None = None) -> T:
        """Run ``coro`` on the loop and return its result in the calling thread."""
        if generation is not None and generation != self.generation:
            coro.close()
            raise ConfigurationError(
                "this iterator was created before os.fork(), in the parent process: "
                "create it again in this process"
            )
        loop = self._loop or self._start()
        if loop is None:
            coro.close()
            raise _closed()
        return loop.run(coro)

    def spawn(self, coro: Coroutine[Any, Any, Any], generation: int) -> None:
        """Start ``coro`` on the loop without waiting; dropped if it cannot run here."""
        loop = self._loop
        if loop is None or generation != self.generation:
            coro.close()
        else:
            loop.spawn(coro)

    def close(self) -> None:
        """Close the async client and stop the loop thread; later calls raise."""
        with self._lock:
            self.closed = True
            self._client, loop, self._loop = None, self._loop, None
            self._running.clear()
        if loop is not None:
            loop.stop()

    def _start(self) -> _Loop | None:
        with self._lock:
            if self._loop is None and not self.closed:
                self._loop = _Loop(self._rebuild_locked())
                self._running.append(self._loop)
            return self._loop

    def _rebuild(self) -> EnspaceClient:
        with self._lock:
            return self._rebuild_locked()

    def _rebuild_locked(self) -> EnspaceClient:
        if self.closed:
            raise _closed()
        if self._client is None:
            if not self._follows_fork:
                raise ConfigurationError(
                    "this SyncEnspaceClient was given transport= and used before os.fork(); "
                    "that transport may hold the parent's connections: create the client in "
                    "the child process (after the fork), or let the SDK build its transport"
                )
            self._client = self._last = self._build()
        return self._client

    def _forked(self) -> None:
        """In a forked child: set the parent's loop and client aside, start afresh on use."""
        self._lock = threading.Lock()  # another thread may have held it at the fork
        if self._loop is None:  # not used before the fork: the parent opened nothing to share
            return
        _INHERITED.append((self._loop, self._client))
        self._client, self._loop = None, None
        self._running.clear()
        self.generation += 1


def _closed(
    message: str = "this SyncEnspaceClient is closed; create a new one",
) -> ClientClosedError:
    return ClientClosedError(message)


def _stop(running: list[_Loop]) -> None:
    """The finalizer: the portal was collected, or the interpreter exits."""
    for loop in running:
        loop.stop()


def _after_fork_in_child() -> None:
    for portal in list(_PORTALS):
        portal._forked()


os.register_at_fork(after_in_child=_after_fork_in_child)
