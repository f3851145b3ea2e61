"""The emulator's wire contract, checked with plain aiohttp: lists, filters, errors, items."""

from __future__ import annotations

import re

import pytest
from conftest import RawApi

from enspace_async.testing import EnspaceEmulator

ITEMS = "/ws/types/contracts/items"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def seeded(enspace_emulator: EnspaceEmulator) -> EnspaceEmulator:
    enspace_emulator.seed_type("contracts", items=250)
    return enspace_emulator


async def test_a_list_is_a_bare_array_of_the_first_100_rows(
    seeded: EnspaceEmulator, raw_api: RawApi
) -> None:
    status, body, headers = await raw_api.call("GET", ITEMS)
    assert status == 200
    assert isinstance(body, list)
    assert [r["id"] for r in body] == list(range(1, 101))
    assert headers["x-request-id"]


async def test_limit_is_silently_capped_at_100_and_start_is_an_offset(
    seeded: EnspaceEmulator, raw_api: RawApi
) -> None:
    _, body, _ = await raw_api.call("GET", ITEMS, params={"_limit": 500, "_start": 200})
    assert [r["id"] for r in body] == list(range(201, 251))
    _, body, _ = await raw_api.call("GET", ITEMS, params={"_limit": 500})
    assert len(body) == 100
    _, body, _ = await raw_api.call("GET", ITEMS, params={"_limit": 0})
    assert body == []


async def test_bad_paging_values_are_400(seeded: EnspaceEmulator, raw_api: RawApi) -> None:
    status, body, _ = await raw_api.call("GET", ITEMS, params={"_limit": "ten"})
    assert (status, body["message"]) == (400, ["_limit must be an integer"])
    status, _, _ = await raw_api.call("GET", ITEMS, params={"_start": -1})
    assert status == 400


async def test_count_is_a_bare_integer_honouring_filters(
    seeded: EnspaceEmulator, raw_api: RawApi
) -> None:
    _, total, _ = await raw_api.call("GET", ITEMS + "/count")
    assert total == 250
    _, high, _ = await raw_api.call("GET", ITEMS + "/count", params={"data.priority": "high"})
    expected = sum(1 for r in seeded.items("contracts") if r["data"]["priority"] == "high")
    assert high == expected
    assert 0 < high < 250


async def test_sort_with_several_keys(seeded: EnspaceEmulator, raw_api: RawApi) -> None:
    params = {"_sort": "data.priority:asc,id:desc", "_limit": 100}
    _, body, _ = await raw_api.call("GET", ITEMS, params=params)
    rows = sorted(seeded.items("contracts"), key=lambda r: -r["id"])
    rows.sort(key=lambda r: r["data"]["priority"])
    assert [r["id"] for r in body] == [r["id"] for r in rows[:100]]


async def test_id_descending_is_a_reversed_slice(seeded: EnspaceEmulator, raw_api: RawApi) -> None:
    _, body, _ = await raw_api.call(
        "GET", ITEMS, params={"_sort": "id:desc", "_start": 10, "_limit": 3}
    )
    assert [r["id"] for r in body] == [240, 239, 238]
    status, body, _ = await raw_api.call("GET", ITEMS, params={"_sort": "id:sideways"})
    assert status == 400


def _ids(rows: list[dict[str, object]]) -> set[object]:
    return {r["id"] for r in rows}


@pytest.mark.parametrize(
    ("params", "predicate"),
    [
        ({"data.amount_lt": "5000"}, lambda d: d["amount"] < 5000),
        ({"data.amount_lte": "5000"}, lambda d: d["amount"] <= 5000),
        ({"data.amount_gt": "5000"}, lambda d: d["amount"] > 5000),
        ({"data.amount_gte": "5000"}, lambda d: d["amount"] >= 5000),
        ({"data.priority_ne": "high"}, lambda d: d["priority"] != "high"),
        ({"data.priority_in": ["high", "low"]}, lambda d: d["priority"] in ("high", "low")),
        ({"data.priority_nin": ["high", "low"]}, lambda d: d["priority"] not in ("high", "low")),
        ({"data.title_contains": "AUDIT"}, lambda d: "audit" in d["title"].lower()),
        ({"data.tags_contains": "urgent"}, lambda d: "urgent" in d["tags"]),
        ({"data.active": "true"}, lambda d: d["active"] is True),
        ({"data.due_date_gte": "2026-06-01"}, lambda d: d["due_date"] >= "2026-06-01"),
        ({"data.price.value_gt": "50000"}, lambda d: d["price"]["value"] > 50000),
        ({"data.address.city": "Recife"}, lambda d: d["address"]["city"] == "Recife"),
    ],
)
async def test_every_filter_operator(
    seeded: EnspaceEmulator, raw_api: RawApi, params: dict[str, object], predicate: object
) -> None:
    expected = [r for r in seeded.items("contracts") if predicate(r["data"])]  # type: ignore[operator]
    _, count, _ = await raw_api.call("GET", ITEMS + "/count", params=params)
    _, page, _ = await raw_api.call("GET", ITEMS, params=params)
    assert count == len(expected)
    assert 0 < count < 250
    assert _ids(page) == _ids(expected[:100])


async def test_null_filter_and_full_text(seeded: EnspaceEmulator, raw_api: RawApi) -> None:
    status, created, _ = await raw_api.call(
        "POST", ITEMS, json={"data": {"title": "Zebra crossing"}}
    )
    assert status == 201
    _, nulls, _ = await raw_api.call("GET", ITEMS, params={"data.amount_null": "true"})
    assert [r["reference"] for r in nulls] == [created["reference"]]
    _, count, _ = await raw_api.call("GET", ITEMS + "/count", params={"data.amount_null": "false"})
    assert count == 250
    _, found, _ = await raw_api.call("GET", ITEMS, params={"_q": "zebra CROSSING"})
    assert [r["id"] for r in found] == [created["id"]]


async def test_equality_lookup_by_data_key_follows_writes(
    seeded: EnspaceEmulator, raw_api: RawApi
) -> None:
    params = {"data.email": "user7@example.com"}
    _, rows, _ = await raw_api.call("GET", ITEMS, params=params)
    assert [r["id"] for r in rows] == [7]
    ref = rows[0]["reference"]
    await raw_api.call("PUT", f"{ITEMS}/{ref}", json={"data": {"email": "moved@example.com"}})
    _, rows, _ = await raw_api.call("GET", ITEMS, params=params)
    assert rows == []
    _, rows, _ = await raw_api.call("GET", ITEMS, params={"data.email": "moved@example.com"})
    assert [r["id"] for r in rows] == [7]
    await raw_api.call("DELETE", f"{ITEMS}/{ref}")
    _, count, _ = await raw_api.call(
        "GET", ITEMS + "/count", params={"data.email": "moved@example.com"}
    )
    assert count == 0


async def test_numeric_equality_matches_numbers_written_differently(
    seeded: EnspaceEmulator, raw_api: RawApi
) -> None:
    amount = seeded.items("contracts")[0]["data"]["amount"]
    _, rows, _ = await raw_api.call("GET", ITEMS, params={"data.amount": f"{amount}.0", "id": 1})
    assert [r["id"] for r in rows] == [1]


async def test_item_shape_reference_and_timestamps(
    seeded: EnspaceEmulator, raw_api: RawApi
) -> None:
    status, item, _ = await raw_api.call(
        "POST", ITEMS, json={"data": {"title": "New", "amount": 3}}
    )
    assert status == 201
    assert set(item) == {"id", "reference", "status", "created_at", "updated_at", "data"}
    assert item["id"] == 251
    assert re.fullmatch(r"CON[0-9A-F]+", item["reference"])
    assert TIMESTAMP.match(item["created_at"])
    assert item["status"] == "active"
    _, got, _ = await raw_api.call("GET", f"{ITEMS}/{item['reference']}")
    assert got == item


async def test_update_merges_data_and_bumps_updated_at(
    seeded: EnspaceEmulator, raw_api: RawApi
) -> None:
    _, item, _ = await raw_api.call("POST", ITEMS, json={"data": {"title": "A", "amount": 1}})
    item_path = f"{ITEMS}/{item['reference']}"
    status, updated, _ = await raw_api.call(
        "PUT", item_path, json={"data": {"amount": 2}, "status": "inactive"}
    )
    assert status == 200
    assert updated["data"] == {"title": "A", "amount": 2}
    assert updated["status"] == "inactive"
    assert updated["updated_at"] > item["updated_at"]
    assert TIMESTAMP.match(updated["updated_at"])
    assert seeded.applied_keys[("items.update", item["reference"])] == 1


async def test_delete_then_404(seeded: EnspaceEmulator, raw_api: RawApi) -> None:
    ref = seeded.items("contracts")[0]["reference"]
    status, _, _ = await raw_api.call("DELETE", f"{ITEMS}/{ref}")
    assert status == 200
    status, body, _ = await raw_api.call("GET", f"{ITEMS}/{ref}")
    assert status == 404
    assert body == {"statusCode": 404, "error": "Not Found", "message": f"item {ref!r} not found"}
    assert seeded.item(ref) is None


async def test_item_validation_lists_every_problem(
    raw_api: RawApi, enspace_emulator: EnspaceEmulator
) -> None:
    enspace_emulator.seed_type(
        "deals",
        fields=[
            {"name": "name", "type": "inputText", "required": True},
            {"name": "size", "type": "EnlNumber"},
            {"name": "stage", "type": "EnlDropdown", "options": [{"value": "won", "label": "Won"}]},
            {"name": "when", "type": "EnlCalendar"},
            {"name": "client", "type": "EnRel"},
            {"name": "others", "type": "EnRelMulti"},
            {"name": "flag", "type": "inputSwitch"},
            {"name": "money", "type": "EnCurrency"},
            {"name": "tags", "type": "multiSelect", "options": [{"value": "a"}]},
            {"name": "mail", "type": "email"},
            {"name": "rows", "type": "EnRepeater"},
            {"name": "where", "type": "EnAddress"},
        ],
    )
    bad = {
        "size": "big",
        "stage": "lost",
        "when": "yesterday",
        "client": {"reference": "NOPE1"},
        "others": "x",
        "flag": "yes",
        "money": {"value": "1"},
        "tags": ["b"],
        "mail": "nobody",
        "rows": [1],
        "where": "Main St",
        "ghost": 1,
    }
    status, body, _ = await raw_api.call("POST", "/ws/types/deals/items", json={"data": bad})
    assert status == 400
    assert body["error"] == "Bad Request"
    assert sorted(body["message"]) == sorted(
        [
            "data.size must be a number",
            "data.stage must be one of ['won']",
            "data.when must be an ISO date or date-time string",
            "data.client refers to an unknown item 'NOPE1'",
            "data.others must be a list of relations",
            "data.flag must be a boolean",
            "data.money must be an object with a numeric value",
            "data.tags must only hold values of ['a']",
            "data.mail must be an email address",
            "data.rows must be a list of objects",
            "data.where must be an object",
            "data.ghost is not a field of type 'deals'",
            "data.name is required",
        ]
    )
    assert enspace_emulator.items("deals") == []


async def test_relations_are_expanded_with_display(
    raw_api: RawApi, enspace_emulator: EnspaceEmulator
) -> None:
    enspace_emulator.seed_type("firms", fields={"name": "inputText"})
    enspace_emulator.seed_type(
        "deals", fields={"client": "EnRel", "more": "EnRelMulti", "when": "EnlCalendar"}
    )
    _, firm, _ = await raw_api.call(
        "POST", "/ws/types/firms/items", json={"data": {"name": "Acme SA"}}
    )
    link = {"id": firm["id"], "reference": firm["reference"]}
    data = {"client": link, "more": [link, {"id": 99}], "when": "2026-03-12T19:30:37.716Z"}
    status, deal, _ = await raw_api.call("POST", "/ws/types/deals/items", json={"data": data})
    assert status == 201
    assert deal["data"]["client"] == {**link, "display": "Acme SA"}
    assert deal["data"]["more"] == [{**link, "display": "Acme SA"}, {"id": 99}]
    status, body, _ = await raw_api.call(
        "POST", "/ws/types/deals/items", json={"data": {"client": 5}}
    )
    assert body["message"] == ["data.client must be an object with an id or a reference"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, ["data should not be empty"]),
        ({"data": [1]}, ["data must be an object"]),
        (
            {"data": {}, "status": "gone"},
            ["status must be one of ['active', 'inactive', 'archived']"],
        ),
    ],
)
async def test_item_body_errors(
    seeded: EnspaceEmulator, raw_api: RawApi, body: object, message: list[str]
) -> None:
    status, answer, _ = await raw_api.call("POST", ITEMS, json=body if body is not None else {})
    assert (status, answer["message"]) == (400, message)


async def test_a_body_that_is_not_json_or_not_an_object_is_400(
    seeded: EnspaceEmulator, raw_api: RawApi
) -> None:
    url = seeded.url + ITEMS
    headers = {"x-api-key": seeded.api_key, "en-workspace": "acme"}
    async with raw_api.session.post(url, data=b"{nope", headers=headers) as response:
        assert response.status == 400
        assert (await response.json())["message"] == ["the body must be JSON"]
    _status, body, _ = await raw_api.call("POST", ITEMS, json=[1])
    assert body["message"] == ["the body must be a JSON object"]


async def test_required_field_set_to_null_on_update(
    raw_api: RawApi, enspace_emulator: EnspaceEmulator
) -> None:
    enspace_emulator.seed_type(
        "deals",
        fields=[
            {"name": "name", "type": "inputText", "required": True},
            {"name": "note", "type": "EnTextArea"},
        ],
    )
    _, item, _ = await raw_api.call("POST", "/ws/types/deals/items", json={"data": {"name": "x"}})
    path = f"/ws/types/deals/items/{item['reference']}"
    status, body, _ = await raw_api.call("PUT", path, json={"data": {"name": None}})
    assert body["message"] == ["data.name is required"]
    status, body, _ = await raw_api.call("PUT", path, json={"data": {"note": None}})
    assert (status, body["data"]) == (200, {"name": "x", "note": None})


async def test_auth_errors(seeded: EnspaceEmulator, raw_api: RawApi) -> None:
    status, body, _ = await raw_api.call("GET", ITEMS, key=None)
    assert (status, body) == (
        401,
        {"statusCode": 401, "error": "Unauthorized", "message": "Invalid or missing API key"},
    )
    status, _, _ = await raw_api.call("GET", ITEMS, key="en." + "x" * 34)
    assert status == 401


async def test_missing_workspace_header_is_400(seeded: EnspaceEmulator, raw_api: RawApi) -> None:
    status, body, headers = await raw_api.call("GET", ITEMS, workspace=None)
    assert (status, body["message"]) == (400, "Missing en-workspace header")
    assert headers["x-request-id"]


async def test_scopes_map_to_methods(seeded: EnspaceEmulator, raw_api: RawApi) -> None:
    reader = seeded.add_api_key(scopes=("read",))
    writer = seeded.add_api_key(scopes=("read", "write"))
    assert (await raw_api.call("GET", ITEMS + "/count", key=reader))[0] == 200
    status, body, _ = await raw_api.call("POST", ITEMS, key=reader, json={"data": {}})
    assert (status, body["error"]) == (403, "Forbidden")
    assert (await raw_api.call("POST", ITEMS, key=writer, json={"data": {}}))[0] == 201
    ref = seeded.items("contracts")[0]["reference"]
    assert (await raw_api.call("DELETE", f"{ITEMS}/{ref}", key=writer))[0] == 403
    assert (await raw_api.call("DELETE", f"{ITEMS}/{ref}"))[0] == 200
    _, rows, _ = await raw_api.call("GET", "/users/me/api-keys", workspace=None)
    assert [r["scopes"] for r in rows] == [["delete", "read", "write"], ["read"], ["read", "write"]]
    assert rows[0]["workspaces"] == ["acme"]
    assert set(rows[0]) == {
        "id",
        "description",
        "scopes",
        "workspaces",
        "expires_at",
        "created_at",
        "last_used_at",
    }
    assert all(k.startswith("en.") is False for r in rows for k in map(str, r.values()))


async def test_workspaces_are_isolated(seeded: EnspaceEmulator, raw_api: RawApi) -> None:
    seeded.add_workspace("globex")
    seeded.seed_type("contracts", items=2, workspace="globex")
    only_globex = seeded.add_api_key(workspaces=["globex"])
    assert (await raw_api.call("GET", ITEMS + "/count", workspace="globex"))[1] == 2
    status, body, _ = await raw_api.call("GET", ITEMS, key=only_globex)
    assert (status, body["message"]) == (403, "API key is not authorized for this workspace")
    assert (await raw_api.call("GET", ITEMS + "/count", key=only_globex, workspace="globex"))[
        1
    ] == 2
    status, _, _ = await raw_api.call("GET", ITEMS, workspace="initech")
    assert status == 404


async def test_unknown_routes_and_resources_are_404(
    seeded: EnspaceEmulator, raw_api: RawApi
) -> None:
    _status, body, _ = await raw_api.call("GET", "/ws/nothing")
    assert body == {"statusCode": 404, "error": "Not Found", "message": "Cannot GET /ws/nothing"}
    assert (await raw_api.call("PATCH", ITEMS))[0] == 404
    assert (await raw_api.call("GET", "/ws/types/ghosts/items"))[0] == 404
    assert (await raw_api.call("GET", "/ws/types/contracts/fields/abc"))[0] == 404
    assert (await raw_api.call("GET", "/ws/types/contracts/fields/999"))[0] == 404
    assert (await raw_api.call("GET", "/ws/types/contracts/forms/999"))[0] == 404


async def test_requests_are_recorded(seeded: EnspaceEmulator, raw_api: RawApi) -> None:
    await raw_api.call("GET", ITEMS, params={"_limit": 1})
    await raw_api.call("GET", ITEMS, key=None)
    first, second = seeded.requests
    assert (first.method, first.path, first.status, first.workspace, first.route) == (
        "GET",
        ITEMS,
        200,
        "acme",
        "items.list",
    )
    assert first.query == "_limit=1"
    assert first.duration > 0
    assert second.status == 401
    assert repr(first) == f"<RequestRecord GET {ITEMS} 200>"
