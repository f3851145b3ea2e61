"""The emulator's row store and query engine, without HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from multidict import MultiDict

from enspace_async.testing import EnspaceEmulator
from enspace_async.testing._problems import error_body
from enspace_async.testing._query import parse_query
from enspace_async.testing._store import Collection, later, lookup
from enspace_async.testing._validate import validate_data


def rows() -> Collection:
    collection = Collection(key="ref")
    values: list[Any] = [True, None, 3, "b", {"id": 9, "slug": "s"}, [1, 2], 2.5]
    for ident, value in enumerate(values, start=1):
        collection.add({"id": ident, "ref": f"R{ident}", "v": value, "rel": [{"n": ident}]})
    return collection


def query(collection: Collection, **params: str) -> list[Any]:
    return [r["id"] for r in parse_query(MultiDict(params)).page(collection)]


def test_sort_orders_mixed_values_numbers_then_text_then_objects_then_null() -> None:
    assert query(rows(), _sort="v") == [1, 7, 3, 4, 6, 5, 2]
    assert query(rows(), _sort="v:desc")[0] == 2


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"v": "true"}, [1]),
        ({"v": "3"}, [3]),
        ({"v": "x"}, []),
        ({"v": "s"}, [5]),
        ({"v": "9"}, [5]),
        ({"v": "2"}, [6]),
        ({"v_gt": "x"}, []),
        ({"v_gt": "a"}, [4]),
        ({"v_lt": "3"}, [7]),
        ({"rel.n": "4"}, [4]),
        ({"v_null": "true"}, [2]),
    ],
)
def test_filters_on_mixed_values(params: dict[str, str], expected: list[int]) -> None:
    assert query(rows(), **params) == expected


def test_lookup_fans_out_over_lists_and_stops_at_scalars() -> None:
    row = {"a": [{"b": 1}, {"b": 2}, 3], "c": 5}
    assert lookup(row, "a.b") == [1, 2, None]
    assert lookup(row, "c.d") is None


def test_indexes_follow_updates_and_removals() -> None:
    collection = rows()
    assert query(collection, v="3") == [3]
    row = collection.get(3)
    assert row is not None
    collection.update(row, {"v": "b", "ref": "NEW"})
    assert query(collection, v="b") == [3, 4]
    assert collection.find("NEW") is row
    assert collection.find("R3") is None
    collection.remove(collection.get(4))  # type: ignore[arg-type]
    assert query(collection, v="b") == [3]
    assert collection.get(4) is None
    assert collection.get(99) is None
    with pytest.raises(ValueError, match="ids must increase"):
        collection.add({"id": 1, "ref": "x"})


def test_count_without_paging_and_order_of_candidates() -> None:
    collection = rows()
    assert (
        parse_query(MultiDict([("v_in", "3"), ("v_in", "b")]), paged=False).count(collection) == 2
    )
    assert parse_query(MultiDict(), paged=False).count(collection) == 7
    assert query(collection, v="2.5", _sort="id:desc") == [7]


def test_error_body_for_an_unusual_status() -> None:
    assert error_body(599, "x") == {"statusCode": 599, "error": "Error", "message": "x"}


async def test_concurrent_creates_are_each_applied_once() -> None:
    async with EnspaceEmulator() as emu:
        emu.seed_type("c", fields={"n": "EnlNumber"})
        headers = {"x-api-key": emu.api_key, "en-workspace": "acme"}
        async with aiohttp.ClientSession(headers=headers) as session:

            async def create(n: int) -> str:
                url = emu.url + "/ws/types/c/items"
                async with session.post(url, json={"data": {"n": n}}) as response:
                    return str((await response.json())["reference"])

            references = await asyncio.gather(*(create(n) for n in range(300)))
    assert len(set(references)) == 300
    assert sorted(r["data"]["n"] for r in emu.items("c")) == list(range(300))
    assert set(emu.applied_keys.values()) == {1}


def test_equality_found_by_a_looser_spelling_is_checked_row_by_row() -> None:
    collection = rows()
    collection.add({"id": 8, "ref": "R8", "v": "3.0"})
    collection.add({"id": 9, "ref": "R9", "v": "TRUE"})
    assert query(collection, v="3.0") == [3, 8]  # the number 3 equals "3.0"; the text "3.0" too
    assert query(collection, v="3") == [3]  # the text "3.0" does not equal "3"
    assert query(collection, v="TRUE") == [1, 9]
    assert parse_query(MultiDict(v="3.0"), paged=False).count(collection) == 2
    assert query(collection, v="3.0", _sort="id:desc") == [8, 3]


@pytest.mark.parametrize(
    ("kind", "value", "problem"),
    [
        ("inputText", 5, "data.f must be a string"),
        ("EnlDropdown", 5, "data.f must be a string"),
        ("EnlDropdown", "anything", None),
        ("EnlChips", "a", "data.f must be a list of strings"),
        ("EnlChips", ["free", "text"], None),
        ("EnlCalendar", 20260101, "data.f must be an ISO date or date-time string"),
        ("EnlCalendar", "2026-01-01", None),
        ("EnCustomCode", object(), None),
    ],
)
def test_value_checks_by_field_type(kind: str, value: object, problem: str | None) -> None:
    emu = EnspaceEmulator()
    emu.seed_type("t", fields=[{"name": "f", "type": kind, "options": []}])
    state = emu.ws().type_state("t")
    assert state is not None
    _, errors = validate_data({"f": value}, state, emu.ws(), partial=True)
    assert errors == ([problem] if problem else [])


def test_later_always_moves_forward() -> None:
    assert (
        later("2026-01-01T00:00:00.999Z", "2026-01-01T00:00:01.000Z") == "2026-01-01T00:00:01.000Z"
    )
    assert (
        later("2026-01-01T00:00:00.999Z", "2026-01-01T00:00:00.999Z") == "2026-01-01T00:00:01.000Z"
    )
