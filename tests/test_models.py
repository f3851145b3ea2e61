"""Models: the documented §6 examples decode exactly, every model round-trips, and the
unknown (keys, field types, providers, enum values) still decodes."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

from enspace_async import AuthenticationError, BadRequestError, DecodeError, models
from enspace_async._converter import decode, dumps, structure, unstructure
from enspace_async._protocol.errors import error_from_response
from enspace_async.models import (
    Address,
    ApiKey,
    Currency,
    Field,
    FieldOption,
    FieldType,
    FileRef,
    Flow,
    Form,
    Integration,
    IntegrationProvider,
    IntegrationStatus,
    Item,
    ItemType,
    Member,
    MemberGroup,
    MemberStatus,
    MemberType,
    Permission,
    QuickTask,
    QuickTaskStatus,
    Relation,
    RequestLogEntry,
    Role,
    ScheduleTask,
    Stage,
    Task,
    User,
    UserMeta,
    Workspace,
    WorkspaceContext,
    WorkspaceDeletionPreview,
    WorkspaceStats,
    WorkStatus,
)

T0 = "2026-03-12T19:30:37.716Z"
DT0 = datetime(2026, 3, 12, 19, 30, 37, 716000, tzinfo=UTC)
USER_WIRE = {
    "id": 5,
    "created_at": T0,
    "email": "ana@acme.com",
    "meta": {"fname": "Ana", "lname": "Silva"},
}
USER = User(id=5, created_at=DT0, email="ana@acme.com", meta=UserMeta(fname="Ana", lname="Silva"))
TYPE_WIRE = {
    "id": 2,
    "name": "Fornecedores",
    "slug": "fornecedores",
    "description": "Suppliers",
    "icon": "pi-box",
    "color": "#336699",
    "settings": {"prefix": "FORN"},
    "created_at": T0,
    "updated_at": T0,
}
TYPE = ItemType(
    id=2,
    name="Fornecedores",
    slug="fornecedores",
    description="Suppliers",
    icon="pi-box",
    color="#336699",
    settings={"prefix": "FORN"},
    created_at=DT0,
    updated_at=DT0,
)
FLOW_WIRE = {
    "id": 3,
    "name": "Homologação",
    "status": "active",
    "item_type": TYPE_WIRE,
    "start_type": "manual",
    "icon": "pi-sitemap",
    "user": USER_WIRE,
    "created_at": T0,
    "updated_at": T0,
}
FLOW = Flow(
    id=3,
    name="Homologação",
    status="active",
    item_type=TYPE,
    start_type="manual",
    icon="pi-sitemap",
    user=USER,
    created_at=DT0,
    updated_at=DT0,
)
TASK_WIRE = {
    "id": 9,
    "name": "Conferir CNPJ",
    "description": None,
    "stage": 4,
    "order": 0,
    "status": "active",
    "created_at": T0,
    "updated_at": T0,
}
TASK = Task(
    id=9, name="Conferir CNPJ", stage=4, order=0, status="active", created_at=DT0, updated_at=DT0
)


def test_documented_member_decodes_exactly() -> None:
    wire = {
        "id": 17,
        "created_at": T0,
        "updated_at": T0,
        "user": USER_WIRE,
        "email": "ana@acme.com",
        "type": "standard",
        "role": 4,
        "status": "active",
    }
    member = structure(wire, Member)
    assert member == Member(
        id=17,
        created_at=DT0,
        updated_at=DT0,
        user=USER,
        email="ana@acme.com",
        type=MemberType.STANDARD,
        role=4,
        status=MemberStatus.ACTIVE,
    )
    assert type(member.type) is MemberType
    assert unstructure(member) == wire


def test_documented_stage_decodes_exactly() -> None:
    wire = {
        "id": 4,
        "name": "Análise",
        "status": "active",
        "progress_type": "manual",
        "is_start": True,
        "hex_color": "#FF9900",
        "icon": "pi-search",
        "user": USER_WIRE,
        "created_at": T0,
        "updated_at": T0,
        "item_type": TYPE_WIRE,
        "flow": FLOW_WIRE,
        "tasks": [TASK_WIRE],
    }
    assert structure(wire, Stage) == Stage(
        id=4,
        name="Análise",
        status="active",
        progress_type="manual",
        is_start=True,
        hex_color="#FF9900",
        icon="pi-search",
        user=USER,
        created_at=DT0,
        updated_at=DT0,
        item_type=TYPE,
        flow=FLOW,
        tasks=[TASK],
    )


PROVIDER_WIRE = {
    "id": 4,
    "name": "SendGrid",
    "description": "E-mail delivery",
    "category": "email",
    "slug": "sendgrid",
    "created_at": T0,
    "updated_at": T0,
    "media": [],
}
PROVIDER = IntegrationProvider(
    id=4,
    name="SendGrid",
    description="E-mail delivery",
    category="email",
    slug="sendgrid",
    created_at=DT0,
    updated_at=DT0,
)


def test_documented_integration_response_decodes_exactly() -> None:
    wire = {
        "id": 87,
        "data": {"environment": "production", "from_email": "no-reply@acme.com"},
        "integration": PROVIDER_WIRE,
        "status": "active",
        "created_at": T0,
        "updated_at": T0,
    }
    integration = structure(wire, Integration)
    assert integration == Integration(
        id=87,
        data={"environment": "production", "from_email": "no-reply@acme.com"},
        integration=PROVIDER,
        status=IntegrationStatus.ACTIVE,
        created_at=DT0,
        updated_at=DT0,
    )
    assert integration.provider_id == 4


def test_integration_may_name_its_provider_by_bare_id() -> None:
    integration = structure({"id": 87, "integration": 4, "status": "inactive"}, Integration)
    assert (integration.integration, integration.provider_id) == (4, 4)
    assert integration.status is IntegrationStatus.INACTIVE


@pytest.mark.parametrize(
    ("status", "body", "kind", "messages"),
    [
        (
            401,
            b'{"statusCode": 401, "error": "Unauthorized", "message": "Invalid or missing API key"}',
            AuthenticationError,
            ["Invalid or missing API key"],
        ),
        (
            400,
            b'{"statusCode": 400, "error": "Bad Request", "message": ["email must be an email", '
            b'"type must be one of full, standard, viewer"]}',
            BadRequestError,
            ["email must be an email", "type must be one of full, standard, viewer"],
        ),
    ],
)
def test_documented_error_bodies_decode_exactly(
    status: int, body: bytes, kind: type[Exception], messages: list[str]
) -> None:
    error = error_from_response(status, {}, body)
    assert type(error) is kind
    assert (error.status, error.messages) == (status, messages)
    assert error.error == ("Unauthorized" if status == 401 else "Bad Request")


FULL = {
    "field": Field(
        id=3,
        refId="tipo",
        name="tipo",
        label="Tipo",
        type=FieldType.DROPDOWN,
        required=True,
        options=[FieldOption(value="hotfix", label="Hotfix")],
        config={"multiple": False},
        order=0,
        created_at=DT0,
        updated_at=DT0,
    ),
    "flow": FLOW,
    "stage": Stage(id=4, name="x", flow=7, item_type=2, tasks=[TASK], user=USER),
    "task": TASK,
    "form": Form(id=1, name="Default", type="fornecedores", for_create=True, fields=["tipo"]),
    "item": Item(id=11, reference="DEM11", data={"nome": "Ana"}, created_at=DT0, updated_at=DT0),
    "item_type": TYPE,
    "member": Member(id=1, email="a@b.c", type=MemberType.OWNER, status=MemberStatus.BLOCKED),
    "member_with_role": Member(id=2, role=Role(id=4, name="Sales"), user=USER),
    "user": USER,
    "role": Role(id=4, name="Sales", description="d", permissions=[Permission(id=1, name="x")]),
    "permission": Permission(id=1, name="items.read", role=4, created_at=DT0, updated_at=DT0),
    "member_group": MemberGroup(id=1, name="Ops", description=None, users=[1, 2]),
    "quick_task": QuickTask(
        id=1,
        title="Call",
        name="Call",
        status=QuickTaskStatus.WORKING,
        assigned_to=3,
        creator=1,
        collaborators=[2, USER],
        due_date=DT0,
        item="DEM11",
        type="call",
        priority="high",
    ),
    "schedule_task": ScheduleTask(
        id=1,
        item_reference="DEM11",
        item_type_name="Demo",
        flow_name="F",
        stage_name="S",
        task_name="T",
        work_status=WorkStatus.WAITING,
        status="active",
        due_date=DT0,
        is_overdue="no",
        completed_at=None,
    ),
    "integration": Integration(id=1, integration=PROVIDER, data={"a": 1}, status="paused"),
    "integration_provider": PROVIDER,
    "workspace": Workspace(id="1", name="Acme", slug="acme", icon="x", created_at=DT0),
    "workspace_context": WorkspaceContext(
        workspace=Workspace(id="ws-1", name="Acme", slug="acme"),
        user=USER,
        member=Member(id=1),
        scopes=["read"],
        settings={"locale": "pt-BR"},
        extra={"plan": "pro"},
    ),
    "workspace_stats": WorkspaceStats(types=1, items=20, members=3, extra={"storage_mb": 12}),
    "workspace_deletion_preview": WorkspaceDeletionPreview(
        workspace="acme", items=20, extra={"files": 4}
    ),
    "request_log_entry": RequestLogEntry(
        id=1, method="GET", path="/ws/types", status=200, duration_ms=1.5, workspace="acme"
    ),
    "api_key": ApiKey(id=1, description="ci", scopes=["read"], workspaces=["acme"], expires_at=DT0),
    "open_enum_values": Member(id=3, type="guest", status="suspended"),
    "field_option": FieldOption(value=2, label="Two"),
    "user_meta": UserMeta(fname="Ana"),
    "currency": Currency(currency="BRL", value=10.5, original_value=11.0),
    "relation": Relation(id=1, reference="R1"),
    "address": Address(street="Rua A", number=12, zip="50000-000"),
    "file_ref": FileRef(url="https://f/x", filename="x", mime="text/plain", size=3),
    "field_of_new_type": Field(id=4, refId="x", type="EnHologram"),
}


@pytest.mark.parametrize("model", FULL.values(), ids=FULL.keys())
def test_every_model_round_trips_through_json(model: Any) -> None:
    assert decode(dumps(model), type(model)) == model


def test_the_round_trip_table_covers_every_model() -> None:
    exported = {getattr(models, n) for n in models.__all__}
    attrs_classes = {c for c in exported if isinstance(c, type) and attrs.has(c)}
    configs = {c for c in attrs_classes if c.__name__.endswith("Config")}  # test_models_values
    assert attrs_classes - configs == {type(m) for m in FULL.values()}


@pytest.mark.parametrize("model", FULL.values(), ids=FULL.keys())
def test_every_model_is_frozen_and_pickles(model: Any) -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        model.id = 99
    assert pickle.loads(pickle.dumps(model)) == model


def test_unknown_keys_are_kept_and_new_values_stay_strings() -> None:
    wire = {
        "id": 3,
        "refId": "holo",
        "type": "EnHologram",
        "options": [{"value": 1, "label": "One", "color": "red"}],
        "brand_new": {"nested": True},
    }
    field = structure(wire, Field)
    assert field.type == "EnHologram"
    assert not isinstance(field.type, FieldType)
    assert field.options == [FieldOption(value=1, label="One", extra={"color": "red"})]
    assert field.extra == {"brand_new": {"nested": True}}
    member = structure({"id": 1, "type": "guest", "status": None, "tenant": 9}, Member)
    assert (member.type, member.status, member.extra) == ("guest", None, {"tenant": 9})


def test_a_new_provider_decodes() -> None:
    wire = {
        "id": 90,
        "integration": {"id": 42, "name": "Quantum Sign", "slug": "qsign", "ratings": [5]},
        "status": "provisioning",
        "data": {"region": "sa-east-1"},
        "webhook": "https://x",
    }
    integration = structure(wire, Integration)
    assert integration.provider_id == 42
    assert integration.status == "provisioning"
    assert integration.data == {"region": "sa-east-1"}


def test_every_known_field_type_loads_as_the_enum() -> None:
    assert len(FieldType) == 31
    for kind in FieldType:
        assert structure({"id": 1, "refId": "r", "type": kind.value}, Field).type is kind


def test_stats_keep_unknown_keys_in_extra_and_write_them_back() -> None:
    wire = {"types": 2, "items": 40, "automations": 7, "storage": {"mb": 3}}
    stats = structure(wire, WorkspaceStats)
    assert (stats.types, stats.items, stats.members) == (2, 40, None)
    assert stats.extra == {"automations": 7, "storage": {"mb": 3}}
    assert {k: v for k, v in unstructure(stats).items() if v is not None} == wire


def test_deletion_preview_and_context_keep_extra() -> None:
    preview = structure({"workspace": "acme", "items": 3, "webhooks": 2}, WorkspaceDeletionPreview)
    assert (preview.workspace, preview.items, preview.extra) == ("acme", 3, {"webhooks": 2})
    context = structure({"scopes": ["read"], "plan": "pro"}, WorkspaceContext)
    assert (context.scopes, context.extra) == (["read"], {"plan": "pro"})


@pytest.mark.parametrize(
    ("wire", "model", "path"),
    [
        ({"id": "x"}, Member, "$.id"),
        ({"id": 1}, Field, "$.refId"),
        ({"name": "Contracts"}, ItemType, "$.slug"),
        ({"id": 1, "reference": ""}, Item, "$.reference"),
        ([{"id": 1}, {"id": True}], list[Member], "$[1].id"),
    ],
)
def test_a_broken_identity_names_its_path(wire: Any, model: Any, path: str) -> None:
    with pytest.raises(DecodeError) as caught:
        structure(wire, model)
    assert caught.value.path == path


@pytest.mark.parametrize(
    ("wire", "model", "key"),
    [
        ({"id": 1, "user": {"id": 1, "created_at": "yesterday"}}, Member, "user"),
        ({"id": 1, "tasks": [{"id": 1}, {"id": None}]}, Stage, "tasks"),
        ({"id": 1, "type": 3, "refId": "r"}, Field, "type"),
    ],
)
def test_other_mismatches_are_kept_raw(wire: dict[str, Any], model: type, key: str) -> None:
    decoded = structure(wire, model)
    if key == "user":  # the user decodes; its timestamp is kept raw in its own extra
        assert decoded.user.extra == {"created_at": "yesterday"}
    else:
        assert decoded.extra == {key: wire[key]}
