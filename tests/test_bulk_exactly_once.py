"""Exactly once under cut lookup pages, duplicate keys, refusals and kills.

Lookups: a page the server cut is never read as "absent" (``/count`` decides, the list only
fetches the reference); a contradiction ends ``unknown``; two items with one key are a row
error. Kills: real child processes (``tests/bulk_child.py``) SIGKILLed at seeded random points,
resumed until done; then 0 duplicates, and every row is created or reported ``unknown``, with at
most ``concurrency`` unknown rows per kill.
"""

from __future__ import annotations

import asyncio
import random
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers import FAST

from enspace_async import (
    BulkProgress,
    ConfigurationError,
    EnspaceClient,
    Request,
    Response,
)
from enspace_async.testing import EnspaceEmulator

FIELDS = {"code": "inputText", "amount": "EnlNumber"}
CHILD = Path(__file__).with_name("bulk_child.py")


def rows(count: int) -> Iterator[dict[str, Any]]:
    for n in range(count):
        yield {"code": f"C{n:06d}", "amount": n}


def codes(emu: EnspaceEmulator) -> Counter[str]:
    return Counter(row["data"]["code"] for row in emu.items("deals"))


pytestmark = pytest.mark.emulator(seed=12, types={"deals": FIELDS})


# --- lookups -------------------------------------------------------------------------------


async def test_cut_lookup_pages_never_create_a_row_twice(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    emu.faults.add("reset_after", rate=0.05, routes="items.create")
    emu.faults.add("drop_rows", rate=0.5, routes="items.list")
    async with asyncio.timeout(60):
        result = await client.items.bulk_create("deals", rows(2000), key="code", concurrency=16)
    assert emu.faults.counts["reset_after"] > 50
    assert emu.faults.counts["drop_rows"] > 10
    found = codes(emu)
    assert set(found.values()) == {1}  # never a second item for a row
    assert len(found) == 2000  # every reset_after was applied, so every row exists once
    assert result.created + result.unknown == 2000
    assert result.failed == 0
    assert all(e.unknown and "count" in e.error for e in result.errors)


async def test_a_lookup_cut_on_every_try_is_unknown_not_a_second_create(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    emu.faults.script("items.create", ["reset_after"])
    emu.faults.add("drop_rows", routes="items.list")  # every page loses its one row
    result = await client.items.bulk_create("deals", rows(1), key="code", concurrency=1)
    assert (result.created, result.unknown, result.failed) == (0, 1, 0)
    error = result.errors[0]
    assert error.unknown
    assert error.retryable
    assert "/count says 1 item" in error.error
    assert codes(emu) == Counter({"C000000": 1})
    assert emu.faults.counts["drop_rows"] >= 3  # the contradiction was retried


async def test_a_lookup_cut_once_settles_on_the_next_try(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    emu.faults.script("items.create", ["reset_after"])
    emu.faults.script("items.list", ["drop_rows"])
    result = await client.items.bulk_create("deals", rows(3), key="code", concurrency=1)
    assert (result.created, result.unknown, result.recovered) == (3, 0, 1)
    assert result.references[0] == emu.items("deals")[0]["reference"]
    assert set(codes(emu).values()) == {1}


async def test_two_items_with_the_key_are_a_row_error_not_another_create(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    for _ in range(2):
        await client.items.create("deals", {"code": "C000000", "amount": 0})
    emu.faults.script("items.create", ["503"])  # outcome unknown: look it up
    created = await client.items.bulk_create("deals", rows(1), key="code", concurrency=1)
    assert created.unknown == 1
    assert created.errors[0].error == "key not unique: 2 items have code='C000000'"
    upserted = await client.items.bulk_upsert("deals", rows(1), key="code")
    assert upserted.failed == 1
    assert not upserted.errors[0].unknown  # nothing was sent: certainly not applied
    assert upserted.errors[0].error == "key not unique: 2 items have code='C000000'"
    assert codes(emu) == Counter({"C000000": 2})


async def test_existing_skip_and_fail_look_every_row_up_before_creating(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    await client.items.bulk_create("deals", rows(2), key="code")
    skipped = await client.items.bulk_create("deals", rows(3), key="code", existing="skip")
    assert (skipped.existing, skipped.created) == (2, 1)
    assert skipped.references[0] == emu.items("deals")[0]["reference"]
    failed = await client.items.bulk_create("deals", rows(4), key="code", existing="fail")
    assert (failed.failed, failed.created) == (3, 1)
    assert not any(e.unknown or e.retryable for e in failed.errors)
    assert codes(emu) == Counter({f"C{n:06d}": 1 for n in range(4)})
    with pytest.raises(ConfigurationError, match="key"):
        await client.items.bulk_create("deals", rows(1), existing="skip")
    with pytest.raises(ConfigurationError, match="existing must be"):
        await client.items.bulk_create("deals", rows(1), key="code", existing="update")


async def test_a_create_whose_answer_does_not_decode_is_created_and_never_resent(
    emu: EnspaceEmulator, client: EnspaceClient, tmp_path: Path
) -> None:
    journal = tmp_path / "malformed.jsonl"
    emu.faults.script("items.create", ["malformed"])  # applied; a 200 that is not JSON
    first = await client.items.bulk_create("deals", rows(2), concurrency=1, checkpoint=journal)
    again = await client.items.bulk_create("deals", rows(2), concurrency=1, checkpoint=journal)
    assert (first.created, first.failed, again.skipped) == (2, 0, 2)
    assert codes(emu) == Counter({"C000000": 1, "C000001": 1})


# --- resumes without a key -----------------------------------------------------------------


def hold_first_answer(held: asyncio.Event) -> Any:
    """A middleware that keeps the first create's answer (the server applied it) forever."""

    async def middleware(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        if request.method == "POST" and not held.is_set():
            held.set()
            await asyncio.Event().wait()  # the job is cancelled here: killed after the apply
        return response

    return middleware


async def test_a_refused_row_in_flight_at_a_later_kill_is_never_sent_again(
    emu: EnspaceEmulator, client: EnspaceClient, tmp_path: Path
) -> None:
    journal = tmp_path / "refused.jsonl"
    emu.faults.script("items.create", ["429:0"] * 5)  # outlasts the client's five attempts
    first = await client.items.bulk_create("deals", rows(3), concurrency=1, checkpoint=journal)
    assert (first.created, first.failed) == (2, 1)
    assert first.errors[0].retryable

    held = asyncio.Event()
    async with emu.client(retry=FAST, middlewares=[hold_first_answer(held)]) as holding:
        job = asyncio.create_task(
            holding.items.bulk_create("deals", rows(3), concurrency=1, checkpoint=journal)
        )
        async with asyncio.timeout(10):
            await held.wait()
        job.cancel()
        await asyncio.gather(job, return_exceptions=True)
    assert codes(emu) == Counter({"C000000": 1, "C000001": 1, "C000002": 1})

    third = await client.items.bulk_create("deals", rows(3), concurrency=1, checkpoint=journal)
    assert (third.skipped, third.unknown, third.created) == (2, 1, 0)
    assert third.errors[0].index == 0
    assert "earlier run sent it" in third.errors[0].error
    assert set(codes(emu).values()) == {1}


async def test_after_two_kills_only_rows_in_flight_are_unknown(
    emu: EnspaceEmulator, client: EnspaceClient, tmp_path: Path
) -> None:
    journal, total, concurrency = tmp_path / "kills.jsonl", 400, 8
    for stop_at in (90, 170):
        stop = asyncio.Event()

        def progress(p: BulkProgress, stop: asyncio.Event = stop, at: int = stop_at) -> None:
            if p.done >= at:
                stop.set()

        job = asyncio.create_task(
            client.items.bulk_create(
                "deals",
                rows(total),
                concurrency=concurrency,
                checkpoint=journal,
                on_progress=progress,
            )
        )
        async with asyncio.timeout(30):
            await stop.wait()
        job.cancel()
        await asyncio.gather(job, return_exceptions=True)

    async with asyncio.timeout(30):
        final = await client.items.bulk_create(
            "deals", rows(total), concurrency=concurrency, checkpoint=journal
        )
    unknown = {e.index for e in final.errors if e.unknown}
    found = codes(emu)
    assert set(found.values()) == {1}
    missing = {n for n in range(total) if f"C{n:06d}" not in found}
    assert missing <= unknown  # a row never created is reported, never silently lost
    assert len(unknown) == final.unknown <= 2 * concurrency
    assert final.skipped + final.created + final.unknown == total


# --- SIGKILL rounds ------------------------------------------------------------------------


async def child_run(
    emu: EnspaceEmulator, journal: Path, key: str, kill_after: int, seed: int, total: int
) -> dict[str, Any] | None:
    """Run one import in a child process; its summary, or ``None`` if it was killed."""
    argv = [emu.url, emu.api_key, str(journal), str(total), key, "16", str(kill_after), str(seed)]
    child = await asyncio.create_subprocess_exec(
        sys.executable, str(CHILD), *argv, stdout=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(60):
        output, _ = await child.communicate()
    if child.returncode == -9:
        return None
    assert child.returncode == 0, output
    summary: dict[str, Any] = orjson.loads(output.splitlines()[-1])
    return summary


async def kill_rounds(
    emu: EnspaceEmulator, journal: Path, key: str, seed: int, total: int
) -> dict[str, Any]:
    """Four runs SIGKILLed after a seeded random number of rows, then runs until settled."""
    rng = random.Random(seed)
    for round_ in range(4):
        killed = await child_run(emu, journal, key, rng.randrange(150, 600), seed + round_, total)
        assert killed is None
    for _ in range(5):
        final = await child_run(emu, journal, key, 0, seed, total)
        assert final is not None
        if final["failed"] == 0 and (key == "-" or final["unknown"] == 0):
            return final
    raise AssertionError(f"not settled after 5 runs: {final}")


async def test_sigkill_rounds_without_key_lose_and_duplicate_nothing(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    total = 2500
    # Refusals (certainly not applied, sent again later) and 5xx (maybe applied). The 429s
    # are few: each one makes the child's adaptive limiter slow down for a while.
    emu.faults.add("429", rate=0.05, routes="items.create", retry_after=0, times=15)
    emu.faults.add("503", rate=0.005, routes="items.create")
    final = await kill_rounds(emu, tmp_path / "nokey.jsonl", "-", seed=1, total=total)
    found = codes(emu)
    assert set(found.values()) == {1}  # 0 duplicates
    unknown = set(final["unknown_rows"])
    missing = {n for n in range(total) if f"C{n:06d}" not in found}
    assert missing <= unknown  # every row created or reported unknown
    assert len(unknown) <= 16 * 4 + emu.faults.counts["503"]  # ≤ concurrency per kill


async def test_sigkill_rounds_with_key_create_every_row_exactly_once(
    emu: EnspaceEmulator, tmp_path: Path
) -> None:
    total = 2500
    emu.faults.add("reset_after", rate=0.03, routes="items.create")
    emu.faults.add("429", rate=0.05, routes="items.create", retry_after=0, times=15)
    emu.faults.add("drop_rows", rate=0.3, routes="items.list")
    final = await kill_rounds(emu, tmp_path / "key.jsonl", "code", seed=2, total=total)
    assert (final["failed"], final["unknown"]) == (0, 0)
    assert emu.faults.counts["drop_rows"] > 0
    assert codes(emu) == Counter({f"C{n:06d}": 1 for n in range(total)})
