"""The OpenTelemetry binding behind :mod:`enspace_async.otel` (see its docstring)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from opentelemetry import context, metrics, trace
from opentelemetry.propagators.textmap import TextMapPropagator
from opentelemetry.trace import SpanKind, StatusCode

from ._http import Handler, Request, Response
from ._middleware.redirect import same_origin
from ._middleware.telemetry import CALL, Attributes
from ._observe import Attempt, Hooks
from ._otel_metrics import Sources, observe
from ._protocol.routes import ROUTES
from ._version import __version__

if TYPE_CHECKING:
    from yarl import URL

    from ._session import Session

__all__ = ["OpenTelemetry"]

_SCOPE = "enspace_async"
# The stable semantic conventions' advisory buckets for HTTP durations, in seconds.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)


class OpenTelemetry:
    """Trace and measure every call of the clients it is given to (share one freely).

    Args:
        tracer_provider: where spans go; the global one (``trace.set_tracer_provider``) by
            default.
        meter_provider: where metrics go; the global one by default.
        propagator: how the trace context is written into requests to the API; W3C
            ``traceparent``/``tracestate`` by default (not the global propagator, whose
            baggage could carry your data to the API).
    """

    def __init__(
        self,
        *,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
        propagator: TextMapPropagator | None = None,
    ):
        self.tracer = trace.get_tracer(_SCOPE, __version__, tracer_provider)
        meter = metrics.get_meter(_SCOPE, __version__, meter_provider)
        self.duration = meter.create_histogram(
            "http.client.request.duration",
            unit="s",
            description="Duration of logical calls, retries and waits included",
            explicit_bucket_boundaries_advisory=_BUCKETS,
        )
        self.propagator = propagator  # None: W3C trace context, written by _trace_context
        self._sources = Sources()
        observe(meter, self._sources)

    def __repr__(self) -> str:
        return f"<OpenTelemetry {self.tracer!r}>"

    def bind(self, session: Session) -> _Binding:
        """Trace one client's session and count it in the metrics (the client calls this)."""
        self._sources.add(session)
        return _Binding(self, session.base_url)


class _Route:
    """What every call of one route shares: the span name, its constant attributes, and the
    metric attributes of each status seen (built once, not per call)."""

    __slots__ = ("common", "name", "statuses")

    def __init__(self, name: str, common: dict[str, str | int]):
        self.name, self.common = name, common
        self.statuses: dict[int, dict[str, str | int]] = {}

    def metric(self, status: int) -> dict[str, str | int]:
        found = self.statuses.get(status)
        if found is None:
            found = {**self.common, "http.response.status_code": status}
            found["enspace.status_class"] = f"{status // 100}xx"
            if status >= 400:
                found["error.type"] = str(status)
            self.statuses[status] = found
        return found


class _Binding:
    """One session's tracing: the outermost middleware of the SDK's own, and attempt hooks."""

    def __init__(self, owner: OpenTelemetry, base_url: URL):
        self._tracer, self._duration = owner.tracer, owner.duration
        self._propagator = owner.propagator
        self._base_url = base_url
        self._server: dict[str, str | int] = {
            "server.address": base_url.raw_host or "",
            "server.port": base_url.port or 0,
        }
        self._routes: dict[str, _Route] = {}
        self.hooks = Hooks(on_response=[_on_attempt])

    def __repr__(self) -> str:
        return f"<OpenTelemetry binding {self._base_url.origin()}>"

    def _route(self, request: Request) -> _Route:
        key = request.method if request.route == "custom" else request.route
        found = self._routes.get(key)
        if found is None:
            found = self._routes[key] = self._describe(request)
        return found

    def _describe(self, request: Request) -> _Route:
        common = {"http.request.method": request.method, **self._server}
        common["enspace.route"] = request.route
        route = ROUTES.get(request.route)
        if route is None:  # client.request(): a path may hold ids, so it names no span
            return _Route(request.method, common)
        common["url.template"] = route.template
        return _Route(f"{request.method} {route.template}", common)

    async def __call__(self, request: Request, call_next: Handler) -> Response:
        """Trace one logical call: a span, its attempts, its duration."""
        route = self._route(request)
        workspace = request.headers.get("en-workspace")
        attributes = route.common
        if workspace is not None:
            attributes = {**attributes, "enspace.workspace": workspace}
        span = self._tracer.start_span(route.name, kind=SpanKind.CLIENT, attributes=attributes)
        call = _Call(span)
        current = trace.set_span_in_context(span)
        tokens = context.attach(current), CALL.set(call)
        if same_origin(request.url, self._base_url):  # the trace context goes nowhere else
            carrier = _trace_context(span) if self._propagator is None else {}
            if self._propagator is not None:
                self._propagator.inject(carrier, current)
            if carrier:
                request = request.with_headers(**carrier)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        except asyncio.CancelledError:
            # Not a failure of the call (an export drops pages past the count this way): no
            # error status, and no duration of a request that never finished.
            call.span.set_attribute("enspace.cancelled", True)
            call.span.end()
            raise
        except BaseException as exc:
            error = type(exc).__name__
            self._end(call, started, None, {**route.common, "error.type": error}, error)
            raise
        finally:
            CALL.reset(tokens[1])
            context.detach(tokens[0])
        status = response.status
        self._end(
            call, started, status, route.metric(status), str(status) if status >= 400 else None
        )
        return response

    def _end(
        self,
        call: _Call,
        started: float,
        status: int | None,
        metric: dict[str, str | int],
        error: str | None,
    ) -> None:
        self._duration.record(time.perf_counter() - started, metric)
        span = call.span
        if not span.is_recording():  # sampled out: nothing to add
            span.end()
            return
        call.flush()
        ending: dict[str, str | int | float] = {
            "enspace.attempts": call.attempts,
            "enspace.limiter_wait_s": call.limiter_wait,
        }
        if status is not None:
            ending["http.response.status_code"] = status
        if error is not None:
            ending["error.type"] = error
            span.set_status(StatusCode.ERROR)
        span.set_attributes(ending)
        span.end()

    def parent(self, name: str, attributes: Attributes) -> _Parent:
        """Start a span over many calls (a bulk job, an export)."""
        return _Parent(self._tracer.start_span(name, attributes=attributes))


def _trace_context(span: trace.Span) -> dict[str, str]:
    """The W3C ``traceparent`` (and ``tracestate``) of ``span``, as
    ``TraceContextTextMapPropagator`` writes them, in a quarter of its time."""
    context_ = span.get_span_context()
    if not context_.is_valid:
        return {}
    ids = f"{context_.trace_id:032x}-{context_.span_id:016x}-{context_.trace_flags:02x}"
    headers = {"traceparent": f"00-{ids}"}
    if context_.trace_state:
        headers["tracestate"] = context_.trace_state.to_header()
    return headers


class _Call:
    """One traced call: its span, and the attempt whose event waits for the retry decision."""

    __slots__ = ("attempts", "limiter_wait", "pending", "span")

    def __init__(self, span: trace.Span):
        self.span = span
        self.attempts = 0
        self.limiter_wait = 0.0
        self.pending: tuple[dict[str, str | int | float], int] | None = None

    def attempt(self, attempt: Attempt) -> None:
        self.flush()
        self.attempts += 1
        outcome: dict[str, str | int | float] = {
            "enspace.attempt": attempt.number,
            "enspace.attempt.duration_s": attempt.elapsed,
        }
        if attempt.response is not None:
            outcome["http.response.status_code"] = attempt.response.status
        else:
            outcome["error.type"] = type(attempt.error).__name__
        self.pending = outcome, time.time_ns()

    def retrying(self, delay: float, cause: str) -> None:
        if self.pending is not None:
            self.pending[0].update({"enspace.retry.delay_s": delay, "enspace.retry.cause": cause})
        self.flush()

    def waited(self, seconds: float) -> None:
        self.limiter_wait += seconds

    def flush(self) -> None:
        if self.pending is not None:
            outcome, at = self.pending
            self.pending = None
            self.span.add_event("enspace.attempt", outcome, timestamp=at)


def _on_attempt(attempt: Attempt) -> None:
    call = CALL.get()
    if isinstance(call, _Call) and call.span.is_recording():
        call.attempt(attempt)


class _Parent:
    """A span over many calls; see :class:`enspace_async._telemetry.Parent`."""

    def __init__(self, span: trace.Span):
        self._span = span
        self._ended = False

    @contextlib.contextmanager
    def current(self) -> Iterator[object]:
        token = context.attach(trace.set_span_in_context(self._span))
        try:
            yield self._span
        finally:
            context.detach(token)

    def add(self, attributes: Attributes) -> None:
        if not self._ended:
            self._span.set_attributes(attributes)

    def end(self, error: BaseException | None = None) -> None:
        if self._ended:
            return
        self._ended = True
        if error is not None:
            self._span.set_attribute("error.type", type(error).__name__)
            self._span.set_status(StatusCode.ERROR)
        self._span.end()
