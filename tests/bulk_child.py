"""A bulk import in a child process, for the SIGKILL and two-process tests.

``python tests/bulk_child.py URL KEY JOURNAL ROWS KEYFIELD CONCURRENCY KILL_AFTER SEED``

Imports ``ROWS`` rows ``{"code": "C000000", "amount": 0}``... into ``deals`` with the journal
``JOURNAL`` (``KEYFIELD`` ``-`` for no key). With ``KILL_AFTER`` > 0 the process SIGKILLs
itself once that many rows finished in this run, after a delay drawn from ``random.Random(SEED)``
(0 to 20 ms, so the kill lands at any point of the requests in flight). A run that ends prints
one JSON line: the counts and the indices reported ``unknown``; a refused journal prints
``refused: <message>`` and exits 3.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from typing import Any

import orjson

from enspace_async import ConfigurationError, EnspaceClient, RetryPolicy


def main(argv: list[str]) -> int:
    url, api_key, journal, total, key, concurrency, kill_after, seed = argv
    delay = random.Random(int(seed)).uniform(0.0, 0.02)
    armed = int(kill_after) > 0

    def progress(snapshot: Any) -> None:
        nonlocal armed
        if armed and snapshot.done - snapshot.skipped >= int(kill_after):
            armed = False
            asyncio.get_running_loop().call_later(delay, os.kill, os.getpid(), signal.SIGKILL)

    async def run() -> dict[str, Any]:
        rows = ({"code": f"C{n:06d}", "amount": n} for n in range(int(total)))
        retry = RetryPolicy(max_attempts=1)  # a 429 fails its row: resent by a later run
        async with EnspaceClient(api_key, workspace="acme", base_url=url, retry=retry) as client:
            result = await client.items.bulk_create(
                "deals",
                rows,
                key=None if key == "-" else key,
                concurrency=int(concurrency),
                checkpoint=journal,
                on_progress=progress,
            )
        unknown = sorted(e.index for e in result.errors if e.unknown)
        return {
            "created": result.created,
            "failed": result.failed,
            "unknown": result.unknown,
            "skipped": result.skipped,
            "unknown_rows": unknown,
        }

    try:
        summary = asyncio.run(run())
    except ConfigurationError as exc:
        print(f"refused: {exc}", flush=True)
        return 3
    print(orjson.dumps(summary).decode(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
