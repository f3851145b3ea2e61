"""Every resource method against the emulator over real loopback HTTP: what it sends, what it
returns. The error paths (403, 404, 400) are in ``test_resources_errors.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

import pytest
import pytest_asyncio

from enspace_async import ConfigurationError, EnspaceClient
from enspace_async.models import (
    ApiKey,
    Currency,
    Field,
    FieldType,
    Flow,
    Form,
    Integration,
    IntegrationStatus,
    ItemType,
    Member,
    MemberGroup,
    MemberStatus,
    MemberType,
    Permission,
    QuickTask,
    QuickTaskStatus,
    RawIntegrationConfig,
    Relation,
    RequestLogEntry,
    Role,
    ScheduleTask,
    SendGridConfig,
    Stage,
    Task,
    Workspace,
    WorkspaceContext,
    WorkspaceDeletionPreview,
    WorkspaceStats,
    WorkStatus,
)
from enspace_async.testing import EnspaceEmulator


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[EnspaceEmulator]:
    """An emulator with two types, a flow of each, and a scheduled task."""
    async with EnspaceEmulator(seed=1) as emulator:
        emulator.seed_type("contracts", items=2)
        emulator.seed_type("suppliers", fields={"nome": "inputText"})
        emulator.add_flow("contracts", "Approval", ["Draft", "Review"])
        emulator.add_flow("suppliers", "Onboarding", ["New"])
        emulator.add_schedule_task(item_reference="X1", work_status="working", task_name="Sign")
        yield emulator


@pytest_asyncio.fixture
async def client(emu: EnspaceEmulator) -> AsyncIterator[EnspaceClient]:
    """A client with every scope on the emulator's workspace."""
    async with emu.client() as c:
        yield c


def last_query(emu: EnspaceEmulator) -> list[tuple[str, str]]:
    return parse_qsl(emu.requests[-1].query)


async def test_workspaces(client: EnspaceClient, emu: EnspaceEmulator) -> None:
    created = await client.workspaces.create(name="Beta Corp", slug="beta", icon="pi-star")
    assert isinstance(created, Workspace)
    assert (created.slug, created.icon) == ("beta", "pi-star")
    assert [w.slug for w in await client.workspaces.list().collect()] == ["acme", "beta"]
    context = await client.workspaces.context()
    assert isinstance(context, WorkspaceContext)
    assert context.workspace is not None
    assert context.workspace.slug == "acme"
    assert context.member is not None
    assert context.member.type is MemberType.OWNER
    assert context.scopes == ["delete", "read", "write"]
    stats = await client.workspaces.stats()
    assert isinstance(stats, WorkspaceStats)
    assert (stats.types, stats.items, stats.flows, stats.members) == (2, 2, 2, 1)
    preview = await client.workspaces.deletion_preview()
    assert isinstance(preview, WorkspaceDeletionPreview)
    assert (preview.workspace, preview.items) == ("acme", 2)
    beta = client.with_workspace("beta")
    await beta.workspaces.leave()
    await client.workspaces.delete()
    assert [w.slug for w in await client.workspaces.list().collect()] == []


async def test_workspaces_list_is_not_workspace_scoped(emu: EnspaceEmulator) -> None:
    async with EnspaceClient(api_key=emu.api_key, base_url=emu.url) as c:
        assert [w.slug for w in await c.workspaces.list().collect()] == ["acme"]
        assert [k.id for k in await c.user.api_keys()] == [1]
        entries = await c.user.request_log().collect()
    assert [e.workspace for e in entries] == [None, None]
    assert emu.requests[-1].workspace is None


async def test_fields(client: EnspaceClient) -> None:
    fields = await client.fields.list("suppliers").collect()
    assert [(f.refId, f.type) for f in fields] == [("nome", FieldType.INPUT_TEXT)]
    created = await client.fields.create(
        "suppliers",
        name="Preço",
        slug="preco",
        type=FieldType.CURRENCY,
        required=True,
        config={"currency": "BRL"},
        order=5,
    )
    assert isinstance(created, Field)
    assert (created.refId, created.type, created.required, created.order) == (
        "preco",
        FieldType.CURRENCY,
        True,
        5,
    )
    assert created.config == {"currency": "BRL"}
    assert await client.fields.get("suppliers", created.id) == created
    updated = await client.fields.update("suppliers", created.id, label="Preço final")
    assert (updated.label, updated.refId) == ("Preço final", "preco")
    assert len(await client.fields.list("suppliers", sort="order:desc").collect()) == 2
    await client.fields.delete("suppliers", created.id)
    assert [f.refId for f in await client.fields.list("suppliers").collect()] == ["nome"]


async def test_items_carry_typed_values(client: EnspaceClient) -> None:
    await client.fields.create("suppliers", name="preco", slug="preco", type="EnCurrency")
    await client.fields.create("suppliers", name="pai", slug="pai", type="EnRel")
    parent = await client.items.create("suppliers", {"nome": "Matriz"})
    item = await client.items.create(
        "suppliers",
        {
            "nome": "Filial",
            "preco": Currency(currency="BRL", value=99.5),
            "pai": Relation(id=parent.id, reference=parent.reference),
        },
    )
    fetched = await client.items.get("suppliers", item.reference)
    assert fetched.value("preco", Currency) == Currency(currency="BRL", value=99.5)
    assert fetched.value("pai", Relation).reference == parent.reference


async def test_flows_stages_and_tasks_filter_by_their_parent(
    client: EnspaceClient, emu: EnspaceEmulator
) -> None:
    flows = await client.flows.list(type_slug="suppliers").collect()
    assert ("item_type", "suppliers") in last_query(emu)
    assert [f.name for f in flows] == ["Onboarding"]
    assert len(await client.flows.list().collect()) == 2
    flow = await client.flows.get(flows[0].id)
    assert isinstance(flow, Flow)
    assert isinstance(flow.item_type, ItemType)
    assert (flow.name, flow.item_type.slug) == ("Onboarding", "suppliers")
    approval = (await client.flows.list(type_slug="contracts").collect())[0]
    stages = await client.stages.list(flow_id=approval.id).collect()
    assert ("flow", str(approval.id)) in last_query(emu)
    assert [s.name for s in stages] == ["Draft", "Review"]
    assert all(isinstance(s, Stage) and s.is_start is (s.name == "Draft") for s in stages)
    task = await client.tasks.create(stage_id=stages[1].id, name="Check", description="d")
    assert isinstance(task, Task)
    assert (task.stage, task.name, task.description) == (stages[1].id, "Check", "d")
    await client.tasks.create(stage_id=stages[0].id, name="Other", order=3)
    assert await client.tasks.get(task.id) == task
    assert [t.name for t in await client.tasks.list(stage_id=stages[1].id).collect()] == ["Check"]
    assert ("stage", str(stages[1].id)) in last_query(emu)
    assert len(await client.tasks.list().collect()) == 2
    stage = await client.stages.get(stages[1].id)
    assert [t.name for t in stage.tasks] == ["Check"]


async def test_forms(client: EnspaceClient) -> None:
    forms = await client.forms.list("suppliers").collect()
    assert [(f.name, f.type, f.fields) for f in forms] == [("Default", "suppliers", ["nome"])]
    assert await client.forms.get("suppliers", forms[0].id) == forms[0]
    assert await client.forms.list_for_create("suppliers") == forms
    assert all(isinstance(f, Form) and f.for_create for f in forms)


async def test_members(client: EnspaceClient, emu: EnspaceEmulator) -> None:
    role = await client.roles.create(name="Sales")
    member = await client.members.create(
        email="bia@acme.com",
        type="standard",
        role=role.id,
        fname="Bia",
        lname="Lima",
        v1_compatibility=True,
        mgroups=[],
    )
    assert isinstance(member, Member)
    assert (member.type, member.role, member.status) == (
        MemberType.STANDARD,
        role.id,
        MemberStatus.ACTIVE,
    )
    assert member.user is not None
    assert member.user.meta is not None
    assert member.user.meta.fname == "Bia"
    assert await client.members.count() == 2
    assert await client.members.count(filters={"type": "standard"}) == 1
    assert await client.members.get(member.id) == member
    listed = await client.members.list(filters={"email_contains": "bia"}).collect()
    assert listed == [member]
    updated = await client.members.update(member.id, type=MemberType.FULL, status="blocked")
    assert (updated.type, updated.role, updated.status) == (MemberType.FULL, None, "blocked")
    await client.members.delete(member.id)
    assert await client.members.count() == 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.members.create(email="x@y.z", type="owner"), "nobody becomes owner"),
        (lambda c: c.members.create(email="x@y.z", type="admin"), "'admin'"),
        (lambda c: c.members.update(1, type=MemberType.OWNER), "nobody becomes owner"),
        (lambda c: c.members.update(1, type="root"), "'root'"),
    ],
)
async def test_member_type_rules_are_checked_before_sending(
    client: EnspaceClient, emu: EnspaceEmulator, call: object, message: str
) -> None:
    sent = len(emu.requests)
    with pytest.raises(ConfigurationError, match=message):
        await call(client)  # type: ignore[operator]
    assert len(emu.requests) == sent


async def test_roles_and_permissions(client: EnspaceClient) -> None:
    role = await client.roles.create(name="Sales", description="Sells")
    assert isinstance(role, Role)
    assert (role.name, role.description) == ("Sales", "Sells")
    await client.roles.create(name="Support")
    assert await client.roles.count() == 2
    assert [r.name for r in await client.roles.list(sort="name:desc").collect()] == [
        "Support",
        "Sales",
    ]
    assert await client.roles.get(role.id) == role
    assert (await client.roles.update(role.id, name="Revenue")).name == "Revenue"
    permission = await client.roles.add_permission(role.id, name="items.read")
    assert isinstance(permission, Permission)
    assert (permission.name, permission.role) == ("items.read", role.id)
    await client.roles.add_permission(role.id, name="items.update")
    names = [p.name for p in await client.roles.list_permissions(role.id)]
    assert names == ["items.read", "items.update"]
    await client.roles.remove_permission(role.id, permission.id)
    assert [p.name for p in await client.roles.list_permissions(role.id)] == ["items.update"]
    await client.roles.delete(role.id)
    assert await client.roles.count() == 1


async def test_member_groups(client: EnspaceClient) -> None:
    a = await client.members.create(email="a@acme.com", type="viewer")
    b = await client.members.create(email="b@acme.com", type="viewer")
    group = await client.member_groups.create(name="Ops", description="d", users=[a.id])
    assert isinstance(group, MemberGroup)
    assert (group.name, group.member_ids()) == ("Ops", [a.id])
    assert await client.member_groups.get(group.id) == group
    assert (await client.member_groups.add_users(group.id, [b.id, a.id])).users == [a.id, b.id]
    assert (await client.member_groups.remove_users(group.id, (a.id,))).users == [b.id]
    assert (await client.member_groups.update(group.id, name="Ops 2")).name == "Ops 2"
    assert [g.name for g in await client.member_groups.list().collect()] == ["Ops 2"]
    await client.member_groups.delete(group.id)
    assert await client.member_groups.list().collect() == []


async def test_quick_tasks(client: EnspaceClient) -> None:
    task = await client.quick_tasks.create(title="Call Ana", priority="high", collaborators=[1])
    assert isinstance(task, QuickTask)
    assert (task.title, task.status, task.priority, task.collaborators) == (
        "Call Ana",
        QuickTaskStatus.PENDING,
        "high",
        [1],
    )
    assert await client.quick_tasks.get(task.id) == task
    assert await client.quick_tasks.count() == 1
    done = await client.quick_tasks.update(task.id, status="completed")
    assert done.status is QuickTaskStatus.COMPLETED
    assert done.completed_at is not None
    assert await client.quick_tasks.count(filters={"status": "pending"}) == 0
    assert [t.id for t in await client.quick_tasks.list(q="Ana").collect()] == [task.id]
    await client.quick_tasks.delete(task.id)
    assert await client.quick_tasks.count() == 0


async def test_schedule_tasks(client: EnspaceClient) -> None:
    tasks = await client.schedule_tasks.list(filters={"work_status": "working"}).collect()
    assert [(t.item_reference, t.task_name, t.work_status) for t in tasks] == [
        ("X1", "Sign", WorkStatus.WORKING)
    ]
    assert isinstance(tasks[0], ScheduleTask)
    assert await client.schedule_tasks.get(tasks[0].id) == tasks[0]


async def test_integrations_send_wire_keys_and_never_get_secrets_back(
    client: EnspaceClient, emu: EnspaceEmulator
) -> None:
    config = SendGridConfig(
        environment="production", api_key="SG.secret", from_email="a@acme.com", from_name="A"
    )
    created = await client.integrations.create(config)
    assert isinstance(created, Integration)
    assert created.provider_id == 4
    assert created.status is IntegrationStatus.ACTIVE
    assert created.data == {
        "environment": "production",
        "from_email": "a@acme.com",
        "from_name": "A",
    }
    assert emu.ws().secrets[created.id] == {"api_key": "SG.secret"}
    raw = await client.integrations.create(RawIntegrationConfig(7, {"model": "gpt"}))
    assert (raw.provider_id, raw.data) == (7, {"model": "gpt"})
    assert await client.integrations.get(created.id) == created
    assert [i.id for i in await client.integrations.list().collect()] == [created.id, raw.id]


async def test_user_request_log_and_api_keys(client: EnspaceClient, emu: EnspaceEmulator) -> None:
    await client.types.count()
    await client.members.count()
    # Reading the log adds to it: a page size of 1 would chase its own tail, so filter.
    entries = await client.user.request_log(
        filters={"path_contains": "/count"}, page_size=1
    ).collect()
    assert [e.path for e in entries] == ["/ws/types/count", "/ws/members/count"]
    assert all(isinstance(e, RequestLogEntry) and e.status == 200 for e in entries)
    newest = await client.user.request_log(sort="id:desc").collect(limit=1)
    assert newest[0].path == "/users/me/request-logs"
    assert newest[0].id > max(e.id for e in entries)
    keys = await client.user.api_keys()
    assert [type(k) for k in keys] == [ApiKey]
    assert keys[0].scopes == ["delete", "read", "write"]
    assert emu.api_key not in repr(keys)
