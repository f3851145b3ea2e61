"""Row 1, per-request client cost: CPU time the client process spends on one ``GET`` of an item.

The emulator runs in its own process on loopback, so ``time.process_time`` in this process
counts only the client's work (event loop, HTTP parsing, JSON, models), never the server's.
Contenders, each on one long-lived keep-alive pool sized to the concurrency (plus
``AiohttpTransport.send`` + decode alone, to split our cost between transport and client layers):

- ``enspace-async``: ``await client.items.get(slug, ref)``, decoded into the ``Item`` model,
  through the default middleware chain (retry, observation) and :class:`AiohttpTransport`;
- ``raw aiohttp``: ``aiohttp.ClientSession.get`` + ``await response.read()`` + ``json.loads``;
- ``httpx``: ``httpx.AsyncClient.get`` + ``json.loads(response.content)``.

- ``enspace-async + OpenTelemetry``: the same call on a client built with
  ``telemetry=OpenTelemetry(...)`` over a configured SDK (a ``BatchSpanProcessor`` and a
  periodic metric reader, both exporting to a no-op exporter), so spans, attempt events and
  the duration histogram are all recorded; only the export itself is left out;
- ``enspace-async + OpenTelemetry API only``: the same switch with the API's no-op providers
  (no SDK installed or configured), which is the SDK-side cost of our own plumbing alone.

Each measurement sends ``N`` requests from ``C`` concurrent workers; the contenders take turns
round after round and the median round counts. Ratios are ``ours / theirs`` (lower is better).
Targets: ours ≤ 1.15x raw aiohttp; ours ≥ 5x cheaper than httpx (ratio ≤ 0.2); telemetry on
≤ 1.15x telemetry off.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from typing import Any

import aiohttp
import httpx
from yarl import URL

from enspace_async import Request
from enspace_async._converter import decode
from enspace_async.models import Item
from enspace_async.transports import AiohttpTransport

from . import _instructions
from ._server import Server, emulator
from ._timing import median

__all__ = ["run"]

SLUG = "contracts"
CONCURRENCY = (1, 16, 128)
TARGET_AIOHTTP = 1.15
TARGET_HTTPX = 0.2
TARGET_TELEMETRY = 1.15
TRANSPORT = "AiohttpTransport.send + decode"
TELEMETRY = "enspace-async + OpenTelemetry"
API_ONLY = "enspace-async + OpenTelemetry API only"
OURS = "enspace-async"
CONTENDERS = (OURS, TELEMETRY, API_ONLY, TRANSPORT, "raw aiohttp", "httpx")
Send = Callable[[], Awaitable[Any]]


async def _contenders(
    server: Server, pool: int, stack: AsyncExitStack, names: Sequence[str] = CONTENDERS
) -> dict[str, Send]:
    """Build the named contenders, each on its own pool of ``pool`` connections."""
    probe = await stack.enter_async_context(server.client())
    reference = (await probe.items.list(SLUG, page_size=1).collect(limit=1))[0].reference
    url = f"{server.url}/ws/types/{SLUG}/items/{reference}"
    built: dict[str, Send] = {}
    for name in names:
        built[name] = await _BUILDERS[name](server, pool, stack, url)
    return built


async def _ours(server: Server, pool: int, stack: AsyncExitStack, url: str, **options: Any) -> Send:
    client = await stack.enter_async_context(
        server.client(transport=AiohttpTransport(pool_size=pool), **options)
    )
    reference = url.rsplit("/", 1)[1]

    async def ours() -> Any:
        return await client.items.get(SLUG, reference)

    return ours


async def _ours_traced(server: Server, pool: int, stack: AsyncExitStack, url: str) -> Send:
    return await _ours(server, pool, stack, url, telemetry=_telemetry(stack))


async def _ours_api_only(server: Server, pool: int, stack: AsyncExitStack, url: str) -> Send:
    return await _ours(server, pool, stack, url, telemetry=_api_only())


async def _transport(server: Server, pool: int, stack: AsyncExitStack, url: str) -> Send:
    transport = AiohttpTransport(pool_size=pool)
    stack.push_async_callback(transport.aclose)
    headers = {**server.headers(), "user-agent": "enspace-async"}

    async def transport_only() -> Any:
        # A new URL each time, as the client and the raw contenders make: yarl caches its parts.
        request = Request("GET", URL(url), headers)
        return decode((await transport.send(request)).content, Item)

    return transport_only


async def _raw_aiohttp(server: Server, pool: int, stack: AsyncExitStack, url: str) -> Send:
    session = await stack.enter_async_context(
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=pool))
    )
    headers = server.headers()

    async def raw_aiohttp() -> Any:
        async with session.get(url, headers=headers) as response:
            response.raise_for_status()
            return json.loads(await response.read())

    return raw_aiohttp


async def _raw_httpx(server: Server, pool: int, stack: AsyncExitStack, url: str) -> Send:
    limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
    hx = await stack.enter_async_context(httpx.AsyncClient(limits=limits))
    headers = server.headers()

    async def raw_httpx() -> Any:
        response = await hx.get(url, headers=headers)
        response.raise_for_status()
        return json.loads(response.content)

    return raw_httpx


_BUILDERS: dict[str, Callable[[Server, int, AsyncExitStack, str], Awaitable[Send]]] = {
    OURS: _ours,
    TELEMETRY: _ours_traced,
    API_ONLY: _ours_api_only,
    TRANSPORT: _transport,
    "raw aiohttp": _raw_aiohttp,
    "httpx": _raw_httpx,
}


def _telemetry(stack: AsyncExitStack) -> Any:
    """OpenTelemetry over a configured SDK whose exporters drop everything."""
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import (
        MetricExporter,
        MetricExportResult,
        PeriodicExportingMetricReader,
    )
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

    from enspace_async.otel import OpenTelemetry

    class Spans(SpanExporter):
        def export(self, spans: Any) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    class Metrics(MetricExporter):
        def export(self, metrics_data: Any, timeout_millis: float = 0, **_: Any) -> Any:
            return MetricExportResult.SUCCESS

        def force_flush(self, timeout_millis: float = 0) -> bool:
            return True

        def shutdown(self, timeout_millis: float = 0, **_: Any) -> None:
            return None

    tracer_provider = TracerProvider(shutdown_on_exit=False)
    tracer_provider.add_span_processor(BatchSpanProcessor(Spans()))
    reader = PeriodicExportingMetricReader(Metrics())
    meter_provider = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    stack.callback(tracer_provider.shutdown)
    stack.callback(meter_provider.shutdown)
    return OpenTelemetry(tracer_provider=tracer_provider, meter_provider=meter_provider)


def _api_only() -> Any:
    """OpenTelemetry on the API's no-op providers: what an app without an SDK pays."""
    from opentelemetry.metrics import NoOpMeterProvider
    from opentelemetry.trace import NoOpTracerProvider

    from enspace_async.otel import OpenTelemetry

    return OpenTelemetry(tracer_provider=NoOpTracerProvider(), meter_provider=NoOpMeterProvider())


async def _cpu_per_request(send: Send, concurrency: int, total: int) -> float:
    """Send ``total`` requests from ``concurrency`` workers; return CPU seconds per request."""
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await send()

    started = time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return (time.process_time() - started) / total


async def _measure_level(
    server: Server, concurrency: int, total: int, rounds: int
) -> dict[str, list[float]]:
    """CPU seconds per request of every contender, one entry per round, in turn."""
    async with AsyncExitStack() as stack:
        sends = await _contenders(server, concurrency, stack)
        for send in sends.values():  # open the pools and warm the code paths
            await _cpu_per_request(send, concurrency, max(concurrency, 20))
        samples: dict[str, list[float]] = {name: [] for name in sends}
        for _ in range(rounds):
            for name, send in sends.items():
                samples[name].append(await _cpu_per_request(send, concurrency, total))
        return samples


def _spread(samples: dict[str, list[float]], name: str) -> str:
    """The lowest and highest ratio of ours to ``name`` within one round."""
    ratios = [a / b for a, b in zip(samples[OURS], samples[name], strict=True)]
    return f"{min(ratios):.2f}-{max(ratios):.2f}x"


def _rows(
    concurrency: int, samples: dict[str, list[float]], total: int, rounds: int
) -> list[dict[str, object]]:
    cost = {name: median(values) for name, values in samples.items()}
    ours = cost[OURS]
    rows: list[dict[str, object]] = []
    for name, target, goal in (
        ("raw aiohttp", TARGET_AIOHTTP, f"≤ {TARGET_AIOHTTP}x"),
        ("httpx", TARGET_HTTPX, f"≤ {TARGET_HTTPX}x (5x cheaper)"),
    ):
        ratio = ours / cost[name]
        spread = f"per-round ratio {_spread(samples, name)}"
        rows.append(
            {
                "benchmark": "client CPU per request",
                "case": f"items.get vs {name}, {concurrency} concurrent",
                "ours": ours * 1e6,
                "baseline": cost[name] * 1e6,
                "unit": "µs",
                "ratio": ratio,
                "target": goal,
                "met": ratio <= target,
                "note": f"{_note(cost, rounds, total)}; {spread}"
                if name == "raw aiohttp"
                else spread,
            }
        )
    for name, case, note in (
        (TELEMETRY, "telemetry on vs off", "OpenTelemetry SDK configured, no-op exporters: a "
         "CLIENT span with one attempt event and the duration histogram per call"),
        (API_ONLY, "telemetry on, API only, vs off", "no SDK: the API's no-op providers, so "
         "this is our own plumbing (binding middleware, hooks, trace context)"),
    ):  # fmt: skip
        ratio = cost[name] / ours
        rows.append(
            {
                "benchmark": "client CPU per request",
                "case": f"items.get, {case}, {concurrency} concurrent",
                "ours": cost[name] * 1e6,
                "baseline": ours * 1e6,
                "unit": "µs",
                "ratio": ratio,
                "target": f"≤ {TARGET_TELEMETRY}x",
                "met": ratio <= TARGET_TELEMETRY,
                "note": note,
            }
        )
    return rows


def _note(cost: dict[str, float], rounds: int, total: int) -> str:
    ours, transport, raw = cost[OURS], cost[TRANSPORT], cost["raw aiohttp"]
    return (
        f"median of {rounds} rounds x {total} requests. Where ours goes: raw aiohttp "
        f"{raw * 1e6:.0f} µs, + our transport and Item decode {(transport - raw) * 1e6:.0f} µs, "
        f"+ client layers (route, URL, Request, retry/redirect/limiter/observe/auth "
        f"middlewares) {(ours - transport) * 1e6:.0f} µs"
    )


async def _measure(server: Server, quick: bool) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for concurrency in CONCURRENCY:
        total = max(concurrency, 60) if quick else max(10 * concurrency, 1000)
        rounds = 1 if quick else 15
        samples = await _measure_level(server, concurrency, total, rounds)
        rows += _rows(concurrency, samples, total, rounds)
    return rows


def run(quick: bool) -> list[dict[str, object]]:
    """Measure the client's CPU per ``GET`` of one item at 1, 16 and 128 concurrent."""
    with emulator(demo_data=True) as server:
        return asyncio.run(_measure(server, quick))


async def _profile(server: Server, concurrency: int, total: int) -> str:
    from pyinstrument import Profiler

    async with AsyncExitStack() as stack:
        send = (await _contenders(server, concurrency, stack, [OURS]))[OURS]
        await _cpu_per_request(send, concurrency, max(concurrency, 200))
        profiler = Profiler(interval=0.0002, async_mode="disabled")
        profiler.start()
        await _cpu_per_request(send, concurrency, total)
        profiler.stop()
        return str(profiler.output_text(unicode=True, show_all=False))


def main(argv: list[str] | None = None) -> None:
    """Where our CPU goes: ``--profile [C]`` (pyinstrument) or ``--instructions [C ...]``
    (instructions per request under callgrind, ours against the transport and raw aiohttp)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_client_cost")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--profile", type=int, nargs="?", const=16, metavar="C")
    mode.add_argument("--instructions", type=int, nargs="*", metavar="C")
    mode.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=1200, help="counted per contender")
    args = parser.parse_args(argv)
    if args.child:
        name, concurrency, total = args.child
        _instructions.child(name, int(concurrency), int(total))
    elif args.instructions is not None:
        print(_instructions.count(args.instructions or CONCURRENCY, args.requests))
    else:
        with emulator(demo_data=True) as server:
            print(asyncio.run(_profile(server, args.profile, 3000)))


if __name__ == "__main__":
    main()
