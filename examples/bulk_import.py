"""Bulk import: 300 rows, 32 at a time, exactly once, through server faults and a rate limit.

Shows ``client.items.bulk_create(rows, key=..., checkpoint=...)``: the rows are read lazily
from a generator, a create whose outcome is unknown (a 503 or a connection dropped after the
write) is looked up by its key before it is sent again, and the checkpoint journal lets a second
run skip everything already done. The emulator runs in this process with a 400 req/s limit and
seeded faults: ``python examples/bulk_import.py``.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from enspace_async import BulkProgress, BulkResult
from enspace_async.models import Currency
from enspace_async.testing import EnspaceEmulator, RateLimit

TYPE, ROWS = "invoices", 300
FIELDS = {"code": "inputText", "customer": "inputText", "total": "EnCurrency"}


def read_rows() -> Iterator[dict[str, Any]]:
    """Yield the rows to import (a CSV reader or a database cursor in real life)."""
    for n in range(1, ROWS + 1):
        total = Currency(currency="BRL", value=round(99.9 * n, 2))
        yield {"code": f"INV-{n:05d}", "customer": f"Customer {n % 37}", "total": total}


def report(label: str, result: BulkResult) -> None:
    """Print the counts of a bulk job and its first errors."""
    print(
        f"{label}: created={result.created} skipped={result.skipped} failed={result.failed} "
        f"unknown={result.unknown} recovered={result.recovered} ok={result.ok}"
    )
    for error in result.errors[:3]:
        print(f"  row {error.index} ({error.key}): {error.error}")


def on_progress(progress: BulkProgress) -> None:
    """Print a progress line every 100 rows (a progress bar would go here)."""
    if progress.done % 100 == 0:
        print(f"  {progress.done} rows, {progress.rate:.0f} rows/s")


async def main() -> None:
    """Import the rows under faults, then run the same job again from its checkpoint."""
    async with EnspaceEmulator(seed=7, rate_limit=RateLimit(per_second=400, burst=50)) as emu:
        emu.seed_type(TYPE, fields=FIELDS)
        emu.faults.add("503", rate=0.03, routes="items.create")
        emu.faults.add("reset_after", rate=0.02, routes="items.create")  # applied, then cut
        with tempfile.TemporaryDirectory() as tmp:
            journal = Path(tmp) / "invoices.journal"
            async with emu.client(rate_limit=300) as client:
                result = await client.items.bulk_create(
                    TYPE, read_rows(), key="code", checkpoint=journal, on_progress=on_progress
                )
                report("import", result)
                again = await client.items.bulk_create(
                    TYPE, read_rows(), key="code", checkpoint=journal
                )
                report("rerun", again)
                stats = client.stats
                print(f"requests: {stats.requests}, throttled: {stats.throttled}")
        codes = {row["data"]["code"] for row in emu.items(TYPE)}
        print(
            f"faults: {dict(emu.faults.counts)}; items: {len(emu.items(TYPE))}, codes: {len(codes)}"
        )


if __name__ == "__main__":
    asyncio.run(main())
