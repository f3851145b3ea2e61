"""OpenTelemetry: spans, attempt events, parent spans, metrics and trace context, over real HTTP.

Every test runs the client against the emulator (or a loopback aiohttp app where the emulator
cannot show what it received) with the OpenTelemetry SDK's in-memory span exporter and metric
reader, so what is asserted is what an exporter would ship.
"""

from __future__ import annotations

import asyncio
import gc
import os
import re
import subprocess
import sys
from asyncio.subprocess import PIPE
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiohttp import web
from helpers import FakeTime, VirtualTime
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from resilience_servers import serving

from enspace_async import (
    APIError,
    ConfigurationError,
    EnspaceClient,
    Hooks,
    NotFoundError,
    OutcomeUnknownError,
    RateLimiter,
    RetryPolicy,
    TransportError,
)
from enspace_async import _otel_metrics as otel_metrics
from enspace_async.otel import OpenTelemetry
from enspace_async.testing import EnspaceEmulator

SLUG = "contracts"
FIELDS = {"title": "inputText"}
JITTER = 0.5  # every backoff is half its ceiling: 0.125 s before the first retry


@attrs.frozen
class Otel:
    telemetry: OpenTelemetry
    spans: InMemorySpanExporter
    reader: InMemoryMetricReader

    def finished(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())

    def named(self, name: str) -> list[ReadableSpan]:
        return [span for span in self.finished() if span.name == name]

    def metrics(self) -> dict[str, list[tuple[dict[str, Any], Any]]]:
        """Each metric's points as (attributes, value); a histogram's value is its count."""
        found: dict[str, list[tuple[dict[str, Any], Any]]] = {}
        data = self.reader.get_metrics_data()
        assert data is not None
        for resource in data.resource_metrics:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    found[metric.name] = [
                        (dict(p.attributes or {}), getattr(p, "value", getattr(p, "count", None)))
                        for p in metric.data.data_points
                    ]
        return found

    def exported_text(self) -> str:
        """Everything an exporter would ship, as text: every span and every metric."""
        spans = [span.to_json() for span in self.finished()]
        data = self.reader.get_metrics_data()
        assert data is not None
        return "\n".join([*spans, data.to_json()])


@pytest.fixture
def otel() -> Iterator[Otel]:
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider(shutdown_on_exit=False)
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    telemetry = OpenTelemetry(tracer_provider=tracer_provider, meter_provider=meter_provider)
    yield Otel(telemetry, spans, reader)
    tracer_provider.shutdown()
    meter_provider.shutdown()


pytestmark = pytest.mark.emulator(seed=3, types={SLUG: FIELDS}, items=30)


def client(emu: EnspaceEmulator, otel: Otel, **kwargs: Any) -> EnspaceClient:
    kwargs.setdefault("sleep", FakeTime().sleep)
    kwargs.setdefault("retry", RetryPolicy(jitter=lambda: JITTER))
    return emu.client(telemetry=otel.telemetry, **kwargs)


def events(span: ReadableSpan) -> list[dict[str, Any]]:
    assert all(event.name == "enspace.attempt" for event in span.events)
    return [dict(event.attributes or {}) for event in span.events]


def without_durations(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for event in found:
        assert event.pop("enspace.attempt.duration_s") >= 0
    return found


async def test_one_client_span_per_call_named_by_route_template(
    emu: EnspaceEmulator, otel: Otel
) -> None:
    ref = emu.items(SLUG)[0]["reference"]
    async with asyncio.timeout(10), client(emu, otel) as c:
        await c.items.get(SLUG, ref)
        await c.items.list(SLUG, page_size=5).collect(limit=5)
        await c.request("GET", f"/ws/types/{SLUG}/items/count")
    spans = otel.finished()
    assert [s.name for s in spans] == [
        "GET /ws/types/{slug}/items/{ref}",
        "GET /ws/types/{slug}/items",
        "GET",  # client.request(): no template, and its path may hold ids
    ]
    port = int(emu.url.rsplit(":", 1)[1])
    assert all(s.kind is SpanKind.CLIENT and s.parent is None for s in spans)
    assert dict(spans[0].attributes or {}) == {
        "http.request.method": "GET",
        "url.template": "/ws/types/{slug}/items/{ref}",
        "server.address": "127.0.0.1",
        "server.port": port,
        "http.response.status_code": 200,
        "enspace.route": "items.get",
        "enspace.workspace": "acme",
        "enspace.attempts": 1,
        "enspace.limiter_wait_s": 0.0,
    }
    assert spans[0].status.status_code is StatusCode.UNSET
    assert dict(spans[2].attributes or {})["enspace.route"] == "custom"
    assert "url.template" not in (spans[2].attributes or {})


async def test_attempt_events_under_503_429_and_reset(emu: EnspaceEmulator, otel: Otel) -> None:
    ref = emu.items(SLUG)[0]["reference"]
    emu.faults.script("items.get", ["503", "429:0", "reset_before"])  # 429 with Retry-After: 0
    time = FakeTime()
    async with asyncio.timeout(10), client(emu, otel, sleep=time.sleep) as c:
        await c.items.get(SLUG, ref)
    (span,) = otel.finished()
    assert time.slept == [0.125, 0.25, 0.5]  # each retry's backoff, half its ceiling
    assert without_durations(events(span)) == [
        {
            "enspace.attempt": 1,
            "http.response.status_code": 503,
            "enspace.retry.delay_s": 0.125,
            "enspace.retry.cause": "503",
        },
        {
            "enspace.attempt": 2,
            "http.response.status_code": 429,
            "enspace.retry.delay_s": 0.25,
            "enspace.retry.cause": "429",
        },
        {
            "enspace.attempt": 3,
            "error.type": "ProtocolError",
            "enspace.retry.delay_s": 0.5,
            "enspace.retry.cause": "protocol",
        },
        {"enspace.attempt": 4, "http.response.status_code": 200},
    ]
    attributes = dict(span.attributes or {})
    assert attributes["enspace.attempts"] == 4
    assert attributes["http.response.status_code"] == 200
    assert "error.type" not in attributes
    times = [event.timestamp for event in span.events]
    assert times == sorted(times)
    assert span.start_time is not None
    assert span.end_time is not None
    assert span.start_time <= times[0]
    assert times[-1] <= span.end_time


async def test_failed_calls_carry_error_type_and_error_status(
    emu: EnspaceEmulator, otel: Otel
) -> None:
    emu.faults.script("items.create", ["reset_after"])
    async with asyncio.timeout(10), client(emu, otel) as c:
        with pytest.raises(NotFoundError):
            await c.items.get(SLUG, "NO-SUCH-REF")
        with pytest.raises(OutcomeUnknownError):
            await c.items.create(SLUG, {"title": "x"})
    missing, unknown = otel.finished()
    assert missing.status.status_code is StatusCode.ERROR
    assert dict(missing.attributes or {})["error.type"] == "404"
    assert dict(missing.attributes or {})["http.response.status_code"] == 404
    assert missing.status.description is None  # no server text on a span
    assert unknown.name == "POST /ws/types/{slug}/items"
    assert unknown.status.status_code is StatusCode.ERROR
    assert dict(unknown.attributes or {})["error.type"] == "OutcomeUnknownError"
    assert "http.response.status_code" not in (unknown.attributes or {})
    assert without_durations(events(unknown)) == [
        {"enspace.attempt": 1, "error.type": "ProtocolError"}  # a POST is never resent
    ]


async def test_a_bulk_job_is_the_parent_span_of_its_calls(emu: EnspaceEmulator, otel: Otel) -> None:
    rows = [{"title": f"row {i}"} for i in range(12)]
    emu.faults.script("items.create", ["503"])  # a POST 503 is not resent: one row fails
    async with asyncio.timeout(20), client(emu, otel) as c:
        result = await c.items.bulk_create(SLUG, rows, concurrency=4)
    assert (result.created, result.unknown + result.failed) == (11, 1)
    (job,) = otel.named("enspace.bulk_create")
    creates = otel.named("POST /ws/types/{slug}/items")
    assert len(creates) == 12
    for span in creates:
        assert span.parent is not None
        assert span.parent.span_id == job.context.span_id
        assert span.context.trace_id == job.context.trace_id
    attributes = dict(job.attributes or {})
    assert attributes["enspace.type_slug"] == SLUG
    assert attributes["enspace.workspace"] == "acme"
    assert attributes["enspace.concurrency"] == 4
    assert attributes["enspace.bulk.created"] == 11
    assert attributes["enspace.bulk.unknown"] + attributes["enspace.bulk.failed"] == 1
    assert job.end_time is not None
    assert all(s.end_time is not None and s.end_time <= job.end_time for s in creates)


async def test_an_export_is_the_parent_span_of_its_count_and_pages(
    emu: EnspaceEmulator, otel: Otel
) -> None:
    async with asyncio.timeout(20), client(emu, otel) as c:
        async with c.items.export(SLUG, concurrency=3, page_size=7) as export:
            rows = [item async for item in export]
        await c.items.count(SLUG)  # after the export: not its child
    assert len(rows) == 30
    (parent,) = otel.named("enspace.export")
    children = [
        s for s in otel.finished() if s.parent and s.parent.span_id == parent.context.span_id
    ]
    pages = [s for s in children if s.name == "GET /ws/types/{slug}/items"]
    # 30 rows in pages of 7: 5 pages, and maybe one more started before /count answered
    assert len(pages) in (5, 6)
    assert [s.name for s in children].count("GET /ws/types/{slug}/items/count") == 1
    assert len(otel.named("GET /ws/types/{slug}/items/count")) == 2
    attributes = dict(parent.attributes or {})
    assert attributes["enspace.export.total"] == 30
    assert attributes["enspace.export.received"] == 30
    assert parent.status.status_code is StatusCode.UNSET


async def test_a_cancelled_call_is_marked_cancelled_not_failed(
    emu: EnspaceEmulator, otel: Otel
) -> None:
    ref = emu.items(SLUG)[0]["reference"]
    emu.faults.script("items.get", ["latency:30"])
    started = asyncio.Event()

    def sent(_: object) -> None:
        started.set()

    async with asyncio.timeout(10), client(emu, otel, hooks=Hooks(on_request=[sent])) as c:
        call = asyncio.create_task(c.items.get(SLUG, ref))
        await started.wait()
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        found = otel.metrics()
    (span,) = otel.finished()
    assert dict(span.attributes or {})["enspace.cancelled"] is True
    assert "error.type" not in (span.attributes or {})
    assert span.status.status_code is StatusCode.UNSET
    assert "http.client.request.duration" not in found  # no duration of an unfinished call


def stats_from_metrics(found: dict[str, list[tuple[dict[str, Any], Any]]]) -> dict[str, Any]:
    """Read the metrics back into the shape of ClientStats.as_dict()."""

    def one(name: str) -> Any:
        (point,) = found[name]
        return point[1]

    def by(name: str, label: str) -> dict[str, int]:
        return {attrs_[label]: value for attrs_, value in found.get(name, [])}

    return {
        "requests": one("enspace.client.requests"),
        "attempts": one("enspace.client.attempts"),
        "retries": by("enspace.client.retries", "enspace.retry.cause"),
        "throttled": one("enspace.client.throttled"),
        "limiter_waits": one("enspace.client.limiter.waits"),
        "limiter_wait_seconds": one("enspace.client.limiter.wait_time"),
        "budget_exhausted": one("enspace.client.retry_budget.exhausted"),
        "bytes_sent": one("enspace.client.bytes_sent"),
        "bytes_received": one("enspace.client.bytes_received"),
        "errors": by("enspace.client.errors", "error.type"),
        "in_flight": one("enspace.client.in_flight"),
    }


async def test_metrics_equal_client_stats_under_faults(emu: EnspaceEmulator, otel: Otel) -> None:
    refs = [row["reference"] for row in emu.items(SLUG)]
    emu.faults.add("503", rate=0.2, routes="items.*")
    emu.faults.add("429", rate=0.1, routes="items.*", retry_after=0)
    emu.faults.add("reset_before", rate=0.05, routes="items.*")
    time = VirtualTime()
    # A budget for four retries makes some calls fail once it runs dry; the limiter paces.
    policy = RetryPolicy(jitter=lambda: JITTER, budget=20, retry_cost=5, max_attempts=6)
    limiter = RateLimiter(max_rate=200)
    async with (
        asyncio.timeout(30),
        client(
            emu, otel, retry=policy, rate_limit=limiter, sleep=time.sleep, clock=time.clock
        ) as c,
    ):

        async def call(i: int) -> None:
            try:
                if i % 3:
                    await c.items.get(SLUG, refs[i % len(refs)])
                else:
                    await c.items.update(SLUG, refs[i % len(refs)], {"title": f"v{i}"})
            except (APIError, TransportError):  # a reset the empty budget does not retry
                pass

        await asyncio.gather(*(call(i) for i in range(80)))
        stats = c.stats.as_dict()
        found = otel.metrics()
    assert stats["budget_exhausted"] > 0
    assert stats["limiter_waits"] > 0
    assert set(stats["retries"]) >= {"503", "429"}
    assert stats_from_metrics(found) == stats
    durations = found["http.client.request.duration"]
    assert sum(count for _, count in durations) == stats["requests"] == 80
    # A call refused by an empty budget after a reset ends with no status: its error.type.
    classes = {point.get("enspace.status_class") or point["error.type"] for point, _ in durations}
    assert {"2xx", "5xx"} <= classes <= {"2xx", "5xx", "ProtocolError"}
    assert {point["enspace.route"] for point, _ in durations} == {"items.get", "items.update"}
    (rate,) = found["enspace.client.limiter.rate"]
    assert rate[1] == limiter.backend.rate  # type: ignore[attr-defined]


async def test_limiter_wait_is_on_the_span(emu: EnspaceEmulator, otel: Otel) -> None:
    ref = emu.items(SLUG)[0]["reference"]
    time = VirtualTime()
    kwargs = {"rate_limit": RateLimiter(max_rate=4), "sleep": time.sleep, "clock": time.clock}
    async with asyncio.timeout(10), client(emu, otel, **kwargs) as c:
        for _ in range(3):
            await c.items.get(SLUG, ref)
        waited = c.stats.limiter_wait_seconds
    waits = [dict(s.attributes or {})["enspace.limiter_wait_s"] for s in otel.finished()]
    assert waits == [0.0, pytest.approx(0.25), pytest.approx(0.25)]
    assert sum(waits) == pytest.approx(waited)


async def test_counts_of_a_collected_client_stay_in_the_metrics(
    emu: EnspaceEmulator, otel: Otel
) -> None:
    ref = emu.items(SLUG)[0]["reference"]
    async with asyncio.timeout(10):
        async with client(emu, otel) as first:
            for _ in range(3):
                await first.items.get(SLUG, ref)
        del first
        gc.collect()
        async with client(emu, otel) as second:
            await second.items.get(SLUG, ref)
            await second.items.get(SLUG, ref)
            found = otel.metrics()
    assert found["enspace.client.requests"][0][1] == 5  # one series per server, never lower


async def test_traceparent_goes_to_the_api_origin_and_nowhere_else(otel: Otel) -> None:
    seen: list[tuple[str, str | None]] = []
    elsewhere: list[str] = []

    async def foreign(request: web.Request) -> web.StreamResponse:
        elsewhere.append(request.path)
        return web.json_response({})

    async with serving(foreign) as other:

        async def api(request: web.Request) -> web.StreamResponse:
            seen.append((request.path, request.headers.get("traceparent")))
            if request.path == "/ws/types/contracts/items/A-1":
                raise web.HTTPTemporaryRedirect("/ws/types/contracts/items/A-1/moved")
            if request.path == "/ws/types/contracts/items/B-1":
                raise web.HTTPTemporaryRedirect(f"{other}/ws/types/contracts/items/B-1")
            return web.json_response({"id": 1, "reference": "A-1", "data": {}})

        async with (
            serving(api) as url,
            asyncio.timeout(10),
            EnspaceClient(
                "en.tracetestkey0000000000000000000000",
                workspace="acme",
                base_url=url,
                telemetry=otel.telemetry,
            ) as c,
        ):
            await c.items.get("contracts", "A-1")
            with pytest.raises(APIError, match="another origin"):
                await c.items.get("contracts", "B-1")
    followed, refused = otel.finished()
    expected = [
        f"00-{span.context.trace_id:032x}-{span.context.span_id:016x}-{span.context.trace_flags:02x}"
        for span in (followed, followed, refused)
    ]
    assert seen == [
        ("/ws/types/contracts/items/A-1", expected[0]),
        ("/ws/types/contracts/items/A-1/moved", expected[1]),  # same origin: followed
        ("/ws/types/contracts/items/B-1", expected[2]),
    ]
    assert elsewhere == []  # the foreign origin got no request, so no trace context
    assert dict(followed.attributes or {})["enspace.attempts"] == 2
    assert dict(refused.attributes or {})["error.type"] == "APIError"


async def test_no_key_query_or_item_data_in_any_exported_datum(
    emu: EnspaceEmulator, otel: Otel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="enspace_async")
    data_marker, query_marker = "data-MARKER-7f3a", "query-MARKER-91c2"
    emu.faults.script("items.update", ["503", "reset_before"])
    emu.faults.script("items.list", ["429:0"])
    async with asyncio.timeout(20), client(emu, otel) as c:
        item = await c.items.create(SLUG, {"title": data_marker})
        await c.items.update(SLUG, item.reference, {"title": data_marker + "-2"})
        await c.items.list(SLUG, filters={"title": query_marker}).collect()
        await c.items.count(SLUG, filters={"title": query_marker})
        await c.request("GET", f"/ws/types/{SLUG}/items", params={"q": query_marker})
        with pytest.raises(APIError):  # the server's 400 names the bad field: text stays out
            await c.items.create(SLUG, {"nope": data_marker})
        found = otel.metrics()
    assert found  # metrics were collected
    text = otel.exported_text() + caplog.text
    assert emu.api_key not in text
    assert data_marker not in text
    assert query_marker not in text
    assert "MARKER" not in text


def test_the_core_never_imports_opentelemetry() -> None:
    code = (
        "import sys, enspace_async, enspace_async.testing; "
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"


def test_telemetry_must_have_a_bind_method() -> None:
    with pytest.raises(ConfigurationError, match="telemetry must be"):
        EnspaceClient("en.k", telemetry=object())  # type: ignore[arg-type]


async def test_without_telemetry_the_chain_is_unchanged(emu: EnspaceEmulator) -> None:
    async with emu.client() as plain:
        assert plain._session.telemetry is None
        # The outermost of the SDK's own layers is the retry middleware itself.
        assert type(plain._session.layers[0]).__name__ == "RetryMiddleware"


README = Path(__file__).resolve().parents[1] / "README.md"


def observability(language: str) -> list[str]:
    """The ``language`` code blocks of the README's Observability section."""
    text = README.read_text("utf-8").split("\n## Observability\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"^```{language}\n(.*?)^```$", text, re.S | re.M)


async def test_the_readme_walk_through_prints_the_spans_it_describes() -> None:
    script = observability("python")[0]
    async with EnspaceEmulator(seed=0) as emulator:
        emulator.seed_type(SLUG, items=250)  # the demo's contracts
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ENSPACE_", "OTEL_"))}
        env |= {
            "ENSPACE_API_URL": emulator.url,
            "ENSPACE_API_KEY": emulator.api_key,
            "ENSPACE_WORKSPACE_ID": "acme",
        }
        shell = await asyncio.create_subprocess_exec(
            sys.executable, "-X", "dev", "-W", "error", "-", env=env,
            stdin=PIPE, stdout=PIPE, stderr=PIPE,
        )  # fmt: skip
        async with asyncio.timeout(60):
            out, err = await shell.communicate(script.encode())
    assert shell.returncode == 0, err.decode()
    text = out.decode()
    assert re.match(r"\d+ urgent of 250 contracts\n", text)
    for name in ("nightly report", "enspace.export", "GET /ws/types/{slug}/items",
                 "GET /ws/types/{slug}/items/count", "http.client.request.duration",
                 "enspace.client.requests", "enspace.client.in_flight"):  # fmt: skip
        assert f'"name": "{name}"' in text, name
    assert emulator.api_key not in text


def test_the_readme_tables_name_every_instrument_and_attribute() -> None:
    section = README.read_text("utf-8").split("\n## Observability\n", 1)[1].split("\n## ", 1)[0]
    names = [name for name, *_ in otel_metrics.COUNTERS]
    names += ["http.client.request.duration", "enspace.client.in_flight"]
    names += ["enspace.client.limiter.rate", "enspace.limiter_wait_s", "enspace.attempts"]
    names += ["enspace.attempt", "enspace.retry.delay_s", "enspace.retry.cause", "traceparent"]
    for name in names:
        assert f"`{name}`" in section, name
