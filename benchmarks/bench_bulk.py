"""Bulk jobs: import rate against a rate-limited emulator, and memory while streaming rows.

**Import rows/s** — the emulator runs in its own process limited to ``RATE`` requests/s (bucket
of ``BURST``). Ours: ``client.items.bulk_create(..., key=..., concurrency=32)`` with the client's
defaults (adaptive limiter, retry budget). Baseline: the loop people write by hand —
``asyncio.gather`` over one coroutine per row on an aiohttp session with 32 connections, retrying
a 429 after a fixed 0.1 s (it ignores ``Retry-After``). Both report rows per second and the share
of answers that were 429s; ``ratio`` is ours / baseline.

**Safer lookups** — ``bulk_create(..., key=..., checkpoint=...)`` at the same 1,000 req/s limit,
once with no fault and once with connection resets after the apply (3 % of requests) and pages
cut by one row (30 % of list pages); and, as ``enspace import --key`` runs it, with
``existing="skip"`` (every row looked up before it is created). It reports rows/s,
requests per row (the client's logical calls) and duplicates (items added beyond the rows, from
``/count``, which no page cut can fool). ``baseline`` is today's engine measured before the
lookups changed (trusting one page of size 1), in the same mode on this machine; both sides
are the best of two runs.

**Peak memory** — a child process streams N rows (1,000,000 in full mode) through
``bulk_create`` from a generated JSON Lines file (read by the CLI's reader), and another pages
N items through ``client.items.export``; ``value`` is the growth of peak RSS (``ru_maxrss``)
over the process's peak after a warm-up. The transport is an in-process ``MockTransport``
answering instantly, so the child's RSS is the SDK's alone (an emulator holding a million
rows would dwarf it) and the run takes minutes, not an hour. It answers the type and field
routes with the demo type's fields, so ``bulk_create`` validates every row against the schema
first, as it does by default.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp

from ._server import Server, emulator

__all__ = ["run"]

RATE, BURST, CONCURRENCY = 1000, 50, 32
TYPE = "contracts"
MEMORY_TARGET_MB = 64


def _rows(count: int, tag: str) -> Iterator[dict[str, Any]]:
    for n in range(count):
        yield {"title": f"bench-{tag}-{n}", "email": f"bench{n}@example.com", "amount": n}


async def _ours(server: Server, count: int) -> dict[str, float]:
    async with server.client() as client:
        started = time.perf_counter()
        result = await client.items.bulk_create(
            TYPE, _rows(count, uuid.uuid4().hex[:8]), key="title", concurrency=CONCURRENCY
        )
        seconds = time.perf_counter() - started
        stats = client.stats
        if result.created != count:
            raise RuntimeError(f"bulk_create created {result.created} of {count}: {result}")
        return {"rate": count / seconds, "share": stats.throttled / max(stats.attempts, 1)}


async def _baseline(server: Server, count: int) -> dict[str, float]:
    url = f"{server.url}/ws/types/{TYPE}/items"
    sent = throttled = 0
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector, headers=server.headers()) as session:

        async def create(row: dict[str, Any]) -> None:
            nonlocal sent, throttled
            while True:
                sent += 1
                async with session.post(url, json={"data": row}) as response:
                    await response.read()
                    if response.status != 429:
                        response.raise_for_status()
                        return
                throttled += 1
                await asyncio.sleep(0.1)

        started = time.perf_counter()
        await asyncio.gather(*(create(row) for row in _rows(count, uuid.uuid4().hex[:8])))
        seconds = time.perf_counter() - started
    return {"rate": count / seconds, "share": throttled / max(sent, 1)}


def _throughput_case(count: int, burst: int) -> list[dict[str, object]]:
    with emulator(rate_limit=RATE, extra_args=["--burst", str(burst)], demo_data=True) as server:
        ours = asyncio.run(_ours(server, count))
        time.sleep(1.0)  # let the bucket refill so both start alike
        base = asyncio.run(_baseline(server, count))
    note = (
        f"{count} creates, emulator limited to {RATE} req/s with a bucket of {burst}, in its own "
        "process; baseline = asyncio.gather + aiohttp, 32 connections, retry 429 after 0.1 s"
    )
    case = f"{RATE} req/s limit, burst {burst}"
    return [
        {
            "benchmark": "bulk import rows/s",
            "case": case,
            "ours": round(ours["rate"]),
            "baseline": round(base["rate"]),
            "ratio": round(ours["rate"] / base["rate"], 2),
            "unit": "rows/s",
            "target": "≥ 0.9x",
            "met": ours["rate"] >= 0.9 * base["rate"],
            "note": note,
        },
        {
            "benchmark": "bulk import 429 share",
            "case": case,
            "ours": round(ours["share"], 4),
            "baseline": round(base["share"], 4),
            "ratio": round(ours["share"] / base["share"], 3) if base["share"] else None,
            "unit": "share of answers",
            "target": "< 0.05",
            "met": ours["share"] < 0.05,
            "note": note,
        },
    ]


def _throughput(quick: bool) -> list[dict[str, object]]:
    count = 4000 if quick else 10_000
    return _throughput_case(count, RATE) + _throughput_case(count, BURST)


# --- safer lookups: requests per row and rows/s, with and without faults --------------------

LOOKUP_FAULTS = ["--fault", "reset_after:0.03", "--fault", "drop_rows:0.3"]


async def _keyed_import(
    server: Server, count: int, folder: Path, existing: str | None
) -> dict[str, float]:
    async with server.client() as client:
        before = await client.items.count(TYPE)
        started = time.perf_counter()
        result = await client.items.bulk_create(
            TYPE,
            _rows(count, uuid.uuid4().hex[:8]),
            key="title",
            concurrency=CONCURRENCY,
            checkpoint=folder / "bench.checkpoint.jsonl",
            keep_references=False,
            existing=existing,
        )
        seconds = time.perf_counter() - started
        calls = client.stats.requests - 1
        added = await client.items.count(TYPE) - before
    return {
        "rate": count / seconds,
        "requests": calls / count,
        # Every fault here is applied (reset_after) or a page cut, so each row that did not
        # fail exists at least once: anything beyond that is a duplicate.
        "duplicates": added - (count - result.failed),
        "unknown": result.unknown + result.failed,
    }


def _lookup_case(count: int, faults: list[str], existing: str | None = None) -> dict[str, float]:
    with (
        tempfile.TemporaryDirectory() as folder,
        emulator(
            rate_limit=RATE, extra_args=["--burst", str(BURST), *faults], demo_data=True
        ) as server,
    ):
        return asyncio.run(_keyed_import(server, count, Path(folder), existing))


# Today's engine before the lookups changed (df357b3: one page of size 1, no /count), measured
# by this module in each mode on the 2 shared cores, best of 2 runs: rows/s, requests per row,
# duplicates.
BEFORE = {
    (True, False): (864, 1.0, 0),
    (True, True): (817, 1.045, 18),
    (False, False): (1001, 1.0, 0),
    (False, True): (933, 1.039, 38),
}


def _lookups(quick: bool) -> list[dict[str, object]]:
    count = 2000 if quick else 5000
    rows = []
    for faulty, case in ((False, "no fault"), (True, "reset_after 3 %, 30 % of pages cut")):
        # Best of 2: the shared cores make one run's rate swing by 20 %.
        runs = [_lookup_case(count, LOOKUP_FAULTS if faulty else []) for _ in range(2)]
        ours = max(runs, key=lambda run: run["rate"])
        rate, requests, duplicates = BEFORE[quick, faulty]
        met = ours["duplicates"] == 0 and (faulty or ours["rate"] >= 0.95 * rate)
        rows.append(
            {
                "benchmark": "bulk safer lookups",
                "case": f"{count} keyed rows, checkpoint, {RATE} req/s burst {BURST}, {case}",
                "ours": round(ours["rate"]),
                "baseline": rate,
                "ratio": round(ours["rate"] / rate, 2),
                "unit": "rows/s",
                "target": "0 duplicates" + ("" if faulty else ", ≥ 0.95x rows/s"),
                "met": met,
                "note": (
                    f"requests per row {ours['requests']:.3f} (before {requests}), duplicates "
                    f"{ours['duplicates']:.0f} (before {duplicates}), unsettled rows "
                    f"{ours['unknown']:.0f}; baseline: the engine before /count-confirmed "
                    "lookups (df357b3), measured by this row on the same machine"
                ),
            }
        )
    skip = _lookup_case(count, [], existing="skip")
    rows.append(
        {
            "benchmark": "bulk safer lookups",
            "case": f"{count} keyed rows, existing='skip' (enspace import --key), no fault",
            "value": round(skip["rate"]),
            "unit": "rows/s",
            "target": "0 duplicates",
            "met": skip["duplicates"] == 0,
            "note": (
                f"requests per row {skip['requests']:.3f}: a /count before each create, so an "
                "import run twice never doubles the data (before: every re-run did)"
            ),
        }
    )
    return rows


# --- memory: run in a child process -------------------------------------------------------


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _mock_client(total: int) -> Any:
    from enspace_async import EnspaceClient
    from enspace_async.testing._demo import field_specs
    from enspace_async.transports import MockTransport

    # The demo type's fields, as the emulator serves them, so each row is validated as it is
    # against the emulator (bulk_create(validate=True), the default).
    fields = [{"id": n, **spec} for n, spec in enumerate(field_specs(None), 1)]
    ids = itertools.count(1)
    created = b'{"id": %d, "reference": "BEN%08X", "status": "active", "data": {}}'

    def page(start: int) -> list[dict[str, Any]]:
        last = min(start + 100, total)
        return [
            {"id": n, "reference": f"BEN{n:08X}", "status": "active", "data": {"amount": n}}
            for n in range(start + 1, last + 1)
        ]

    def handler(request: Any) -> Any:
        if request.method == "POST":
            n = next(ids)
            return MockTransport.reply(request, 201, content=created % (n, n))
        if request.url.path == f"/ws/types/{TYPE}":  # bulk jobs validate rows against the schema
            return MockTransport.reply(request, json={"slug": TYPE, "name": "Contracts"})
        if request.url.path == f"/ws/types/{TYPE}/fields":
            return MockTransport.reply(request, json=fields)
        if request.url.path.endswith("/count"):
            return MockTransport.reply(request, json=total)
        return MockTransport.reply(request, json=page(int(request.url.query.get("_start", 0))))

    return EnspaceClient(
        "en." + "x" * 34,
        workspace="bench",
        base_url="https://api.example.test",
        transport=MockTransport(handler),
    )


async def _import_child(count: int, folder: Path) -> dict[str, float]:
    from enspace_async.cli._files import Source, records

    source = folder / "rows.jsonl"
    with source.open("w") as out:
        for row in _rows(count, "rss"):
            out.write(json.dumps(row) + "\n")
    async with _mock_client(count) as client:
        warm = await client.items.bulk_create(TYPE, _rows(2000, "warm"), keep_references=False)
        assert warm.created == 2000
        before = _peak_mb()
        started = time.perf_counter()
        result = await client.items.bulk_create(
            TYPE,
            (row for _, row in records(Source(source, "jsonl"))),
            concurrency=CONCURRENCY,
            keep_references=False,
        )
        seconds = time.perf_counter() - started
    if result.created != count:
        raise RuntimeError(f"created {result.created} of {count}")
    return {"growth": _peak_mb() - before, "seconds": seconds, "peak": _peak_mb()}


async def _gather_child(count: int, folder: Path) -> dict[str, float]:
    """The hand-written way: read the file, one coroutine per row, ``asyncio.gather``."""
    source = folder / "rows.jsonl"
    with source.open("w") as out:
        for row in _rows(count, "rss"):
            out.write(json.dumps(row) + "\n")
    async with _mock_client(count) as client:
        await asyncio.gather(*(client.items.create(TYPE, row) for row in _rows(2000, "warm")))
        before = _peak_mb()
        started = time.perf_counter()
        with source.open() as lines:
            rows = [json.loads(line) for line in lines]
        items = await asyncio.gather(*(client.items.create(TYPE, row) for row in rows))
        seconds = time.perf_counter() - started
    if len(items) != count:
        raise RuntimeError(f"created {len(items)} of {count}")
    return {"growth": _peak_mb() - before, "seconds": seconds, "peak": _peak_mb()}


async def _export_child(count: int) -> dict[str, float]:
    async with _mock_client(count) as client:
        async for _ in client.items.export(TYPE, concurrency=8, page_size=100):
            pass  # warm-up: the first pages of a full pass
            break
        before = _peak_mb()
        started = time.perf_counter()
        seen = 0
        async for _ in client.items.export(TYPE, concurrency=8):
            seen += 1
        seconds = time.perf_counter() - started
    if seen != count:
        raise RuntimeError(f"exported {seen} of {count}")
    return {"growth": _peak_mb() - before, "seconds": seconds, "peak": _peak_mb()}


def _child(mode: str, count: int) -> dict[str, float]:
    if mode == "export":
        return asyncio.run(_export_child(count))
    job = _import_child if mode == "import" else _gather_child
    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(job(count, Path(folder)))


def _measure_child(mode: str, count: int) -> dict[str, float]:
    argv = [sys.executable, "-m", "benchmarks.bench_bulk", "--child", mode, str(count)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} child failed: {done.stderr.strip()[-500:]}")
    measured: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return measured


def _memory(quick: bool) -> list[dict[str, object]]:
    count = 50_000 if quick else 1_000_000
    ours, naive = _measure_child("import", count), _measure_child("gather", count)
    exported = _measure_child("export", count)
    common = "child processes, in-process MockTransport (the SDK's memory alone)"
    return [
        {
            "benchmark": "bulk streaming memory",
            "case": f"import {count:,} rows from a JSONL file",
            "ours": round(ours["growth"], 1),
            "baseline": round(naive["growth"], 1),
            "unit": "MB peak RSS growth",
            "target": f"ours ≤ {MEMORY_TARGET_MB} MB",
            "met": ours["growth"] <= MEMORY_TARGET_MB,
            "note": (
                f"ours: bulk_create(keep_references=False), each row validated against the "
                f"schema first (the default), {count / ours['seconds']:,.0f} rows/s, "
                f"peak RSS {ours['peak']:.0f} MB; "
                "baseline: rows read into a list, asyncio.gather of one create per row, "
                f"{count / naive['seconds']:,.0f} rows/s, peak RSS {naive['peak']:.0f} MB; {common}"
            ),
        },
        {
            "benchmark": "bulk streaming memory",
            "case": f"export {count:,} items",
            "value": round(exported["growth"], 1),
            "unit": "MB peak RSS growth",
            "target": f"≤ {MEMORY_TARGET_MB} MB",
            "met": exported["growth"] <= MEMORY_TARGET_MB,
            "note": (
                f"items.export(concurrency=8), {count / exported['seconds']:,.0f} rows/s, "
                f"peak RSS {exported['peak']:.0f} MB; {common}"
            ),
        },
    ]


def run(quick: bool) -> list[dict[str, object]]:
    """Measure bulk import rate vs a hand-written loop, the cost of safe lookups, and
    streaming memory."""
    return _throughput(quick) + _lookups(quick) + _memory(quick)


if __name__ == "__main__":  # pragma: no cover
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(_child(sys.argv[2], int(sys.argv[3]))))
    else:
        for row in run(quick="--quick" in sys.argv):
            print(row)
