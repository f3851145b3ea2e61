"""Bulk writes against the emulator over loopback: exactly once with a key under seeded faults,
unknown outcomes reported without a key, bad rows isolated, backpressure, update/upsert/delete."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from enspace_async import BulkProgress, ConfigurationError, EnspaceClient
from enspace_async.testing import EnspaceEmulator

FIELDS = {"code": "inputText", "name": "inputText", "amount": "EnlNumber"}


def rows(count: int, start: int = 0) -> Iterator[dict[str, Any]]:
    for n in range(start, start + count):
        yield {"code": f"C{n:06d}", "name": f"row {n}", "amount": n}


def codes(emu: EnspaceEmulator, slug: str = "deals") -> Counter[str]:
    return Counter(row["data"]["code"] for row in emu.items(slug))


pytestmark = pytest.mark.emulator(seed=7, types={"deals": FIELDS})


def add_write_faults(emu: EnspaceEmulator) -> None:
    emu.faults.add("reset_after", rate=0.03, routes="items.create")
    emu.faults.add("503", rate=0.02, routes="items.create")
    emu.faults.add("reset_before", rate=0.01, routes="items.create")
    emu.faults.add("503", rate=0.02, routes="items.list")


async def test_key_makes_5000_rows_exactly_once_under_resets_after_apply(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    add_write_faults(emu)
    result = await client.items.bulk_create("deals", rows(5000), key="code", concurrency=32)
    assert emu.faults.counts["reset_after"] > 50
    assert (result.created, result.failed, result.unknown) == (5000, 0, 0)
    assert result.recovered >= emu.faults.counts["reset_after"]
    found = codes(emu)
    assert len(emu.items("deals")) == 5000
    assert len(found) == 5000
    assert set(found.values()) == {1}
    assert sorted(result.references) == list(range(5000))
    assert set(result.references.values()) == {row["reference"] for row in emu.items("deals")}


async def test_without_key_unknown_rows_are_reported_not_duplicated(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    emu.faults.add("reset_after", rate=0.05, routes="items.create")
    emu.faults.add("503", rate=0.03, routes="items.create")
    result = await client.items.bulk_create("deals", rows(2000))
    applied_unanswered = emu.faults.counts["reset_after"]
    assert applied_unanswered > 0
    assert emu.faults.counts["503"] > 0
    assert result.unknown == applied_unanswered + emu.faults.counts["503"]
    assert result.created + result.unknown == 2000
    assert result.failed == 0
    found = codes(emu)
    assert set(found.values()) == {1}  # nothing sent twice
    assert len(found) == result.created + applied_unanswered
    unknown = {e.index for e in result.errors}
    assert len(unknown) == result.unknown
    assert all((e.key is None and "outcome" in e.error.lower()) or e.status for e in result.errors)


async def test_bad_rows_fail_alone_with_index_key_and_error(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    data: list[Any] = list(rows(50))
    data[3] = {"code": "C000003", "amount": "not a number"}
    data[7] = {"name": "no key"}
    data[9] = ["not", "a", "mapping"]
    data[11] = {"code": {"nested": 1}}
    # What the server refuses (local validation would stop these rows before a request).
    result = await client.items.bulk_create(
        "deals", data, key="code", concurrency=4, validate=False
    )
    assert result.created == 46
    assert result.failed == 4
    by_index = {e.index: e for e in result.errors}
    assert set(by_index) == {3, 7, 9, 11}
    assert by_index[3].key == "C000003"
    assert by_index[3].status == 400
    assert "BadRequestError" in by_index[3].error
    assert "key field 'code'" in by_index[7].error
    assert "mapping" in by_index[9].error
    assert "string or a number" in by_index[11].error
    assert emu.api_key not in repr(result.errors)
    assert len(emu.items("deals")) == 46


async def test_rows_stream_with_backpressure_from_an_async_iterable(
    client: EnspaceClient,
) -> None:
    pulled = 0
    gaps: list[int] = []

    async def source() -> AsyncIterator[dict[str, Any]]:
        nonlocal pulled
        for row in rows(600):
            pulled += 1
            yield row

    def progress(p: BulkProgress) -> None:
        gaps.append(pulled - p.done)

    result = await client.items.bulk_create("deals", source(), concurrency=8, on_progress=progress)
    assert result.created == 600
    assert len(gaps) == 600
    # read-ahead is bounded by the workers plus the queue, never by the row count
    assert max(gaps) <= 2 * 8 + 1
    assert gaps[-1] == 0
    assert result.elapsed > 0


async def test_update_upsert_and_delete(emu: EnspaceEmulator, client: EnspaceClient) -> None:
    created = await client.items.bulk_create("deals", rows(40), key="code")
    refs = [created.references[i] for i in range(40)]
    emu.faults.add("503", rate=0.05, routes="items.update")  # PUT is retried by the client
    updated = await client.items.bulk_update(
        "deals", ({"reference": r, "amount": -1} for r in refs[:20])
    )
    assert updated.updated == 20
    assert updated.failed == 0
    assert sum(1 for row in emu.items("deals") if row["data"]["amount"] == -1) == 20

    upsert_rows = [{"code": f"C{n:06d}", "name": "upserted"} for n in range(30, 60)]
    upserted = await client.items.bulk_upsert("deals", upsert_rows, key="code", concurrency=4)
    assert (upserted.updated, upserted.created) == (10, 20)
    assert len(emu.items("deals")) == 60
    assert set(codes(emu).values()) == {1}

    deleted = await client.items.bulk_delete("deals", [*refs[:10], {"reference": refs[10]}])
    again = await client.items.bulk_delete("deals", refs[:2])  # already gone: still deleted
    bad = await client.items.bulk_delete("deals", [{"other": 1}])
    assert deleted.deleted == 11
    assert again.deleted == 2
    assert bad.failed == 1
    assert len(emu.items("deals")) == 49


async def test_upsert_serialises_rows_that_share_a_key(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    same = [{"code": "SAME", "amount": n} for n in range(10)]
    result = await client.items.bulk_upsert("deals", same, key="code", concurrency=10)
    assert (result.created, result.updated) == (1, 9)
    assert codes(emu) == Counter({"SAME": 1})


async def test_unresolvable_lookup_leaves_the_row_unknown_and_retryable(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    emu.faults.script("items.create", ["reset_after"])
    emu.faults.script("items.list", ["500"] * 5)
    result = await client.items.bulk_create("deals", rows(1), key="code", concurrency=1)
    assert result.unknown == 1
    assert result.errors[0].retryable
    assert result.errors[0].key == "C000000"


async def test_bad_arguments_raise_before_anything_is_sent(client: EnspaceClient) -> None:
    with pytest.raises(ConfigurationError, match="concurrency"):
        await client.items.bulk_create("deals", rows(1), concurrency=0)
    with pytest.raises(ConfigurationError, match="key"):
        await client.items.bulk_upsert("deals", rows(1), key="")
    with pytest.raises(TypeError, match="iterable"):
        await client.items.bulk_create("deals", 42)  # type: ignore[arg-type]


async def test_update_and_delete_failures_are_rows_not_aborts(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    created = await client.items.bulk_create("deals", rows(3), key="code")
    ref = created.references[0]
    updates: list[Any] = [
        {"reference": "NOPE1", "amount": 1},
        {"amount": 2},
        "not a mapping",
        {"reference": ref, "amount": "bad"},
        {"reference": ref, "amount": 5},
    ]
    result = await client.items.bulk_update("deals", updates, concurrency=2, validate=False)
    assert result.updated == 1
    failed = {e.index: e for e in result.errors}
    assert set(failed) == {0, 1, 2, 3}
    assert failed[0].status == 404
    assert failed[3].status == 400
    assert not failed[0].retryable

    emu.faults.add("503", routes="items.delete")  # outlasts the client's retries
    deleted = await client.items.bulk_delete("deals", [ref, 42])  # type: ignore[list-item]
    assert deleted.failed == 2
    by_index = {e.index: e for e in deleted.errors}
    assert by_index[0].retryable
    assert by_index[0].status == 503
    assert "mapping" in by_index[1].error


async def test_upsert_reports_bad_rows_and_lookup_failures(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    emu.faults.script("items.count", ["500"] * 5)  # the lookup asks /count first
    result = await client.items.bulk_upsert(
        "deals",
        [{"code": "A"}, {"name": "no key"}, ["x"]],  # type: ignore[list-item]
        key="code",
        concurrency=1,
    )
    assert result.failed == 3
    first = next(e for e in result.errors if e.index == 0)
    assert first.retryable
    assert first.status == 500
    emu.faults.clear()
    existing = await client.items.bulk_create("deals", [{"code": "B", "amount": 1}], key="code")
    bad = await client.items.bulk_upsert(
        "deals", [{"code": "B", "amount": "x"}], key="code", validate=False
    )
    assert bad.failed == 1
    assert bad.errors[0].status == 400
    assert existing.created == 1
