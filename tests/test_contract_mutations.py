"""The decoding rule (see ``enspace_async._converter``) held against what the API may send.

The documentation's own examples (``enspace-api.md`` §7, verbatim) and the shapes of §6 decode;
then every payload goes through the mutation families that a tenant may produce: each key of
each object dropped, nulled, replaced by its id, by ``{}``, by a numeric string, by ``true``, by
``1.5``; an unknown key added; timestamps in their variants. Identity intact → the payload
decodes with the values it had (each either loaded as it was, or kept raw in ``extra``: never
``"None"``, never coerced). Identity broken → a :class:`DecodeError` whose path names the key.
"""

from __future__ import annotations

import asyncio
import copy
import enum
import typing
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import attrs
import orjson
import pytest
from aiohttp import web

from enspace_async import DecodeError, EnspaceClient
from enspace_async._converter import structure, unstructure
from enspace_async._resources._base import parse_count
from enspace_async.models import (
    Address,
    ApiKey,
    ClicksignConfig,
    Currency,
    Field,
    FieldOption,
    FileRef,
    Flow,
    Integration,
    IntegrationProvider,
    Item,
    ItemType,
    Member,
    MemberGroup,
    QuickTask,
    Relation,
    RequestLogEntry,
    Role,
    ScheduleTask,
    Stage,
    Task,
    User,
    Workspace,
)
from enspace_async.testing import EnspaceEmulator

# ---------------------------------------------------------------------------------------------
# §7, "The documentation's own examples, verbatim (D)".

USER_7 = {
    "id": 0,
    "created_at": "string",
    "email": "string",
    "meta": {"fname": "string", "lname": "string"},
}
MEMBER_7 = {
    "id": 0,
    "created_at": "string",
    "updated_at": "string",
    "user": {
        "id": 0,
        "created_at": "string",
        "email": "string",
        "meta": {"fname": "string", "lname": "string"},
    },
    "email": "string",
    "type": "owner",
    "role": 0,
    "status": "active",
}
STAGE_7 = orjson.loads(
    """
{"id": 0, "name": "string", "status": "string", "progress_type": "string", "is_start": true,
 "hex_color": "string", "icon": "string",
 "user": {"id": 0, "created_at": "string", "email": "string", "meta": {"fname": "string", "lname": "string"}},
 "created_at": "2019-08-24T14:15:22.123Z", "updated_at": "2019-08-24T14:15:22.123Z",
 "item_type": {"name": "string", "slug": "string", "description": "string", "icon": "string", "color": "string",
               "settings": {"property1": "string", "property2": "string"}},
 "flow": {"id": 0, "name": "string", "status": "string",
          "item_type": {"name": "string", "slug": "string", "description": "string", "icon": "string",
                        "color": "string", "settings": {"property1": "string"}},
          "start_type": "always", "icon": "string",
          "user": {"id": 0, "created_at": "string", "email": "string", "meta": {"fname": "string", "lname": "string"}},
          "created_at": "2019-08-24T14:15:22.123Z", "updated_at": "2019-08-24T14:15:22.123Z"},
 "tasks": [{}]}
"""
)
CERTISIGN_7 = orjson.loads(
    """
{"id": 75,
 "data": {"changeKeys": false, "environment": "stage", "webhookCatcherEndpoint": "https://api-develop.enspace.io/webhooks/certisign"},
 "integration": {"id": 1, "name": "Certisign", "description": "integrations.certisign.description",
                 "category": "integrations.certisign.category", "slug": "certisign",
                 "created_at": "2025-06-17T15:40:10.353Z", "updated_at": "2025-06-17T15:40:10.353Z", "media": []},
 "status": "active", "created_at": "2026-03-12T19:30:37.716Z", "updated_at": "2026-03-12T19:30:37.725Z"}
"""
)
# "its response is the shape above with "id": 87 and the Clicksign provider (id 5, slug clicksign)";
# "the response-field tables of some provider pages say integration is an integer".
CLICKSIGN_7 = {
    **CERTISIGN_7,
    "id": 87,
    "integration": {**CERTISIGN_7["integration"], "id": 5, "slug": "clicksign"},
}
CLICKSIGN_BARE_7 = {**CLICKSIGN_7, "integration": 5}
# The Clicksign request example, and the Create Field page's two bodies: all sendable.
CLICKSIGN_REQUEST_7 = {
    "integration": 5,
    "data": {
        "environment": "stage",
        "changeKeys": False,
        "webhookCatcherEndpoint": "https://api-develop.enspace.io/webhooks/clicksign",
    },
}
CREATE_FIELD_CURL_7 = {
    "name": "Product Name",
    "slug": "product_name",
    "type": "text",
    "required": False,
    "config": {},
    "order": 0,
}
# Workspace id (concepts and auth pages): "shown as a string, "id": "123" and ws-123".
WORKSPACE_7 = {"id": "123"}
WORKSPACE_WS_7 = {"id": "ws-123"}

# ---------------------------------------------------------------------------------------------
# §6, "Shapes": the examples as shown (ellipses kept where §6 writes them), and the shapes §6
# gives as key lists, with values of ours.

ITEM_6 = {
    "id": 11,
    "reference": "DEM…11",
    "status": "active",
    "created_at": "…Z",
    "updated_at": "…Z",
    "data": {"<refId>": "value"},
}
ITEM_FILLED_6 = {
    **ITEM_6,
    "reference": "DEM11",
    "created_at": "2026-03-12T19:30:37.716Z",
    "updated_at": "2026-03-12T19:30:37.716Z",
}
FIELD_6 = {
    "id": 3,
    "refId": "tipo",
    "name": "tipo",
    "label": "Tipo",
    "type": "EnlDropdown",
    "required": False,
    "options": [{"value": "hotfix", "label": "Hotfix"}],
    "config": {},
    "order": 0,
}
CURRENCY_6 = {"currency": "USD", "value": 3750.25, "originalValue": 3750.25}
RELATION_6 = {"id": 43887, "display": "…", "reference": "FORNC55D9212D9"}
ADDRESS_6 = dict.fromkeys(
    ("street", "number", "complement", "neighborhood", "city", "state", "zip", "country"), "x"
)
FILE_6 = {
    "url": "https://f.example/x.pdf",
    "filename": "x.pdf",
    "mime": "application/pdf",
    "size": 3,
}
TYPE_6 = {
    **STAGE_7["item_type"],
    "id": 2,
    "created_at": "2019-08-24T14:15:22.123Z",
    "updated_at": "2019-08-24T14:15:22.123Z",
}
QUICK_TASK_6 = {
    "id": 1,
    "title": "Call",
    "name": "Call",
    "status": "pending",
    "assigned_to": 17,
    "creator": USER_7,
    "collaborators": [5, USER_7],
    "due_date": "2026-03-12T19:30:37.716Z",
    "completed_at": None,
    "item": "FORNC55D9212D9",
    "type": "call",
    "priority": "high",
    "created_at": "2026-03-12T19:30:37.716Z",
    "updated_at": "2026-03-12T19:30:37.716Z",
}
SCHEDULE_TASK_6 = {
    "id": 1,
    "item_reference": "DEM11",
    "item_type_name": "Demo",
    "flow_name": "F",
    "stage_name": "S",
    "task_name": "T",
    "work_status": "waiting",
    "status": "active",
    "due_date": "2026-03-12T19:30:37.716Z",
    "is_overdue": "no",
    "completed_at": None,
}
WORKSPACE_6 = {
    "id": "123",
    "name": "Acme",
    "slug": "acme",
    "icon": "pi-star",
    "created_at": "2026-03-12T19:30:37.716Z",
    "updated_at": "2026-03-12T19:30:37.716Z",
}
REQUEST_LOG_6 = {
    "id": 1,
    "method": "GET",
    "path": "/ws/types",
    "status": 200,
    "duration_ms": 1.5,
    "workspace": "acme",
    "created_at": "2026-03-12T19:30:37.716Z",
}
API_KEY_6 = {
    "id": 1,
    "description": "ci",
    "scopes": ["read"],
    "workspaces": ["acme"],
    "expires_at": None,
    "created_at": "2026-03-12T19:30:37.716Z",
    "last_used_at": None,
}
ROLE_6 = {"id": 4, "name": "Sales", "description": "d", "permissions": [{"id": 1, "role": 4}]}
GROUP_6 = {"id": 2, "name": "Ops", "users": [1, MEMBER_7]}

PAYLOADS: dict[str, tuple[type, dict[str, Any]]] = {
    "user §7": (User, USER_7),
    "member §7": (Member, MEMBER_7),
    "stage §7": (Stage, STAGE_7),
    "flow §7": (Flow, STAGE_7["flow"]),
    "certisign §7": (Integration, CERTISIGN_7),
    "clicksign §7": (Integration, CLICKSIGN_7),
    "clicksign bare provider §7": (Integration, CLICKSIGN_BARE_7),
    "provider §7": (IntegrationProvider, CERTISIGN_7["integration"]),
    "workspace §7": (Workspace, WORKSPACE_7),
    "workspace ws-123 §7": (Workspace, WORKSPACE_WS_7),
    "type of stage §7": (ItemType, STAGE_7["item_type"]),
    "item §6": (Item, ITEM_6),
    "item filled §6": (Item, ITEM_FILLED_6),
    "field §6": (Field, FIELD_6),
    "type §6": (ItemType, TYPE_6),
    "currency §6": (Currency, CURRENCY_6),
    "relation §6": (Relation, RELATION_6),
    "address §6": (Address, ADDRESS_6),
    "file §6": (FileRef, FILE_6),
    "quick task §6": (QuickTask, QUICK_TASK_6),
    "schedule task §6": (ScheduleTask, SCHEDULE_TASK_6),
    "workspace §6": (Workspace, WORKSPACE_6),
    "request log §6": (RequestLogEntry, REQUEST_LOG_6),
    "api key §6": (ApiKey, API_KEY_6),
    "role §6": (Role, ROLE_6),
    "member group §6": (MemberGroup, GROUP_6),
}

# The identity of each model, and what a valid identity value is: the specification the
# mutations are judged by. Every other key is optional.
INT_ID, STR_KEY, NUMBER = "an integer id", "a non-empty string", "a number"
IDENTITY: dict[type, dict[str, str]] = {
    Item: {"id": INT_ID, "reference": STR_KEY},
    ItemType: {"slug": STR_KEY},
    Field: {"id": INT_ID, "refId": STR_KEY},
    Workspace: {"id": STR_KEY},
    Currency: {"currency": STR_KEY, "value": NUMBER},
    Relation: {"id": INT_ID},
    FileRef: {"url": STR_KEY},
    Address: {},
}
for _model in (User, Member, Stage, Flow, Integration, IntegrationProvider, QuickTask):
    IDENTITY[_model] = {"id": INT_ID}
for _model in (ScheduleTask, RequestLogEntry, ApiKey, Role, MemberGroup, Task):
    IDENTITY[_model] = {"id": INT_ID}

# Wire keys whose attribute has another name.
RENAMED = {"originalValue": "original_value", "mimeType": "mime", "defaultValue": "default_value"}
TIMESTAMP_VARIANTS = [
    "",
    "string",
    "2019-08-24",
    "2019-08-24T14:15:22",
    "2019-08-24T11:15:22.123-03:00",
    1566656122123,  # epoch milliseconds
    1566656122,  # epoch seconds
]


def identity_holds(kind: str, value: Any) -> bool:
    """Whether ``value`` is a valid identity of ``kind`` (the rule, stated independently)."""
    if kind == INT_ID:
        return type(value) is int or (type(value) is str and value.isascii() and value.isdigit())
    if kind == STR_KEY:
        return (type(value) is str and value != "") or type(value) is int
    return type(value) in (int, float)


# ---------------------------------------------------------------------------------------------
# "Values the payload had": each key either loaded as sent, or kept raw in ``extra``.


def expected_time(raw: Any) -> datetime:
    if isinstance(raw, int | float):
        return datetime.fromtimestamp(raw / 1000 if raw > 10**11 else raw, UTC)
    parsed = datetime.fromisoformat(raw)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def is_relation(cls: type, name: str) -> bool:
    hint = typing.get_type_hints(cls)[name]
    args = typing.get_args(hint) or (hint,)
    inner = [a for arg in args for a in (typing.get_args(arg) or (arg,))]
    return any(attrs.has(a) for a in inner) and int in inner


def attribute(cls: type, key: str) -> str:
    if cls is Field and key == "slug":
        return "refId"
    return RENAMED.get(key, key)


def assert_kept(model: Any, wire: dict[str, Any]) -> None:
    """Assert that every key of ``wire`` reached ``model`` unchanged (or raw in ``extra``)."""
    cls = type(model)
    names = {f.name for f in attrs.fields(cls)}
    for key, raw in wire.items():
        name = attribute(cls, key)
        if key in model.extra:
            assert model.extra[key] == raw, (key, model.extra[key], raw)
            assert name not in names or getattr(model, name) in (None, [], {}), key
            continue
        assert name in names, f"{cls.__name__}: {key!r} neither loaded nor kept in extra"
        assert_same(getattr(model, name), raw, relation=key == "id" or is_relation(cls, name))


def assert_same(value: Any, raw: Any, *, relation: bool) -> None:
    if raw is None:
        assert value is None or value == [] or value == {}, value
    elif attrs.has(type(value)):
        assert isinstance(raw, dict), (value, raw)
        assert_kept(value, raw)
    elif isinstance(value, datetime):
        assert value == expected_time(raw), (value, raw)
    elif isinstance(value, enum.Enum):
        assert value.value == raw
    elif isinstance(value, list):
        assert isinstance(raw, list), (value, raw)
        for one, sent in zip(value, raw, strict=True):
            assert_same(one, sent, relation=relation)
    elif relation and type(value) is int and type(raw) is str:
        assert value == int(raw)
    else:
        assert (type(value), value) == (type(raw), raw)


# ---------------------------------------------------------------------------------------------
# The mutation families.

Path = tuple[str | int, ...]


def objects(value: Any, path: Path = ()) -> Iterator[Path]:
    """The path of every object in ``value`` (lists entered), the top one first."""
    if isinstance(value, dict):
        yield path
        for key, child in value.items():
            if key != "data":  # item and integration data are kept as sent, whatever they hold
                yield from objects(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from objects(child, (*path, index))


def at(value: Any, path: Path) -> Any:
    for step in path:
        value = value[step]
    return value


def replacements(family: str, key: str, value: Any) -> list[Any]:
    """What ``family`` puts in place of ``value`` (``[]``: the family does not apply)."""
    if family == "dropped":
        return []
    if family == "null":
        return [None]
    if family == "its id":
        return [value["id"]] if isinstance(value, dict) and "id" in value else []
    if family == "empty object":
        return [{}]
    if family == "numeric string":
        return [str(value) if type(value) is int else "123"]
    if family == "true":
        return [True]
    if family == "1.5":
        return [1.5]
    if family == "timestamps":
        return TIMESTAMP_VARIANTS if key.endswith("_at") or key == "due_date" else []
    raise AssertionError(family)


def mutations(wire: dict[str, Any], family: str) -> Iterator[tuple[Path, str, dict[str, Any]]]:
    """Every mutated copy of ``wire``: (path of the object changed, key, the copy)."""
    for path in objects(wire):
        target = at(wire, path)
        if family == "unknown key":
            changed = copy.deepcopy(wire)
            at(changed, path)["brand_new_key"] = {"nested": [1, None]}
            yield path, "brand_new_key", changed
            continue
        for key in list(target):
            if family == "dropped":
                changed = copy.deepcopy(wire)
                del at(changed, path)[key]
                yield path, key, changed
            for replacement in replacements(family, key, target[key]):
                changed = copy.deepcopy(wire)
                at(changed, path)[key] = replacement
                yield path, key, changed


FAMILIES = [
    "dropped",
    "null",
    "its id",
    "empty object",
    "numeric string",
    "true",
    "1.5",
    "timestamps",
    "unknown key",
]


@pytest.mark.parametrize(("model", "wire"), PAYLOADS.values(), ids=PAYLOADS.keys())
def test_every_documented_payload_decodes_with_its_values(
    model: type, wire: dict[str, Any]
) -> None:
    assert_kept(structure(copy.deepcopy(wire), model), wire)


def _judge(model: type, path: Path, key: str, changed: dict[str, Any]) -> str | None:
    """Return what went wrong with one mutation, or ``None``."""
    identity = IDENTITY[model] if path == () else {}
    kind = identity.get("refId" if (model is Field and key == "slug") else key)
    sent = at(changed, path)
    broken = kind is not None and (
        (
            key not in sent
            and not (kind == STR_KEY and model is Field and {"refId", "slug"} & set(sent))
        )
        or (key in sent and not identity_holds(kind, sent[key]))
    )
    try:
        decoded = structure(changed, model)
    except DecodeError as exc:
        if not broken:
            return f"raised although the identity is intact: {exc}"
        if exc.path != f"$.{key}" or (
            key in sent and orjson.dumps(sent[key]).decode() not in str(exc)
        ):
            return f"raised without naming $.{key} and its value: {exc}"
        return None
    if broken:
        return f"decoded although {key!r} is broken: {decoded!r}"
    try:
        assert_kept(decoded, changed)
    except AssertionError as exc:
        return f"changed a value: {exc}"
    return None


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize(("model", "wire"), PAYLOADS.values(), ids=PAYLOADS.keys())
def test_mutations_decode_while_the_identity_holds(
    model: type, wire: dict[str, Any], family: str
) -> None:
    problems = []
    tried = 0
    for path, key, changed in mutations(wire, family):
        tried += 1
        problem = _judge(model, path, key, changed)
        if problem is not None:
            where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
            problems.append(f"{where}.{key}: {problem}")
    assert not problems, "\n".join(problems)
    if family not in ("its id", "timestamps"):
        assert tried > 0


# ---------------------------------------------------------------------------------------------
# Pointed cases the families cover, named so that a regression reads plainly.


def test_the_stage_example_keeps_its_task_without_identity_raw() -> None:
    stage = structure(STAGE_7, Stage)
    assert stage.tasks == []
    assert stage.extra == {"tasks": [{}]}
    assert stage.item_type == ItemType(
        name="string",
        slug="string",
        description="string",
        icon="string",
        color="string",
        settings={"property1": "string", "property2": "string"},
    )


def test_placeholder_timestamps_are_none_with_the_text_kept() -> None:
    member = structure(MEMBER_7, Member)
    assert (member.created_at, member.extra["created_at"]) == (None, "string")
    assert member.user is not None
    assert member.user.extra == {"created_at": "string"}
    assert member.role == 0


@pytest.mark.parametrize("bad", [None, True, 1.5, 1.7, "", "ws-123", "1.5", "²", [], {}])
def test_an_integer_id_is_strict_and_the_error_names_the_value(bad: Any) -> None:
    with pytest.raises(DecodeError) as caught:
        structure({"id": bad, "reference": "R1"}, Item)
    assert caught.value.path == "$.id"
    assert orjson.dumps(bad).decode() in caught.value.message


def test_a_numeric_string_id_is_an_int() -> None:
    assert structure({"id": "42", "reference": "R"}, Item).id == 42
    member = structure({"id": 1, "role": "3", "user": "7"}, Member)
    assert (member.role, member.user) == (3, 7)


@pytest.mark.parametrize(
    ("model", "wire", "attribute"),
    [
        (Member, {"id": 1, "user": 7}, "user"),
        (Member, {"id": 1, "role": {"id": 4, "name": "Sales"}}, "role"),
        (QuickTask, {"id": 1, "assigned_to": {"id": 17}}, "assigned_to"),
        (Stage, {"id": 1, "flow": "7"}, "flow"),
        (Task, {"id": 1, "stage": {"id": 4}}, "stage"),
        (Flow, {"id": 1, "user": None}, "user"),
    ],
)
def test_every_relation_takes_an_id_a_numeric_string_an_object_or_null(
    model: type, wire: dict[str, Any], attribute: str
) -> None:
    assert_kept(structure(wire, model), wire)


def test_null_and_true_are_never_strings() -> None:
    item = structure({"id": 1, "reference": "R", "status": None}, Item)
    assert item.status is None
    field = structure({"id": 1, "refId": "r", "name": True, "label": None}, Field)
    assert (field.name, field.extra, field.label) == (None, {"name": True}, None)
    kind = structure({"slug": "s", "name": None, "settings": {"a": None, "b": True}}, ItemType)
    assert (kind.name, kind.settings) == (None, {"a": None, "b": True})
    assert structure({"id": "1", "name": None}, Workspace).name is None
    with pytest.raises(DecodeError, match="null") as caught:
        structure({"id": 1, "reference": None}, Item)
    assert caught.value.path == "$.reference"
    with pytest.raises(DecodeError):
        structure({"name": "x", "slug": None}, ItemType)


def test_the_workspace_id_is_the_string_the_docs_show() -> None:
    assert structure(WORKSPACE_7, Workspace).id == "123"
    assert structure(WORKSPACE_WS_7, Workspace).id == "ws-123"
    assert structure({"id": 7, "slug": "acme"}, Workspace).id == "7"


def test_epoch_milliseconds_are_utc() -> None:
    item = structure({"id": 1, "reference": "R", "created_at": 1773343837716}, Item)
    assert item.created_at == datetime(2026, 3, 12, 19, 30, 37, 716000, tzinfo=UTC)


def test_fields_take_slug_for_refid_and_options_as_choices() -> None:
    field = structure(
        {"id": 3, "slug": "product_name", "type": "text", "options": {"choices": ["a", "b"]}},
        Field,
    )
    assert field.refId == "product_name"
    assert field.options == [FieldOption(value="a"), FieldOption(value="b")]
    assert field.type == "text"


def test_a_list_page_names_the_bad_row_and_keeps_the_others() -> None:
    rows = [
        {"id": 1, "reference": "A"},
        {"id": None, "reference": "B"},
        {"id": 3, "reference": "C"},
    ]
    with pytest.raises(DecodeError) as caught:
        structure(rows, list[Item])
    assert caught.value.path == "$[1].id"
    assert "null" in caught.value.message
    assert caught.value.rows == [Item(id=1, reference="A"), None, Item(id=3, reference="C")]


def test_a_read_modify_write_keeps_what_the_model_does_not_know() -> None:
    wire = {**ITEM_FILLED_6, "owner_team": {"id": 9}, "created_at": "string"}
    item = structure(wire, Item)
    dumped = orjson.loads(orjson.dumps(unstructure(item)))
    assert dumped["owner_team"] == {"id": 9}
    assert dumped["created_at"] == "string"
    assert structure(dumped, Item) == item
    fresh = attrs.evolve(item, created_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert (
        orjson.loads(orjson.dumps(unstructure(fresh)))["created_at"] == "2026-01-01T00:00:00.000Z"
    )


# ---------------------------------------------------------------------------------------------
# Over HTTP: the emulator's documented variants, the request examples, a hostile page.


async def test_the_sdk_reads_the_documented_variants_over_http() -> None:
    async with asyncio.timeout(10), EnspaceEmulator(shapes="documented") as emu:
        emu.seed_type(
            "deals",
            fields=[
                {
                    "name": "Tipo",
                    "slug": "tipo",
                    "type": "EnlDropdown",
                    "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
                }
            ],
            items=3,
        )
        async with emu.client() as client:
            (field,) = await client.fields.list("deals").collect()
            assert (field.refId, [o.value for o in field.options]) == ("tipo", ["a", "b"])
            assert await client.items.count("deals") == 3
            assert await client.types.count() == 1
            (workspace,) = await client.workspaces.list().collect()
            assert isinstance(workspace.id, str)
            assert workspace.id.isdigit()
            created = await client.integrations.create(ClicksignConfig(environment="stage"))
            assert (await client.integrations.get(created.id)).provider_id == 5


async def test_fields_create_sends_both_documented_bodies(
    enspace_emulator: EnspaceEmulator,
) -> None:
    enspace_emulator.seed_type("products", fields={})
    async with asyncio.timeout(10), enspace_emulator.client() as client:
        curl = await client.fields.create("products", **CREATE_FIELD_CURL_7)  # type: ignore[arg-type]
        assert (curl.refId, curl.type, curl.required, curl.order) == (
            "product_name",
            "text",
            False,
            0,
        )
        table = await client.fields.create(
            "products",
            name="Category",
            slug="category",
            type="select",
            required=True,
            default_value="home",
            options={"choices": ["electronics", "clothing", "home"]},
            position=2,
            active=False,
        )
        assert [o.value for o in table.options] == ["electronics", "clothing", "home"]
        assert (table.default_value, table.position, table.active) == ("home", 2, False)
        updated = await client.fields.update(
            "products", table.id, label="Kind", default_value="clothing", active=True
        )
        assert (updated.label, updated.default_value, updated.active) == ("Kind", "clothing", True)
        assert (await client.fields.get("products", table.id)) == updated


async def test_a_page_with_a_row_without_identity_names_the_row_over_http() -> None:
    async def page(_: web.Request) -> web.Response:
        rows = [{"id": 1, "reference": "A"}, {"reference": "B"}, {"id": 3, "reference": "C"}]
        return web.json_response(rows)

    app = web.Application()
    app.router.add_get("/ws/types/t/items", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with (
            asyncio.timeout(10),
            EnspaceClient(
                api_key="en." + "a" * 34, base_url=f"http://127.0.0.1:{port}", workspace="acme"
            ) as client,
        ):
            with pytest.raises(DecodeError) as caught:
                await client.items.list("t").collect()
        assert caught.value.path.endswith("[1].id")
        assert [r.reference if r else None for r in caught.value.rows] == ["A", None, "C"]
    finally:
        await runner.cleanup()


# ---------------------------------------------------------------------------------------------
# Counts (§3): "a bare integer (some routes may return {"count": n}: accept both)".


@pytest.mark.parametrize(("wire", "count"), [(42, 42), ({"count": 42}, 42), (0, 0), (3.0, 3)])
def test_a_count_is_a_bare_integer_or_an_object(wire: Any, count: int) -> None:
    assert parse_count(wire) == count


@pytest.mark.parametrize(
    ("wire", "path"),
    [
        ("42", "$"),
        (3.9, "$"),
        (True, "$"),
        (-1, "$"),
        (None, "$"),
        ({"count": "42"}, "$.count"),
        ({"count": False}, "$.count"),
        ({"total": 4}, "$.count"),
    ],
)
def test_anything_else_is_no_count(wire: Any, path: str) -> None:
    with pytest.raises(DecodeError) as caught:
        parse_count(wire)
    assert caught.value.path == path
    shown = wire["count"] if isinstance(wire, dict) and "count" in wire else wire
    if not isinstance(wire, dict) or "count" in wire:
        assert orjson.dumps(shown).decode() in caught.value.message
