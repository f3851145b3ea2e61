"""The checkpoint journal: a killed import resumed with the same journal ends with every row
exactly once (with a key: in-flight rows looked up; without: reported unknown). The journal's
own rules (cut lines, bad lines, the lock, the header) are in ``test_bulk_journal.py``."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from helpers import FAST

from enspace_async import BulkProgress, EnspaceClient
from enspace_async._bulk.checkpoint import DoneSet
from enspace_async.testing import EnspaceEmulator

FIELDS = {"code": "inputText", "amount": "EnlNumber"}
TOTAL = 3000

# The child imports with a checkpoint and SIGKILLs itself in the middle of the job.
CHILD = """
import asyncio, os, signal, sys
from enspace_async import EnspaceClient, RetryPolicy

url, key, path, kill_at = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

def progress(p):
    if p.done >= kill_at:
        os.kill(os.getpid(), signal.SIGKILL)

async def main():
    rows = ({"code": f"C{n:06d}", "amount": n} for n in range(int(sys.argv[5])))
    retry = RetryPolicy(backoff_base=0.0, max_backoff=0.0)
    async with EnspaceClient(key, workspace="acme", base_url=url, retry=retry) as client:
        await client.items.bulk_create(
            "deals", rows, key="code", concurrency=24, checkpoint=path, on_progress=progress
        )

asyncio.run(main())
"""


def rows(count: int) -> Iterator[dict[str, Any]]:
    for n in range(count):
        yield {"code": f"C{n:06d}", "amount": n}


def codes(emu: EnspaceEmulator) -> Counter[str]:
    return Counter(row["data"]["code"] for row in emu.items("deals"))


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[EnspaceEmulator]:
    async with EnspaceEmulator(seed=11) as emulator:
        emulator.seed_type("deals", fields=FIELDS)
        emulator.faults.add("reset_after", rate=0.03, routes="items.create")
        emulator.faults.add("503", rate=0.02, routes="items.create")
        yield emulator


@pytest_asyncio.fixture
async def client(emu: EnspaceEmulator) -> AsyncIterator[EnspaceClient]:
    async with emu.client(retry=FAST) as c:
        yield c


async def test_sigkilled_import_resumed_has_every_row_exactly_once(
    emu: EnspaceEmulator, client: EnspaceClient, tmp_path: Path
) -> None:
    journal = tmp_path / "import.jsonl"
    args = [emu.url, emu.api_key, str(journal), "1200", str(TOTAL)]
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", CHILD, *args)
    assert await child.wait() == -9  # killed mid-job
    first_run = len(emu.items("deals"))
    assert 1200 <= first_run < TOTAL

    result = await client.items.bulk_create(
        "deals", rows(TOTAL), key="code", concurrency=24, checkpoint=journal
    )
    assert result.skipped >= 1200
    assert result.skipped + result.created == TOTAL
    assert (result.failed, result.unknown) == (0, 0)
    found = codes(emu)
    assert len(found) == TOTAL
    assert set(found.values()) == {1}
    # a third run has nothing left to do
    again = await client.items.bulk_create("deals", rows(TOTAL), key="code", checkpoint=journal)
    assert (again.skipped, again.created) == (TOTAL, 0)
    assert len(emu.items("deals")) == TOTAL


async def test_cancelled_import_without_key_reports_in_flight_rows_unknown(
    emu: EnspaceEmulator, client: EnspaceClient, tmp_path: Path
) -> None:
    journal = tmp_path / "nokey.jsonl"
    stop = asyncio.Event()
    seen: list[BulkProgress] = []

    def progress(p: BulkProgress) -> None:
        seen.append(p)
        if p.done >= 400:
            stop.set()

    job = asyncio.create_task(
        client.items.bulk_create(
            "deals", rows(1000), concurrency=16, checkpoint=journal, on_progress=progress
        )
    )
    await stop.wait()
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job

    result = await client.items.bulk_create("deals", rows(1000), concurrency=16, checkpoint=journal)
    assert result.skipped + result.unknown >= 400  # unknown rows of the first run stay unknown
    assert result.skipped + result.created + result.unknown + result.failed == 1000
    found = codes(emu)
    assert set(found.values()) == {1}  # never sent twice
    suspects = [e for e in result.errors if "earlier run" in e.error]
    # the rows in flight at the cancel, and the rows whose outcome the first run did not know
    assert seen[-1].unknown < len(suspects) <= 16 + seen[-1].unknown


async def test_failed_rows_are_sent_again_on_resume(
    emu: EnspaceEmulator, client: EnspaceClient, tmp_path: Path
) -> None:
    emu.faults.clear()
    journal = tmp_path / "retry.jsonl"
    data: list[dict[str, Any]] = list(rows(20))
    data[5] = {"code": "C000005", "amount": "bad"}
    emu.faults.script("items.create", ["429:0"] * 5)  # exhausts the client's 5 attempts
    first = await client.items.bulk_create(
        "deals", data, key="code", concurrency=1, checkpoint=journal
    )
    assert (first.created, first.failed) == (18, 2)
    assert {e.index: e.retryable for e in first.errors} == {0: True, 5: False}
    data[5] = {"code": "C000005", "amount": 5}  # the input was fixed
    second = await client.items.bulk_create("deals", data, key="code", checkpoint=journal)
    assert (second.skipped, second.created, second.failed) == (18, 2, 0)
    assert codes(emu) == Counter({f"C{n:06d}": 1 for n in range(20)})
    assert set(second.references) == set(range(20))


def test_done_set_keeps_a_watermark() -> None:
    done = DoneSet()
    for index in (0, 1, 3, 5, 2):
        done.add(index)
    assert done.low == 4
    assert 3 in done
    assert 4 not in done
    assert 5 in done
    assert (len(done), done.high) == (5, 5)
