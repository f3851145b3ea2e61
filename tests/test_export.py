"""Reading at scale against the emulator: concurrent export in order with a completeness check,
keyset iteration under concurrent writes, and changes_since at a shared-timestamp boundary."""

from __future__ import annotations

import asyncio
import pickle

import pytest

from enspace_async import ConfigurationError, EnspaceClient, ExportIncompleteError
from enspace_async.testing import EnspaceEmulator

FIELDS = {"code": "inputText", "amount": "EnlNumber"}


pytestmark = pytest.mark.emulator(seed=3)


async def test_export_of_20000_items_is_complete_and_in_order(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    emu.seed_type("big", fields=FIELDS, items=20_000)
    emu.faults.add("503", rate=0.02, routes="items.list")  # GETs are retried by the client
    export = client.items.export("big", concurrency=8)
    ids = [item.id async for item in export]
    assert ids == [row["id"] for row in emu.items("big")]
    assert len(ids) == 20_000
    assert (export.total, export.received) == (20_000, 20_000)
    lists = [r for r in emu.requests if r.path.endswith("/items")]
    assert len(lists) >= 200


async def test_export_fails_loudly_when_the_server_drops_rows(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    emu.seed_type("big", fields=FIELDS, items=1000)
    emu.faults.add("drop_rows", rate=1.0, routes="items.list", rows=2)
    seen: list[int] = []

    async def consume() -> None:
        async for item in client.items.export("big", concurrency=4):
            seen.append(item.id)

    with pytest.raises(ExportIncompleteError) as caught:
        await consume()
    error = caught.value
    assert (error.offset, error.expected, error.received, error.total) == (0, 100, 98, 1000)
    assert error.resume_start == 0
    assert seen == []
    assert "rows went missing" in str(error)
    assert str(pickle.loads(pickle.dumps(error))) == str(error)


async def test_export_fetches_a_short_page_again_once(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    emu.seed_type("big", fields=FIELDS, items=450)
    emu.faults.add("drop_rows", routes="items.list", rows=1, times=1)
    items = [item async for item in client.items.export("big", concurrency=3)]
    assert [i.id for i in items] == [row["id"] for row in emu.items("big")]
    assert emu.faults.counts["drop_rows"] == 1


async def test_export_filters_sorts_and_stops_early(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    emu.seed_type("big", fields=FIELDS, items=300)
    rows = emu.items("big")
    wanted = sorted((r for r in rows if r["data"]["amount"] >= 500), key=lambda r: -r["id"])
    got = [
        i.id
        async for i in client.items.export(
            "big", filters={"data.amount_gte": 500}, sort="id:desc", page_size=50
        )
    ]
    assert got == [r["id"] for r in wanted]
    async with client.items.export("big", concurrency=4, page_size=10) as export:
        first = await anext(export)
    assert first.id == rows[0]["id"]
    emu.seed_type("empty", fields=FIELDS)
    assert [i async for i in client.items.export("empty")] == []
    with pytest.raises(ConfigurationError):
        client.items.export("big", concurrency=0)


async def test_keyset_sees_every_row_once_while_others_write(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    emu.seed_type("live", fields=FIELDS, items=1500)
    before = {row["id"] for row in emu.items("live")}
    doomed = sorted(before)[::7]
    doomed_refs = [r["reference"] for r in emu.items("live") if r["id"] in set(doomed)]
    seen: list[int] = []

    async def writer() -> None:
        for n, ref in enumerate(doomed_refs):
            await client.items.create("live", {"code": f"new{n}", "amount": n})
            await client.items.delete("live", ref)

    async def reader() -> None:
        async for item in client.items.iter_keyset("live", page_size=37):
            seen.append(item.id)
            await asyncio.sleep(0)

    await asyncio.gather(writer(), reader())
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen))
    survivors = before - set(doomed)
    assert survivors <= set(seen)  # nothing that stayed was skipped
    tail = [i async for i in client.items.iter_keyset("live", after_id=max(before))]
    assert len(tail) == len(doomed_refs)


async def test_changes_since_crosses_a_shared_timestamp_without_repeats(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    emu.seed_type("sync", fields=FIELDS, items=350)  # one timestamp for all 350
    first = emu.items("sync")[0]["updated_at"]
    changed = [i async for i in client.items.changes_since("sync", first, page_size=100)]
    assert [i.id for i in changed] == [row["id"] for row in emu.items("sync")]

    last = changed[-1]
    assert last.updated_at is not None
    refs = [r["reference"] for r in emu.items("sync")[:5]]
    for ref in refs:
        await client.items.update("sync", ref, {"amount": 1})
    since = [
        i.reference
        async for i in client.items.changes_since("sync", last.updated_at, after_id=last.id)
    ]
    assert since == refs
    resumed = [
        i.id async for i in client.items.changes_since("sync", first, after_id=300, page_size=20)
    ]
    assert resumed[:50] == [row["id"] for row in emu.items("sync")][300:]
