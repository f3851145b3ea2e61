"""Instructions per request under ``valgrind --tool=callgrind``: the repeatable cost measure.

CPU time on a shared machine drifts by 10-20 % between runs; an instruction count repeats
within about 1 %. Each contender of the ``client_cost`` row (ours, our transport alone, raw
aiohttp) runs in a child process under callgrind twice, sending ``small`` and then ``large``
requests after the same start-up and warm-up, so the difference of the two totals divided by
``large - small`` is the count of one request, start-up excluded. Two runs of the same
length differ by up to ~15M instructions in all (start-up, and the loop and the limiter
following the wall clock, which valgrind slows 50-fold), so the difference needs many
requests: 1,200 by default (±12k per request; 400 left ±37k). The emulator runs outside
valgrind, in its own process, so only the client is counted::

    python -m benchmarks.bench_client_cost --instructions [--concurrency 1 16 128]
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from contextlib import AsyncExitStack

from ._server import Server, emulator

__all__ = ["child", "count", "per_request", "server_of_env"]

_ENV = "ENSPACE_BENCH_SERVER"
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def child(name: str, concurrency: int, total: int) -> None:
    """In the child: warm up ``name`` and send ``total`` requests (the parent counts)."""
    from .bench_client_cost import _contenders, _cpu_per_request

    server = server_of_env()

    async def go() -> None:
        async with AsyncExitStack() as stack:
            send = (await _contenders(server, concurrency, stack, [name]))[name]
            await _cpu_per_request(send, concurrency, max(concurrency, 50))
            if total:
                await _cpu_per_request(send, concurrency, total)

    asyncio.run(go())


def _instructions(
    server: Server,
    name: str,
    concurrency: int,
    total: int,
    module: str = "benchmarks.bench_client_cost",
) -> int:
    """Instructions of one child run of ``module --child name concurrency total``."""
    env = {
        **os.environ,
        _ENV: json.dumps({"url": server.url, "key": server.api_key, "workspace": server.workspace}),
        "PYTHONHASHSEED": "0",
    }
    argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    argv += [sys.executable, "-m", module, "--child"]
    argv += [name, str(concurrency), str(total)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    found = _COLLECTED.search(done.stderr)
    if done.returncode or found is None:
        raise RuntimeError(f"callgrind run of {name!r} failed: {done.stderr[-2000:]}")
    return int(found.group(1))


def per_request(
    server: Server,
    name: str,
    concurrency: int,
    small: int,
    large: int,
    module: str = "benchmarks.bench_client_cost",
) -> float:
    """Instructions one request of ``name`` costs at ``concurrency``."""
    before = _instructions(server, name, concurrency, small, module)
    after = _instructions(server, name, concurrency, large, module)
    return (after - before) / (large - small)


def server_of_env() -> Server:
    """In a child: the server the parent started."""
    fields = json.loads(os.environ[_ENV])
    return Server(fields["url"], fields["key"], fields["workspace"], 0)


def count(concurrency: Sequence[int], requests: int) -> str:
    """Count ours, the transport alone and raw aiohttp; return a Markdown table."""
    from .bench_client_cost import OURS, TRANSPORT

    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    names = (OURS, TRANSPORT, "raw aiohttp")
    lines = [
        "| concurrent | ours | transport + decode | raw aiohttp | ours / raw "
        "| client layers | transport + decode over raw |",
        "|---|---|---|---|---|---|---|",
    ]
    with emulator(demo_data=True) as server:
        for level in concurrency:
            small = max(level, requests // 4)
            large = small + requests
            k = {n: per_request(server, n, level, small, large) / 1000 for n in names}
            ours, transport, raw = k[OURS], k[TRANSPORT], k["raw aiohttp"]
            lines.append(
                f"| {level} | {ours:.0f}k | {transport:.0f}k | {raw:.0f}k | {ours / raw:.2f}x "
                f"| {ours - transport:+.0f}k | {transport - raw:+.0f}k |"
            )
            print(lines[-1], file=sys.stderr, flush=True)
    return "\n".join(lines)
