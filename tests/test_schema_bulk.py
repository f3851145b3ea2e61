"""Bulk jobs validate first: a row that does not fit its type fails locally, without a request."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio

from enspace_async import EnspaceClient
from enspace_async.testing import EnspaceEmulator

FIELDS = [
    {"name": "code", "type": "inputText", "required": True},
    {"name": "amount", "type": "EnlNumber"},
    {"name": "stage", "type": "EnlDropdown", "options": [{"value": "won"}, {"value": "lost"}]},
]


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[EnspaceEmulator]:
    async with EnspaceEmulator(seed=2) as emulator:
        emulator.seed_type("deals", fields=FIELDS)
        yield emulator


@pytest_asyncio.fixture
async def client(emu: EnspaceEmulator) -> AsyncIterator[EnspaceClient]:
    async with emu.client() as client:
        yield client


def sent(emu: EnspaceEmulator, route: str) -> int:
    return sum(r.route == route for r in emu.requests)


def rows(n: int) -> list[dict[str, Any]]:
    return [{"code": f"C{i}", "amount": i, "stage": "won"} for i in range(n)]


async def test_rows_that_do_not_fit_fail_without_a_request(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    data = rows(20)
    data[4] = {"code": "C4", "amount": "lots"}
    data[9] = {"code": "C9", "stage": "wno"}
    data[15] = {"amount": 1, "colour": "red"}
    async with asyncio.timeout(20):
        result = await client.items.bulk_create("deals", data, key="code", concurrency=4)
    assert (result.created, result.failed) == (17, 3)
    errors = {e.index: e for e in result.errors}
    assert errors[4].key == "C4"
    assert errors[4].error == (
        'not sent, it does not fit the type: amount must be a number, got "lots"'
    )
    assert (
        "stage must be one of ['won', 'lost'], got \"wno\" (did you mean 'won'?)" in errors[9].error
    )
    assert "colour is not a field of type 'deals'" in errors[15].error
    assert "code is required" in errors[15].error
    assert all(e.status is None and not e.retryable and not e.unknown for e in result.errors)
    assert sent(emu, "items.create") == 17  # the bad rows spent nothing
    assert sent(emu, "fields.list") == 1  # the schema, once


async def test_validate_false_sends_every_row_and_the_server_refuses(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    data = [*rows(3), {"code": "X", "amount": "lots"}]
    async with asyncio.timeout(20):
        result = await client.items.bulk_create("deals", data, validate=False)
    assert (result.created, result.failed) == (3, 1)
    assert result.errors[0].status == 400
    assert "data.amount must be a number" in result.errors[0].error
    assert sent(emu, "items.create") == 4
    assert sent(emu, "fields.list") == 0


async def test_updates_and_upserts_are_checked_as_what_they_are(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    async with asyncio.timeout(20):
        created = await client.items.bulk_create("deals", rows(2), key="code")
        first, second = created.references[0], created.references[1]
        updates = [{"reference": first, "amount": 7}, {"reference": second, "stage": "maybe"}]
        updated = await client.items.bulk_update("deals", updates)
        assert sent(emu, "items.update") == 1
        upserts = [{"code": "C0", "amount": 8}, {"amount": 9}]
        upserted = await client.items.bulk_upsert("deals", upserts, key="code")
    # An update names only what changes (code is not missing), and its reference is no field.
    assert (updated.updated, updated.failed) == (1, 1)
    assert updated.errors[0].key == second
    assert "stage must be one of ['won', 'lost']" in updated.errors[0].error
    assert (upserted.updated, upserted.failed) == (1, 1)
    assert "code is required" in upserted.errors[0].error


async def test_a_20000_row_import_with_50_bad_rows_sends_19950_creates(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    bad = set(range(7, 20_000, 400))  # 50 rows, spread through the file
    assert len(bad) == 50
    data = [
        {"code": f"C{n}", "amount": "n/a" if n in bad else n, "stage": "won"} for n in range(20_000)
    ]
    async with asyncio.timeout(50):
        result = await client.items.bulk_create(
            "deals", data, concurrency=32, keep_references=False
        )
    assert (result.created, result.failed) == (19_950, 50)
    assert {e.index for e in result.errors} == bad
    assert all("amount must be a number" in e.error for e in result.errors)
    assert sent(emu, "items.create") == 19_950
    assert len(emu.items("deals")) == 19_950


async def test_a_row_an_earlier_run_may_have_applied_is_never_failed_by_validation(
    emu: EnspaceEmulator, client: EnspaceClient, tmp_path: Path
) -> None:
    journal = tmp_path / "job.jsonl"
    emu.faults.script("items.create", ["reset_after"])  # applied, but the answer is lost
    async with asyncio.timeout(20):
        first = await client.items.bulk_create("deals", rows(1), checkpoint=journal)
        assert first.unknown == 1
        # Run again after the file was edited badly: the row may exist, so it stays unknown.
        again = [{"code": "C0", "amount": "lots"}]
        second = await client.items.bulk_create("deals", again, checkpoint=journal)
    assert (second.unknown, second.failed) == (1, 0)
    assert "outcome unknown" in second.errors[0].error
    assert len(emu.items("deals")) == 1
