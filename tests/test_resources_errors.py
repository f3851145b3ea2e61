"""The error path of every resource method, against the emulator over loopback HTTP.

Three tables: every route refused for a key without the scope it needs (403); every method
that names something missing (404); every method whose values the server validates (400).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from enspace_async import (
    AuthenticationError,
    BadRequestError,
    EnspaceClient,
    NotFoundError,
    PermissionDeniedError,
)
from enspace_async._protocol.routes import ROUTES
from enspace_async.models import RawIntegrationConfig, SendGridConfig
from enspace_async.testing import EnspaceEmulator

Call = Callable[[EnspaceClient], Awaitable[Any]]
MISSING = 999


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[EnspaceEmulator]:
    """An emulator with a type (``contracts``) and one of everything, each with id 1."""
    async with EnspaceEmulator(seed=2) as emulator:
        emulator.seed_type("contracts", fields={"nome": "inputText"}, items=1)
        emulator.add_flow("contracts", "Approval", ["Draft"])
        emulator.add_schedule_task(task_name="Sign")
        async with emulator.client() as client:
            await client.tasks.create(stage_id=1, name="Check")
            await client.roles.create(name="Sales")
            await client.roles.add_permission(1, name="items.read")
            await client.member_groups.create(name="Ops")
            await client.quick_tasks.create(title="Call")
            await client.integrations.create(RawIntegrationConfig(7, {}))
        yield emulator


@pytest_asyncio.fixture
async def client(emu: EnspaceEmulator) -> AsyncIterator[EnspaceClient]:
    """A client with every scope on the emulator's workspace."""
    async with emu.client() as c:
        yield c


# One call per route, named after it; the arguments are valid so that only the scope fails.
EVERY_ROUTE: dict[str, Call] = {
    "types.list": lambda c: c.types.list().collect(),
    "types.count": lambda c: c.types.count(),
    "types.get": lambda c: c.types.get("contracts"),
    "types.create": lambda c: c.types.create(name="X", slug="x"),
    "types.update": lambda c: c.types.update("contracts", name="Y"),
    "types.delete": lambda c: c.types.delete("contracts"),
    "fields.list": lambda c: c.fields.list("contracts").collect(),
    "fields.create": lambda c: c.fields.create("contracts", name="n", slug="n", type="email"),
    "fields.get": lambda c: c.fields.get("contracts", 1),
    "fields.update": lambda c: c.fields.update("contracts", 1, label="L"),
    "fields.delete": lambda c: c.fields.delete("contracts", 1),
    "items.list": lambda c: c.items.list("contracts").collect(),
    "items.count": lambda c: c.items.count("contracts"),
    "items.create": lambda c: c.items.create("contracts", {"nome": "x"}),
    "items.get": lambda c: c.items.get("contracts", "REF"),
    "items.update": lambda c: c.items.update("contracts", "REF", {"nome": "y"}),
    "items.delete": lambda c: c.items.delete("contracts", "REF"),
    "flows.list": lambda c: c.flows.list(type_slug="contracts").collect(),
    "flows.get": lambda c: c.flows.get(1),
    "stages.list": lambda c: c.stages.list(flow_id=1).collect(),
    "stages.get": lambda c: c.stages.get(1),
    "tasks.list": lambda c: c.tasks.list(stage_id=1).collect(),
    "tasks.get": lambda c: c.tasks.get(1),
    "tasks.create": lambda c: c.tasks.create(stage_id=1, name="t"),
    "forms.list": lambda c: c.forms.list("contracts").collect(),
    "forms.list_for_create": lambda c: c.forms.list_for_create("contracts"),
    "forms.get": lambda c: c.forms.get("contracts", 1),
    "members.list": lambda c: c.members.list().collect(),
    "members.count": lambda c: c.members.count(),
    "members.get": lambda c: c.members.get(1),
    "members.create": lambda c: c.members.create(email="v@acme.com", type="viewer"),
    "members.update": lambda c: c.members.update(1, status="active"),
    "members.delete": lambda c: c.members.delete(1),
    "roles.list": lambda c: c.roles.list().collect(),
    "roles.count": lambda c: c.roles.count(),
    "roles.get": lambda c: c.roles.get(1),
    "roles.create": lambda c: c.roles.create(name="R"),
    "roles.update": lambda c: c.roles.update(1, name="R2"),
    "roles.delete": lambda c: c.roles.delete(1),
    "roles.list_permissions": lambda c: c.roles.list_permissions(1),
    "roles.add_permission": lambda c: c.roles.add_permission(1, name="items.update"),
    "roles.remove_permission": lambda c: c.roles.remove_permission(1, 1),
    "member_groups.list": lambda c: c.member_groups.list().collect(),
    "member_groups.create": lambda c: c.member_groups.create(name="G"),
    "member_groups.get": lambda c: c.member_groups.get(1),
    "member_groups.update": lambda c: c.member_groups.update(1, name="G2"),
    "member_groups.delete": lambda c: c.member_groups.delete(1),
    "member_groups.add_users": lambda c: c.member_groups.add_users(1, [1]),
    "member_groups.remove_users": lambda c: c.member_groups.remove_users(1, [1]),
    "quick_tasks.list": lambda c: c.quick_tasks.list().collect(),
    "quick_tasks.count": lambda c: c.quick_tasks.count(),
    "quick_tasks.get": lambda c: c.quick_tasks.get(1),
    "quick_tasks.create": lambda c: c.quick_tasks.create(title="T"),
    "quick_tasks.update": lambda c: c.quick_tasks.update(1, status="working"),
    "quick_tasks.delete": lambda c: c.quick_tasks.delete(1),
    "schedule_tasks.list": lambda c: c.schedule_tasks.list().collect(),
    "schedule_tasks.get": lambda c: c.schedule_tasks.get(1),
    "integrations.list": lambda c: c.integrations.list().collect(),
    "integrations.get": lambda c: c.integrations.get(1),
    "integrations.create": lambda c: c.integrations.create(RawIntegrationConfig(2, {})),
    "workspaces.list": lambda c: c.workspaces.list().collect(),
    "workspaces.create": lambda c: c.workspaces.create(name="B", slug="b"),
    "workspaces.context": lambda c: c.workspaces.context(),
    "workspaces.stats": lambda c: c.workspaces.stats(),
    "workspaces.deletion_preview": lambda c: c.workspaces.deletion_preview(),
    "workspaces.leave": lambda c: c.workspaces.leave(),
    "workspaces.delete": lambda c: c.workspaces.delete(),
    "user.request_log": lambda c: c.user.request_log().collect(limit=5),
    "user.api_keys": lambda c: c.user.api_keys(),
}
_SCOPE = {"GET": "read", "DELETE": "delete"}


def test_the_table_covers_every_route_and_each_method_exists() -> None:
    assert set(EVERY_ROUTE) == set(ROUTES)
    client = EnspaceClient("en.key")
    for name in ROUTES:
        resource, operation = name.split(".")
        assert callable(getattr(getattr(client, resource), operation)), name


@pytest.mark.parametrize("name", sorted(EVERY_ROUTE))
async def test_every_method_is_refused_without_its_scope(emu: EnspaceEmulator, name: str) -> None:
    needed = _SCOPE.get(ROUTES[name].method, "write")
    key = emu.add_api_key(scopes={"read", "write", "delete"} - {needed})
    async with emu.client(api_key=key) as client:
        with pytest.raises(PermissionDeniedError) as caught:
            await EVERY_ROUTE[name](client)
    assert caught.value.status == 403
    assert needed in caught.value.message
    assert emu.requests[-1].route == name


NOT_FOUND: dict[str, Call] = {
    "types.get": lambda c: c.types.get("ghost"),
    "fields.list": lambda c: c.fields.list("ghost").collect(),
    "fields.get": lambda c: c.fields.get("contracts", MISSING),
    "fields.update": lambda c: c.fields.update("contracts", MISSING, label="L"),
    "fields.delete": lambda c: c.fields.delete("contracts", MISSING),
    "fields.create": lambda c: c.fields.create("ghost", name="n", slug="n", type="email"),
    "flows.get": lambda c: c.flows.get(MISSING),
    "stages.get": lambda c: c.stages.get(MISSING),
    "tasks.get": lambda c: c.tasks.get(MISSING),
    "forms.list": lambda c: c.forms.list("ghost").collect(),
    "forms.list_for_create": lambda c: c.forms.list_for_create("ghost"),
    "forms.get": lambda c: c.forms.get("contracts", MISSING),
    "members.get": lambda c: c.members.get(MISSING),
    "members.update": lambda c: c.members.update(MISSING, status="active"),
    "members.delete": lambda c: c.members.delete(MISSING),
    "roles.get": lambda c: c.roles.get(MISSING),
    "roles.update": lambda c: c.roles.update(MISSING, name="x"),
    "roles.delete": lambda c: c.roles.delete(MISSING),
    "roles.list_permissions": lambda c: c.roles.list_permissions(MISSING),
    "roles.add_permission": lambda c: c.roles.add_permission(MISSING, name="items.read"),
    "roles.remove_permission": lambda c: c.roles.remove_permission(1, MISSING),
    "member_groups.get": lambda c: c.member_groups.get(MISSING),
    "member_groups.update": lambda c: c.member_groups.update(MISSING, name="x"),
    "member_groups.delete": lambda c: c.member_groups.delete(MISSING),
    "member_groups.add_users": lambda c: c.member_groups.add_users(MISSING, [1]),
    "member_groups.remove_users": lambda c: c.member_groups.remove_users(MISSING, [1]),
    "quick_tasks.get": lambda c: c.quick_tasks.get(MISSING),
    "quick_tasks.update": lambda c: c.quick_tasks.update(MISSING, status="working"),
    "quick_tasks.delete": lambda c: c.quick_tasks.delete(MISSING),
    "schedule_tasks.get": lambda c: c.schedule_tasks.get(MISSING),
    "integrations.get": lambda c: c.integrations.get(MISSING),
    # Workspace-scoped calls on a workspace that does not exist.
    "workspaces.context": lambda c: c.with_workspace("ghost").workspaces.context(),
    "workspaces.stats": lambda c: c.with_workspace("ghost").workspaces.stats(),
    "workspaces.deletion_preview": lambda c: c.with_workspace(
        "ghost"
    ).workspaces.deletion_preview(),
    "workspaces.leave": lambda c: c.with_workspace("ghost").workspaces.leave(),
    "workspaces.delete": lambda c: c.with_workspace("ghost").workspaces.delete(),
    "members.list": lambda c: c.with_workspace("ghost").members.list().collect(),
    "members.count": lambda c: c.with_workspace("ghost").members.count(),
    "roles.count": lambda c: c.with_workspace("ghost").roles.count(),
    "quick_tasks.count": lambda c: c.with_workspace("ghost").quick_tasks.count(),
    "integrations.list": lambda c: c.with_workspace("ghost").integrations.list().collect(),
    "types.count": lambda c: c.with_workspace("ghost").types.count(),
    "types.update": lambda c: c.types.update("ghost", name="x"),
    "types.delete": lambda c: c.types.delete("ghost"),
    "items.list": lambda c: c.items.list("ghost").collect(),
    "items.count": lambda c: c.items.count("ghost"),
    "items.create": lambda c: c.items.create("ghost", {"nome": "x"}),
    "items.get": lambda c: c.items.get("contracts", "NOPE"),
    "items.update": lambda c: c.items.update("contracts", "NOPE", {"nome": "x"}),
    "items.delete": lambda c: c.items.delete("contracts", "NOPE"),
}


@pytest.mark.parametrize("name", sorted(NOT_FOUND))
async def test_missing_things_raise_not_found(
    client: EnspaceClient, emu: EnspaceEmulator, name: str
) -> None:
    with pytest.raises(NotFoundError) as caught:
        await NOT_FOUND[name](client)
    assert caught.value.status == 404
    assert emu.requests[-1].route == name


BAD_REQUEST: dict[str, tuple[Call, str]] = {
    "workspaces.create": (lambda c: c.workspaces.create(name="", slug="b"), "name"),
    "fields.create": (
        lambda c: c.fields.create("contracts", name="", slug="s", type="email"),
        "name",
    ),
    "fields.update": (lambda c: c.fields.update("contracts", 1, required="yes"), "required"),
    "tasks.create": (lambda c: c.tasks.create(stage_id=MISSING, name="t"), "stage"),
    "members.create": (lambda c: c.members.create(email="nobody", type="viewer"), "email"),
    "members.update": (lambda c: c.members.update(1, type="viewer"), "owner"),
    "roles.create": (lambda c: c.roles.create(name=""), "name"),
    "roles.update": (lambda c: c.roles.update(1, name=3), "name"),
    "roles.add_permission": (lambda c: c.roles.add_permission(1, name=""), "name"),
    "member_groups.create": (
        lambda c: c.member_groups.create(name="G", users=[MISSING]),
        f"member {MISSING}",
    ),
    "member_groups.update": (lambda c: c.member_groups.update(1, name=5), "name"),
    "member_groups.add_users": (
        lambda c: c.member_groups.add_users(1, [MISSING]),
        f"member {MISSING}",
    ),
    "member_groups.remove_users": (
        lambda c: c.member_groups.remove_users(1, [MISSING]),
        f"member {MISSING}",
    ),
    "quick_tasks.create": (lambda c: c.quick_tasks.create(title="T", status="done"), "status"),
    "quick_tasks.update": (lambda c: c.quick_tasks.update(1, assigned_to=MISSING), "assigned_to"),
    "integrations.create": (
        lambda c: c.integrations.create(SendGridConfig(from_email="a@b.c")),
        "api_key",
    ),
    "types.create": (lambda c: c.types.create(name="", slug="x"), "name"),
    "types.list": (lambda c: c.types.list(sort="id:up").collect(), "_sort"),
    # Lists and counts: a malformed sort or paging value.
    "members.list": (lambda c: c.members.list(sort="email:sideways").collect(), "_sort"),
    "roles.list": (lambda c: c.roles.list(sort="name:up").collect(), "_sort"),
    "flows.list": (lambda c: c.flows.list(sort="id:up").collect(), "_sort"),
    "stages.list": (lambda c: c.stages.list(sort="id:up").collect(), "_sort"),
    "tasks.list": (lambda c: c.tasks.list(sort="id:up").collect(), "_sort"),
    "fields.list": (lambda c: c.fields.list("contracts", sort="id:up").collect(), "_sort"),
    "member_groups.list": (lambda c: c.member_groups.list(sort="id:up").collect(), "_sort"),
    "quick_tasks.list": (lambda c: c.quick_tasks.list(sort="id:up").collect(), "_sort"),
    "schedule_tasks.list": (lambda c: c.schedule_tasks.list(sort="id:up").collect(), "_sort"),
    "workspaces.list": (lambda c: c.workspaces.list(sort="id:up").collect(), "_sort"),
    "user.request_log": (lambda c: c.user.request_log(sort="id:up").collect(), "_sort"),
}


@pytest.mark.parametrize("name", sorted(BAD_REQUEST))
async def test_invalid_values_raise_bad_request(
    client: EnspaceClient, emu: EnspaceEmulator, name: str
) -> None:
    call, mentioned = BAD_REQUEST[name]
    with pytest.raises(BadRequestError) as caught:
        await call(client)
    assert caught.value.status == 400
    assert mentioned in caught.value.message
    assert emu.requests[-1].route == name


async def test_an_unknown_provider_is_refused(client: EnspaceClient) -> None:
    with pytest.raises(BadRequestError, match="integration must be one of"):
        await client.integrations.create(RawIntegrationConfig(42, {"region": "sa"}))


def test_the_readme_endpoint_table_lists_every_route_with_its_source() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Endpoints", 1)[1].split("\n## ", 1)[0]
    rows = {
        line.split("|")[1].strip(): line for line in section.splitlines() if line.startswith("| `")
    }
    words = {"D": "documented", "O": "observed", "A": "assumed"}
    for name, r in ROUTES.items():
        dagger = "" if r.workspace_scoped else " †"
        line = rows[f"`{r.method} {r.template}`{dagger}"]
        assert f"`client.{name}(" in line, name
        assert line.rstrip(" |").endswith(words[r.source]), name
    assert len(rows) == len(ROUTES)


@pytest.mark.parametrize("name", ["user.api_keys", "user.request_log", "workspaces.list"])
async def test_the_user_routes_refuse_an_unknown_key(emu: EnspaceEmulator, name: str) -> None:
    async with emu.client(api_key="en." + "x" * 34) as client:
        with pytest.raises(AuthenticationError) as caught:
            await EVERY_ROUTE[name](client)
    assert caught.value.message == "Invalid or missing API key"
