"""Many workers, one API key: 4 worker processes against one emulator limited to R requests/s.

Each worker is its own process (``python -m benchmarks.bench_workers --worker``) with its own
client, sending ``GET`` requests for one item from 16 concurrent tasks. Two cases, side by side:

- **redis limiter**: every worker's client uses a :class:`~enspace_async.redis.RedisLimiter`
  with ``max_rate=R`` on the same key, so the four share one bucket;
- **in-process limiters**: every worker's client has its own limiter with ``max_rate=R`` (what a
  user who knows the key's limit configures in each process), so together they offer up to 4 R;
  the adaptive limiter then backs off on the 429s, so after the first seconds the overshoot
  shrinks to a steady share of 429s;
- (full mode) **in-process limiters, not adaptive**: the same with fixed limiters, as most
  clients have.

The workers start together once all are ready; the answers they receive during the measured
window (after a warm-up of ``WARMUP`` seconds) are counted. ``value`` is the rate the server was sent (2xx and 429 answers per second)
divided by R; ``share_429`` is the share of 429 answers and ``achieved`` the 2xx rate over R.
Redis is the server named by ``ENSPACE_TEST_REDIS_URL``, or one started here (``benchmarks/_redis.py``).
"""

# ruff: noqa: RUF001 - the table prints the multiplication sign and en dashes
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

from ._redis import running_redis as redis_server
from ._server import Server, emulator

__all__ = ["WORKERS", "measure", "redis_server", "run"]

WORKERS = 4
CONCURRENCY = 16
WARMUP = 0.5
TYPE = "contracts"
CASES = {
    "redis": "redis limiter",
    "local": "in-process limiters",
    "fixed": "in-process limiters, not adaptive",
}


def measure(
    server: Server, redis_url: str, modes: Sequence[str], rate: float, duration: float
) -> list[dict[str, Any]]:
    """Run :data:`WORKERS` worker processes per mode, one mode after the other, for
    ``duration`` seconds each; return the totals of each mode.

    The processes of every mode start at once (they wait for their signal), so the run pays
    for starting Python only once.
    """
    reference = asyncio.run(_reference(server))
    groups = [_spawn(server, redis_url, reference, mode, rate, duration) for mode in modes]
    try:
        return [_drive(workers, rate, duration) for workers in groups]
    finally:
        for worker in (w for workers in groups for w in workers):
            if worker.poll() is None:
                worker.kill()
            worker.wait()
            for stream in (worker.stdin, worker.stdout):
                if stream is not None:
                    stream.close()


def _spawn(
    server: Server, redis_url: str, reference: str, mode: str, rate: float, duration: float
) -> list[subprocess.Popen[str]]:
    settings = {
        "url": server.url,
        "workspace": server.workspace,
        "reference": reference,
        "redis_url": redis_url,
        "namespace": f"bench-{uuid.uuid4().hex[:12]}",
        "mode": mode,
        "rate": rate,
        "duration": duration,
    }
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDEVMODE", "PYTHONASYNCIODEBUG")}
    env |= {"ENSPACE_API_KEY": server.api_key, "BENCH_SETTINGS": json.dumps(settings)}
    # Measure the workers as they run in production: without the debug mode of the tests.
    argv = [sys.executable, "-m", "benchmarks.bench_workers", "--worker"]
    return [
        subprocess.Popen(
            argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        for _ in range(WORKERS)
    ]


def _drive(workers: list[subprocess.Popen[str]], rate: float, duration: float) -> dict[str, Any]:
    for worker in workers:
        assert worker.stdout is not None
        if worker.stdout.readline().strip() != "READY":
            raise RuntimeError(f"a worker failed to start (exit {worker.wait()})")
    start = time.time() + 0.2
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write(f"{start}\n")
        worker.stdin.flush()
    totals: Counter[str] = Counter()
    for worker in workers:
        assert worker.stdout is not None
        totals.update(json.loads(worker.stdout.readline()))
    answered = totals["ok"] + totals["throttled"]
    return {
        "sent": answered / duration / rate,
        "achieved": totals["ok"] / duration / rate,
        "share_429": totals["throttled"] / answered if answered else 0.0,
        "errors": totals["errors"],
    }


async def _reference(server: Server) -> str:
    async with server.client() as client:
        async for item in client.items.list(TYPE, page_size=1):
            return str(item.reference)
    raise RuntimeError(f"the emulator has no {TYPE} items")


def run(quick: bool) -> list[dict[str, object]]:
    """Measure the aggregate rate of 4 workers with a shared and with in-process limiters."""
    rate, duration = (50.0, 2.0) if quick else (100.0, 8.0)
    modes = ["redis", "local"] if quick else list(CASES)
    with redis_server() as redis_url, emulator(rate_limit=rate) as server:
        results = measure(server, redis_url, modes, rate, duration)
    return [_row(m, r, rate, duration) for m, r in zip(modes, results, strict=True)]


def _row(mode: str, result: dict[str, Any], rate: float, duration: float) -> dict[str, object]:
    shared = mode == "redis"
    met = 0.95 <= result["sent"] <= 1.05 and result["share_429"] < 0.02
    return {
        "benchmark": f"{WORKERS} workers, one key",
        "case": CASES[mode],
        "value": round(result["sent"], 3),
        "unit": "× R",
        "share_429": round(result["share_429"], 4),
        "achieved": round(result["achieved"], 3),
        "target": "0.95–1.05 × R, 429s < 2 %" if shared else "(shows the overshoot)",
        "met": met if shared else None,
        "note": (
            f"R = {rate:g}/s, {WORKERS} processes × {CONCURRENCY} tasks, {duration:g} s; "
            f"429 share {result['share_429']:.1%}, 2xx {result['achieved']:.2f} × R"
            + ("" if shared else "; each process limited to R on its own")
        ),
    }


# The worker process.


async def _worker(settings: dict[str, Any]) -> dict[str, int]:
    from enspace_async import EnspaceClient, Hooks, RateLimiter
    from enspace_async.redis import RedisLimiter

    key, rate = os.environ["ENSPACE_API_KEY"], settings["rate"]
    counts: Counter[str] = Counter()
    window = [0.0, 0.0]

    def count(attempt: Any) -> None:
        if window[0] <= time.time() < window[1]:
            status = attempt.response.status if attempt.response is not None else 0
            counts["ok" if 200 <= status < 300 else "throttled" if status == 429 else "errors"] += 1

    options: dict[str, Any] = {
        "rate_limit": RateLimiter(rate, adaptive=settings["mode"] != "fixed")
    }
    shared = None
    if settings["mode"] == "redis":
        shared = RedisLimiter(
            settings["redis_url"],
            key,
            max_rate=rate,
            expected_workers=WORKERS,
            namespace=settings["namespace"],
        )
        # Open the pool's connections before the start, as a long-running worker would have.
        with contextlib.suppress(Exception):  # without Redis the limiter falls back anyway
            await asyncio.gather(*(shared.current_rate() for _ in range(CONCURRENCY)))
        options = {"rate_limit": RateLimiter(backend=shared), "retry_budget": shared}
    async with EnspaceClient(
        key,
        workspace=settings["workspace"],
        base_url=settings["url"],
        hooks=Hooks(on_response=[count]),
        **options,
    ) as client:
        await client.items.get(TYPE, settings["reference"])  # open a connection
        print("READY", flush=True)
        start = float(await asyncio.to_thread(sys.stdin.readline))
        window[:] = [start + WARMUP, start + WARMUP + settings["duration"]]
        await asyncio.sleep(max(0.0, start - time.time()))
        await _load(client, settings["reference"], window[1])
    if shared is not None:
        await shared.aclose()
    return dict(counts)


async def _load(client: Any, reference: str, end: float) -> None:
    from enspace_async import EnspaceError

    async def one() -> None:
        while time.time() < end:
            with contextlib.suppress(EnspaceError):  # a call out of retries: the hook counted it
                await client.items.get(TYPE, reference)

    tasks = [asyncio.create_task(one()) for _ in range(CONCURRENCY)]
    await asyncio.sleep(max(0.0, end - time.time()))
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _worker_main() -> None:
    settings = json.loads(os.environ["BENCH_SETTINGS"])
    print(json.dumps(asyncio.run(_worker(settings))), flush=True)


if __name__ == "__main__":  # pragma: no cover
    if "--worker" in sys.argv:
        _worker_main()
    else:
        for row in run(quick="--quick" in sys.argv):
            print(row)
