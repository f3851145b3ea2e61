"""The seam between the core and a telemetry backend; this module never imports OpenTelemetry.

A client built with ``telemetry=`` (:class:`enspace_async.otel.OpenTelemetry`, or any object
with a ``bind`` method) binds it to its session once. The :class:`Binding` it returns is the
outermost of the SDK's own middlewares, so it sees one logical call (its retries and redirects
included), and brings :class:`~enspace_async.Hooks` that see each attempt: the existing seams,
no second observation path. Two facts that only the retry loop and the rate limiter know reach
the call through :data:`CALL`: the retry delay chosen, and how long the limiter held an attempt
back. Without telemetry nothing is added to the chain, and only those two rare paths (a retry,
a limiter wait) look at :data:`CALL`.

Bulk jobs and exports open a :class:`Parent` span over their calls with :func:`traced` and
:func:`start_parent`; without telemetry these are a do-nothing object.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Iterator, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Protocol

from .._errors import ConfigurationError
from .._http import Handler, Request, Response
from .._observe import Hooks

if TYPE_CHECKING:
    from .._session import Session

__all__ = [
    "CALL",
    "NO_PARENT",
    "Binding",
    "CallTrace",
    "Parent",
    "Telemetry",
    "check_telemetry",
    "merge_hooks",
    "note_retry",
    "note_wait",
    "start_parent",
    "traced",
]

Attributes = Mapping[str, str | int | float]


class CallTrace(Protocol):
    """What a binding records of one logical call, beyond what its hooks see."""

    def retrying(self, delay: float, cause: str) -> None:
        """The attempt that just failed is retried after ``delay`` seconds, for ``cause``."""
        ...

    def waited(self, seconds: float) -> None:
        """The rate limiter held the current attempt back ``seconds``."""
        ...


CALL: ContextVar[CallTrace | None] = ContextVar("enspace_async_call", default=None)
"""The call being traced in this context; set by the binding around each call."""


class Parent(Protocol):
    """A span over many calls (a bulk job, an export)."""

    def current(self) -> contextlib.AbstractContextManager[object]:
        """Make this span the parent of the calls started inside the ``with`` block."""
        ...

    def add(self, attributes: Attributes) -> None:
        """Set more attributes (counts known at the end)."""
        ...

    def end(self, error: BaseException | None = None) -> None:
        """End the span (once; later calls do nothing); ``error`` marks it failed."""
        ...


class Binding(Protocol):
    """A telemetry backend bound to one session: a middleware, hooks, and parent spans."""

    hooks: Hooks

    def __call__(self, request: Request, call_next: Handler) -> Awaitable[Response]:
        """Trace one logical call."""
        ...

    def parent(self, name: str, attributes: Attributes) -> Parent:
        """Start a span over many calls."""
        ...


class Telemetry(Protocol):
    """What ``EnspaceClient(telemetry=...)`` takes."""

    def bind(self, session: Session) -> Binding:
        """Return the binding for one client's session (called once, by the root client)."""
        ...


def check_telemetry(telemetry: object) -> None:
    """Refuse a ``telemetry=`` that cannot be bound."""
    if telemetry is not None and not callable(getattr(telemetry, "bind", None)):
        raise ConfigurationError(
            "telemetry must be an enspace_async.otel.OpenTelemetry() (or any object with a "
            f"bind(session) method), got {type(telemetry).__name__}"
        )


def merge_hooks(hooks: Hooks | None, binding: Binding | None) -> Hooks | None:
    """The user's hooks, then the binding's."""
    if binding is None:
        return hooks
    if hooks is None:
        return binding.hooks
    own = binding.hooks
    return Hooks(
        on_request=(*hooks.on_request, *own.on_request),
        on_response=(*hooks.on_response, *own.on_response),
    )


def note_retry(delay: float, cause: str) -> None:
    """Tell the traced call (if any) that a retry comes after ``delay`` seconds."""
    call = CALL.get()
    if call is not None:
        call.retrying(delay, cause)


def note_wait(seconds: float) -> None:
    """Tell the traced call (if any) that the limiter held its attempt back ``seconds``."""
    call = CALL.get()
    if call is not None:
        call.waited(seconds)


class _NoParent:
    """The parent span of a client without telemetry: nothing at all."""

    def current(self) -> contextlib.AbstractContextManager[object]:
        return contextlib.nullcontext()

    def add(self, attributes: Attributes) -> None:
        return None

    def end(self, error: BaseException | None = None) -> None:
        return None


NO_PARENT: Parent = _NoParent()


def start_parent(binding: Binding | None, name: str, attributes: Attributes) -> Parent:
    """Start a parent span (or nothing, without telemetry); end it with :meth:`Parent.end`."""
    return NO_PARENT if binding is None else binding.parent(name, attributes)


@contextlib.contextmanager
def traced(binding: Binding | None, name: str, attributes: Attributes) -> Iterator[Parent]:
    """A parent span over the ``with`` block, current inside it, failed if the block raises."""
    parent = start_parent(binding, name, attributes)
    try:
        with parent.current():
            yield parent
    except BaseException as exc:
        parent.end(exc)
        raise
    parent.end()
