"""Every other §5 route of the emulator, with the shapes of §6, checked with plain aiohttp."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from conftest import RawApi

from enspace_async import ConfigurationError
from enspace_async.testing import EnspaceEmulator


async def test_types_crud(raw_api: RawApi) -> None:
    body = {"name": "Contracts", "slug": "contracts", "color": "#fff", "settings": {"a": "b"}}
    status, created, _ = await raw_api.call("POST", "/ws/types", json=body)
    assert status == 201
    assert set(created) == {
        "id",
        "name",
        "slug",
        "description",
        "icon",
        "color",
        "settings",
        "created_at",
        "updated_at",
    }
    assert (await raw_api.call("POST", "/ws/types", json=body))[0] == 409
    assert (await raw_api.call("GET", "/ws/types/count"))[1] == 1
    status, updated, _ = await raw_api.call("PUT", "/ws/types/contracts", json={"name": "Deals"})
    assert (status, updated["name"], updated["slug"]) == (200, "Deals", "contracts")
    status, err, _ = await raw_api.call("PUT", "/ws/types/contracts", json={"slug": "x"})
    assert (status, err["message"]) == (400, ["slug cannot be changed"])
    assert (await raw_api.call("GET", "/ws/types/contracts"))[1]["name"] == "Deals"
    assert (await raw_api.call("DELETE", "/ws/types/contracts"))[0] == 200
    assert (await raw_api.call("GET", "/ws/types/contracts"))[0] == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, ["name should not be empty"]),
        ({"name": "x", "settings": {"a": 1}}, ["settings values must be strings"]),
        ({"name": "x", "color": 3}, ["color must be a string"]),
    ],
)
async def test_type_validation(
    raw_api: RawApi, body: dict[str, object], message: list[str]
) -> None:
    status, answer, _ = await raw_api.call("POST", "/ws/types", json=body)
    assert (status, answer["message"]) == (400, message)


async def test_fields_crud(raw_api: RawApi, enspace_emulator: EnspaceEmulator) -> None:
    enspace_emulator.seed_type("deals", fields={})
    body = {
        "name": "Tipo",
        "slug": "tipo",
        "type": "EnlDropdown",
        "required": False,
        "config": {},
        "order": 0,
    }
    status, field, _ = await raw_api.call("POST", "/ws/types/deals/fields", json=body)
    assert status == 201
    assert field == {
        "id": field["id"],
        "refId": "tipo",
        "name": "Tipo",
        "label": "Tipo",
        "type": "EnlDropdown",
        "required": False,
        "options": [],
        "config": {},
        "order": 0,
        "defaultValue": None,
        "position": None,
        "active": True,
    }
    assert (await raw_api.call("POST", "/ws/types/deals/fields", json=body))[0] == 409
    path = f"/ws/types/deals/fields/{field['id']}"
    status, updated, _ = await raw_api.call("PUT", path, json={"label": "Kind", "required": True})
    assert (status, updated["label"], updated["required"]) == (200, "Kind", True)
    assert (await raw_api.call("GET", path))[1]["label"] == "Kind"
    assert [f["refId"] for f in (await raw_api.call("GET", "/ws/types/deals/fields"))[1]] == [
        "tipo"
    ]
    status, err, _ = await raw_api.call("PUT", path, json={"required": "yes"})
    assert err["message"] == ["required must be a boolean"]
    assert (await raw_api.call("DELETE", path))[0] == 200
    assert (await raw_api.call("GET", path))[0] == 404


async def test_forms(raw_api: RawApi, enspace_emulator: EnspaceEmulator) -> None:
    enspace_emulator.seed_type("deals", fields={"a": "inputText", "b": "EnlNumber"})
    _, forms, _ = await raw_api.call("GET", "/ws/types/deals/forms")
    assert [(f["name"], f["fields"], f["type"]) for f in forms] == [
        ("Default", ["a", "b"], "deals")
    ]
    _, for_create, _ = await raw_api.call("GET", "/ws/types/deals/forms/create")
    assert for_create == forms
    _status, form, _ = await raw_api.call("GET", f"/ws/types/deals/forms/{forms[0]['id']}")
    assert form == forms[0]


async def test_members_follow_the_type_rules(raw_api: RawApi) -> None:
    _, owner_list, _ = await raw_api.call("GET", "/ws/members")
    owner = owner_list[0]
    assert set(owner) == {
        "id",
        "created_at",
        "updated_at",
        "user",
        "email",
        "type",
        "role",
        "status",
    }
    assert set(owner["user"]) == {"id", "created_at", "email", "meta"}
    assert owner["type"] == "owner"
    _, role, _ = await raw_api.call("POST", "/ws/roles", json={"name": "Editors"})
    body = {"email": "bo@example.com", "type": "standard", "role": role["id"], "fname": "Bo"}
    status, member, _ = await raw_api.call("POST", "/ws/members", json=body)
    assert (status, member["role"], member["user"]["meta"]["fname"]) == (201, role["id"], "Bo")
    assert (await raw_api.call("POST", "/ws/members", json=body))[0] == 409
    full = {"email": "cy@example.com", "type": "full", "role": role["id"]}
    assert (await raw_api.call("POST", "/ws/members", json=full))[1]["role"] is None
    status, err, _ = await raw_api.call(
        "POST", "/ws/members", json={"email": "x", "type": "owner", "role": 99}
    )
    assert err["message"] == [
        "email must be an email",
        "type must be one of ['full', 'standard', 'viewer']",
        "role 99 does not exist",
    ]
    path = f"/ws/members/{member['id']}"
    status, updated, _ = await raw_api.call(
        "PUT", path, json={"status": "blocked", "type": "viewer"}
    )
    assert (status, updated["status"], updated["type"]) == (200, "blocked", "viewer")
    status, err, _ = await raw_api.call(
        "PUT", path, json={"type": "owner", "status": "gone", "role": 99}
    )
    assert len(err["message"]) == 3
    status, err, _ = await raw_api.call("PUT", f"/ws/members/{owner['id']}", json={"type": "full"})
    assert err["message"] == ["the owner's type cannot change"]
    assert (await raw_api.call("PUT", path, json={"type": "full"}))[1]["role"] is None
    assert (await raw_api.call("GET", "/ws/members/count", params={"type": "full"}))[1] == 2
    assert (await raw_api.call("DELETE", f"/ws/members/{owner['id']}"))[0] == 403
    assert (await raw_api.call("DELETE", path))[0] == 200
    assert (await raw_api.call("GET", path))[0] == 404


async def test_roles_and_permissions(raw_api: RawApi) -> None:
    _, role, _ = await raw_api.call("POST", "/ws/roles", json={"name": "Ops", "description": "d"})
    base = f"/ws/roles/{role['id']}"
    assert (await raw_api.call("PUT", base, json={"name": "Ops2"}))[1]["name"] == "Ops2"
    assert (await raw_api.call("GET", base))[1]["name"] == "Ops2"
    assert (await raw_api.call("GET", "/ws/roles/count"))[1] == 1
    status, perm, _ = await raw_api.call("POST", base + "/permissions", json={"name": "items.read"})
    assert (status, perm["name"], perm["role"]) == (201, "items.read", role["id"])
    await raw_api.call("POST", base + "/permissions", json={"permission": "items.write"})
    _, perms, _ = await raw_api.call("GET", base + "/permissions")
    assert [p["name"] for p in perms] == ["items.read", "items.write"]
    _, other, _ = await raw_api.call("POST", "/ws/roles", json={"name": "Other"})
    assert (await raw_api.call("DELETE", f"/ws/roles/{other['id']}/permissions/{perm['id']}"))[
        0
    ] == 404
    assert (await raw_api.call("DELETE", f"{base}/permissions/{perm['id']}"))[0] == 200
    assert len((await raw_api.call("GET", base + "/permissions"))[1]) == 1
    assert (await raw_api.call("DELETE", base))[0] == 200
    assert (await raw_api.call("GET", "/ws/roles"))[1] == [other]


async def test_member_groups_add_and_remove_users(raw_api: RawApi) -> None:
    _, a, _ = await raw_api.call("POST", "/ws/members", json={"email": "a@x.io", "type": "viewer"})
    status, group, _ = await raw_api.call("POST", "/ws/mgroups", json={"name": "G", "users": [1]})
    assert (status, group["users"]) == (201, [1])
    base = f"/ws/mgroups/{group['id']}"
    _, group, _ = await raw_api.call("POST", base + "/users", json={"users": [a["id"], 1]})
    assert group["users"] == [1, a["id"]]
    _, group, _ = await raw_api.call("DELETE", base + "/users", json={"users": [1]})
    assert group["users"] == [a["id"]]
    status, err, _ = await raw_api.call("POST", base + "/users", json={"users": [77]})
    assert (status, err["message"]) == (400, ["member 77 does not exist"])
    status, err, _ = await raw_api.call("POST", base + "/users", json={"users": "1"})
    assert err["message"] == ["users must be a list of member ids"]
    assert (await raw_api.call("PUT", base, json={"name": "H"}))[1]["name"] == "H"
    assert (await raw_api.call("GET", base))[1]["name"] == "H"
    assert len((await raw_api.call("GET", "/ws/mgroups"))[1]) == 1
    assert (await raw_api.call("DELETE", base))[0] == 200


async def test_quick_tasks(raw_api: RawApi) -> None:
    status, task, _ = await raw_api.call(
        "POST", "/ws/tasks", json={"title": "Call", "assigned_to": 1}
    )
    assert status == 201
    assert (task["status"], task["assigned_to"], task["creator"], task["completed_at"]) == (
        "pending",
        1,
        1,
        None,
    )
    path = f"/ws/tasks/{task['id']}"
    _, done, _ = await raw_api.call("PUT", path, json={"status": "completed"})
    assert done["completed_at"] is not None
    status, err, _ = await raw_api.call("PUT", path, json={"status": "nope", "assigned_to": 50})
    assert len(err["message"]) == 2
    assert (await raw_api.call("POST", "/ws/tasks", json={}))[1]["message"] == [
        "title should not be empty"
    ]
    assert (await raw_api.call("GET", "/ws/tasks/count", params={"status": "completed"}))[1] == 1
    assert (await raw_api.call("GET", path))[1]["title"] == "Call"
    assert len((await raw_api.call("GET", "/ws/tasks"))[1]) == 1
    assert (await raw_api.call("DELETE", path))[0] == 200


async def test_flows_stages_and_tasks(raw_api: RawApi, enspace_emulator: EnspaceEmulator) -> None:
    enspace_emulator.seed_type("contracts", fields={})
    enspace_emulator.seed_type("other", fields={})
    flow = enspace_emulator.add_flow("contracts", "Approval", ["Draft", "Signed"])
    enspace_emulator.add_flow("other", "Other", ["Only"])
    with pytest.raises(ConfigurationError, match="no type 'ghost'"):
        enspace_emulator.add_flow("ghost", "x", [])
    _, flows, _ = await raw_api.call("GET", "/c-flows", params={"item_type": "contracts"})
    assert [f["id"] for f in flows] == [flow["id"]]
    assert flows[0]["item_type"]["slug"] == "contracts"
    assert set(flows[0]) == {
        "id",
        "name",
        "status",
        "item_type",
        "start_type",
        "icon",
        "user",
        "created_at",
        "updated_at",
    }
    assert (await raw_api.call("GET", f"/c-flows/{flow['id']}"))[1] == flows[0]
    _, stages, _ = await raw_api.call("GET", "/c-flow-stages", params={"flow": flow["id"]})
    assert [(s["name"], s["is_start"]) for s in stages] == [("Draft", True), ("Signed", False)]
    assert stages[0]["flow"]["id"] == flow["id"]
    assert stages[0]["item_type"]["slug"] == "contracts"
    status, task, _ = await raw_api.call(
        "POST", "/c-stage-tasks", json={"stage": stages[0]["id"], "name": "Sign"}
    )
    assert (status, task["stage"], task["order"]) == (201, stages[0]["id"], 0)
    _, stage, _ = await raw_api.call("GET", f"/c-flow-stages/{stages[0]['id']}")
    assert [t["name"] for t in stage["tasks"]] == ["Sign"]
    assert (await raw_api.call("GET", "/c-stage-tasks", params={"stage": stages[0]["id"]}))[1] == [
        task
    ]
    assert (await raw_api.call("GET", f"/c-stage-tasks/{task['id']}"))[1] == task
    status, err, _ = await raw_api.call("POST", "/c-stage-tasks", json={"stage": 999, "name": "x"})
    assert err["message"] == ["stage must be the id of an existing stage"]


async def test_schedule_tasks(raw_api: RawApi, enspace_emulator: EnspaceEmulator) -> None:
    row = enspace_emulator.add_schedule_task(
        task_name="Review", work_status="working", is_overdue="yes"
    )
    _, rows, _ = await raw_api.call("GET", "/c-flow-item-tasks", params={"work_status": "working"})
    assert rows == [row]
    assert {"item_reference", "flow_name", "stage_name", "due_date", "completed_at"} <= set(row)
    assert (await raw_api.call("GET", f"/c-flow-item-tasks/{row['id']}"))[1][
        "task_name"
    ] == "Review"
    assert (await raw_api.call("GET", "/c-flow-item-tasks/999"))[0] == 404


async def test_integrations_keep_secrets_and_expand_the_provider(
    raw_api: RawApi, enspace_emulator: EnspaceEmulator
) -> None:
    data = {
        "environment": "production",
        "api_key": "SG.secret",
        "from_email": "a@b.c",
        "from_name": "A",
    }
    status, made, _ = await raw_api.call(
        "POST", "/integrations", json={"integration": 4, "data": data}
    )
    assert status == 201
    assert made["data"] == {"environment": "production", "from_email": "a@b.c", "from_name": "A"}
    assert made["integration"]["name"] == "SendGrid"
    assert set(made["integration"]) == {
        "id",
        "name",
        "description",
        "category",
        "slug",
        "created_at",
        "updated_at",
        "media",
    }
    assert made["status"] == "active"
    assert enspace_emulator.ws().secrets[made["id"]] == {"api_key": "SG.secret"}
    _, got, _ = await raw_api.call("GET", f"/integrations/{made['id']}")
    _, listed, _ = await raw_api.call("GET", "/integrations", params={"integration": 4})
    assert got == made
    assert listed == [made]
    assert "SG.secret" not in str(enspace_emulator.requests)
    status, other, _ = await raw_api.call(
        "POST", "/integrations", json={"integration": {"id": 7}, "data": {"anything": 1}}
    )
    assert (status, other["integration"]["name"]) == (201, "OpenAI")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"integration": 42, "data": {}}, ["integration must be one of [1, 2, 3, 4, 5, 6, 7, 8]"]),
        ({"integration": 3, "data": []}, ["data must be an object"]),
        (
            {"integration": 3, "data": {"environment": "qa", "x": 1}},
            [
                "data.x is not a D4Sign setting",
                "data.environment must be one of ['stage', 'production']",
            ],
        ),
        ({"integration": 1, "data": {"environment": "stage"}}, ["data.token is required"]),
    ],
)
async def test_integration_settings_are_validated(
    raw_api: RawApi, body: dict[str, object], message: list[str]
) -> None:
    status, answer, _ = await raw_api.call("POST", "/integrations", json=body)
    assert (status, answer["message"]) == (400, message)


async def test_workspaces_routes(raw_api: RawApi, enspace_emulator: EnspaceEmulator) -> None:
    enspace_emulator.seed_type("contracts", items=3)
    limited = enspace_emulator.add_api_key(workspaces=["acme"])
    status, ws, _ = await raw_api.call(
        "POST", "/workspaces", json={"name": "Globex Corp"}, key=limited, workspace=None
    )
    assert (status, ws["slug"]) == (201, "globex-corp")
    assert set(ws) == {"id", "name", "slug", "icon", "created_at", "updated_at"}
    assert (
        await raw_api.call(
            "POST", "/workspaces", json={"name": "x", "slug": "acme"}, workspace=None
        )
    )[0] == 409
    _, rows, _ = await raw_api.call("GET", "/workspaces", key=limited, workspace=None)
    assert [r["slug"] for r in rows] == ["acme", "globex-corp"]
    _, stats, _ = await raw_api.call("GET", "/ws/stats")
    assert (stats["types"], stats["items"], stats["members"]) == (1, 3, 1)
    _, preview, _ = await raw_api.call("GET", "/ws/deletion-preview")
    assert (preview["workspace"], preview["items"]) == ("acme", 3)
    _, context, _ = await raw_api.call("GET", "/ws/context")
    assert (context["workspace"]["slug"], context["member"]["type"], context["user"]["id"]) == (
        "acme",
        "owner",
        1,
    )
    assert (await raw_api.call("POST", "/ws/leave", key=limited))[1]["slug"] == "acme"
    assert (await raw_api.call("GET", "/ws/stats", key=limited))[0] == 403
    assert (await raw_api.call("DELETE", "/ws", workspace="globex-corp"))[0] == 200
    _, rows, _ = await raw_api.call("GET", "/workspaces", workspace=None)
    assert [r["slug"] for r in rows] == ["acme"]


async def test_request_log_is_paged_and_per_key(
    raw_api: RawApi, enspace_emulator: EnspaceEmulator
) -> None:
    other = enspace_emulator.add_api_key()
    for _ in range(3):
        await raw_api.call("GET", "/ws/types")
    await raw_api.call("GET", "/ws/types", key=other)
    await raw_api.call("GET", "/ws/missing")
    _, page, _ = await raw_api.call(
        "GET", "/users/me/request-logs", params={"_start": 1, "_limit": 2}, workspace=None
    )
    assert [r["id"] for r in page] == [2, 3]
    assert set(page[0]) == {
        "id",
        "method",
        "path",
        "status",
        "duration_ms",
        "workspace",
        "created_at",
    }
    _, page, _ = await raw_api.call(
        "GET", "/users/me/request-logs", params={"_sort": "id:desc", "status": 200}, workspace=None
    )
    assert [r["id"] for r in page] == [6, 3, 2, 1]


async def test_request_log_keeps_the_newest(
    raw_api: RawApi, enspace_emulator: EnspaceEmulator
) -> None:
    enspace_emulator.state.log_limit = 4
    for _ in range(5):
        await raw_api.call("GET", "/ws/types")
    assert [r.id for r in enspace_emulator.requests] == [4, 5]


async def test_fields_take_every_key_of_the_documented_body(
    raw_api: RawApi, enspace_emulator: EnspaceEmulator
) -> None:
    enspace_emulator.seed_type("products", fields={})
    body = {
        "name": "Category",
        "slug": "category",
        "type": "select",
        "required": True,
        "defaultValue": "home",
        "options": {"choices": ["electronics", "home"]},
        "position": 2,
        "active": False,
    }
    status, field, _ = await raw_api.call("POST", "/ws/types/products/fields", json=body)
    assert status == 201
    assert field["options"] == [
        {"value": "electronics", "label": "electronics"},
        {"value": "home", "label": "home"},
    ]
    assert (field["defaultValue"], field["position"], field["active"]) == ("home", 2, False)
    path = f"/ws/types/products/fields/{field['id']}"
    _, updated, _ = await raw_api.call("PUT", path, json={"options": ["a"], "active": True})
    assert (updated["options"], updated["active"]) == ([{"value": "a", "label": "a"}], True)
    bad = {**body, "slug": "other", "options": {"values": []}}
    status, err, _ = await raw_api.call("POST", "/ws/types/products/fields", json=bad)
    assert (status, err["message"]) == (
        400,
        ["options must be a list or an object with a choices list"],
    )


async def test_the_documented_shapes_switch() -> None:
    with pytest.raises(ValueError, match="shapes"):
        EnspaceEmulator(shapes="openapi")
    async with asyncio.timeout(10), EnspaceEmulator(shapes="documented") as emu:
        emu.seed_type(
            "deals",
            fields=[
                {
                    "name": "Kind",
                    "slug": "kind",
                    "type": "EnlDropdown",
                    "options": [{"value": "a", "label": "A"}],
                }
            ],
            items=2,
        )
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:
            api = RawApi(emu, session)
            _, (field,), _ = await api.call("GET", "/ws/types/deals/fields")
            assert "refId" not in field
            assert (field["slug"], field["options"]) == ("kind", {"choices": ["a"]})
            assert (await api.call("GET", "/ws/types/deals/items/count"))[1] == {"count": 2}
            assert (await api.call("GET", "/ws/types/count"))[1] == {"count": 1}
            _, (workspace,), _ = await api.call("GET", "/workspaces", workspace=None)
            assert workspace["id"] == "1"
            assert (await api.call("GET", "/ws/context"))[1]["workspace"]["id"] == "1"
            body = {"integration": 5, "data": {"environment": "stage"}}
            _, created, _ = await api.call("POST", "/integrations", json=body)
            assert created["integration"] == 5
        assert emu.state.workspace_rows.rows[0]["id"] == 1  # stored rows stay as they were
        assert emu.ws().type_state("deals").fields.rows[0]["refId"] == "kind"
