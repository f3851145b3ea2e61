"""``client.types.schema``: every field kind, the validation table (the SDK and the emulator
refuse the same values with the same words), suggestions, the cache, and dump/load."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from enspace_async import ConfigurationError, NotFoundError, Problem, SchemaField, TypeSchema
from enspace_async.models import Address, Currency, FieldType, FileRef, Relation
from enspace_async.testing import EnspaceEmulator

OPTIONS = [{"value": "low", "label": "Low"}, {"value": "high", "label": "High"}]
# One field per kind the SDK knows; option kinds get two choices, the relation a target type.
EVERY_KIND = [
    {
        "name": f"f_{kind.value}",
        "label": f"Label {kind.value}",
        "type": kind.value,
        **({"options": OPTIONS} if kind.value in ("EnlDropdown", "radioButton") else {}),
        **({"options": OPTIONS} if kind.value in ("multiSelect", "checkbox", "EnlChips") else {}),
        **({"config": {"item_type": "firms"}} if kind.value in ("EnRel", "EnRelMulti") else {}),
    }
    for kind in FieldType
]
LINK = {"id": 1, "reference": "FIR1"}  # the emulator's first item of "firms" gets its own


def linked(value: Any, firm: dict[str, Any]) -> Any:
    """``value`` with the placeholder link replaced by the emulator's real firm."""
    if isinstance(value, list):
        return [linked(v, firm) for v in value]
    if value == LINK or value == {"reference": "FIR1"}:
        return {"id": firm["id"], "reference": firm["reference"]}
    if isinstance(value, Relation) and value.reference == "FIR1":
        return Relation(id=firm["id"], reference=firm["reference"])
    return value


# kind, valid values (wire or SDK), invalid values and the message each gets.
TABLE: list[tuple[str, list[Any], list[tuple[Any, str]]]] = [
    ("inputText", ["", "x"], [(5, "must be a string"), (True, "must be a string")]),
    ("EnTextArea", ["long\ntext"], [(["x"], "must be a string")]),
    ("EnHtml", ["<p>x</p>"], [({}, "must be a string")]),
    ("EnNotes", ["n"], [(1.5, "must be a string")]),
    ("EnlMask", ["123.456.789-00"], [(123, "must be a string")]),
    ("EnlTimeRange", ["08:00-12:00"], [(8, "must be a string")]),
    (
        "email",
        ["a@b.co"],
        [("nobody", "must be an email address"), ("@x", "must be an email address")],
    ),
    (
        "EnlNumber",
        [0, -3, 2.5, Decimal("3750.25")],
        [
            ("3", "must be a number"),
            (True, "must be a number"),
            (Decimal("NaN"), "must be a number"),
        ],
    ),
    (
        "EnCurrency",
        [
            {"currency": "BRL", "value": 10.5},
            {"value": 3},
            Currency(currency="USD", value=Decimal("1.10")),
        ],
        [
            ({"value": "1"}, "must be an object with a numeric value"),
            (10, "must be an object with a numeric value"),
            ({"value": 1, "currency": 986}, "currency must be a string code"),
        ],
    ),
    (
        "EnlDropdown",
        ["low", "high"],
        [("hihg", "must be one of ['low', 'high']"), (1, "must be a string")],
    ),
    ("radioButton", ["low"], [("medium", "must be one of ['low', 'high']")]),
    (
        "multiSelect",
        [[], ["low", "high"]],
        [
            (["low", "mid"], "must only hold values of ['low', 'high']"),
            ("low", "must be a list of strings"),
        ],
    ),
    ("checkbox", [["high"]], [([1], "must be a list of strings")]),
    ("EnlChips", [["any", "words"]], [("a|b", "must be a list of strings")]),
    ("inputSwitch", [True, False], [("yes", "must be a boolean"), (1, "must be a boolean")]),
    ("EnlCheckbox", [False], [(0, "must be a boolean")]),
    (
        "EnlCalendar",
        ["2026-03-12", "2026-03-12T19:30:37.716Z", date(2026, 3, 12), datetime(2026, 3, 12, 9)],
        [
            ("12/03/2026", "must be an ISO date or date-time string"),
            (20260312, "must be an ISO date or date-time string"),
        ],
    ),
    (
        "EnRel",
        [LINK, {"id": 1}, {"reference": "FIR1"}, Relation(id=1, reference="FIR1")],
        [
            (1, "must be an object with an id or a reference"),
            ({}, "must be an object with an id or a reference"),
            ({"id": "x1"}, "must be an object with an id or a reference"),
            ({"reference": ""}, "must be an object with an id or a reference"),
        ],
    ),
    (
        "EnRelMulti",
        [[], [LINK, Relation(id=1)]],
        [
            (LINK, "must be a list of relations"),
            ([LINK, 5], "must be an object with an id or a reference"),
        ],
    ),
    (
        "EnAddress",
        [{"city": "Recife"}, Address(city="Recife")],
        [("Rua A, 1", "must be an object")],
    ),
    (
        "uploadFile",
        [{"url": "https://f/x.txt"}, FileRef(url="https://f/x.txt")],
        [("x.txt", "must be an object")],
    ),
    ("uploadImage", [{"url": "https://f/x.png"}], [(["x.png"], "must be an object")]),
    ("EnPDF", [{"url": "https://f/x.pdf"}], [("x.pdf", "must be an object")]),
    ("group", [{"a": 1}], [([1], "must be an object")]),
    (
        "EnRepeater",
        [[], [{"a": 1}]],
        [({"a": 1}, "must be a list of objects"), ([1], "must be a list of objects")],
    ),
    # Kinds whose values the notes do not describe: anything goes.
    ("EnPerson", [5, "x", {"id": 1}], []),
    ("EnCustomCode", [None, [1]], []),
]
VALID = [(kind, value) for kind, good, _ in TABLE for value in good]
INVALID = [(kind, value, message) for kind, _, bad in TABLE for value, message in bad]


def schema_with(kind: str, **extra: Any) -> TypeSchema:
    options = (
        ("low", "high") if kind in ("EnlDropdown", "radioButton", "multiSelect", "checkbox") else ()
    )
    return TypeSchema("deals", [SchemaField(ref_id="v", kind=kind, options=options, **extra)])


@pytest.fixture
async def emu() -> Any:
    async with EnspaceEmulator(seed=3) as emulator:
        emulator.seed_type("firms", fields={"name": "inputText"})
        emulator.add_item("firms", {"name": "Acme"})
        emulator.seed_type("every", fields=EVERY_KIND)
        yield emulator


async def test_the_schema_of_a_type_with_every_kind(emu: EnspaceEmulator) -> None:
    async with emu.client() as client, asyncio.timeout(10):
        schema = await client.types.schema("every")
    assert schema.slug == "every"
    assert schema.name == "Every"
    assert [f.kind for f in schema.fields] == [k.value for k in FieldType]
    dropdown = schema.field("f_EnlDropdown")
    assert dropdown is not None
    assert dropdown.options == ("low", "high")
    assert dropdown.label == "Label EnlDropdown"
    assert schema.field("f_EnlChips").options == ()  # type: ignore[union-attr] # chips take any word
    assert schema.field("f_EnRel").target == "firms"  # type: ignore[union-attr]
    assert schema.field("f_inputText").target is None  # type: ignore[union-attr]
    assert schema.field("nope") is None


async def test_the_schema_is_cached_until_refreshed(emu: EnspaceEmulator) -> None:
    async with emu.client() as client, asyncio.timeout(10):
        first = await client.types.schema("firms")
        sent = len(emu.requests)
        assert await client.types.schema("firms") is first
        assert len(emu.requests) == sent  # from the cache
        await client.fields.create("firms", name="city", slug="city", type="inputText")
        fresh = await client.types.schema("firms", refresh=True)
        assert len(emu.requests) > sent + 1
        assert [f.ref_id for f in fresh.fields] == ["name", "city"]
        assert await client.types.schema("firms") is fresh
        with pytest.raises(NotFoundError):
            await client.types.schema("ghosts")


def test_dump_and_load_keep_the_schema_and_the_text() -> None:
    schema = TypeSchema(
        "deals",
        [
            SchemaField(ref_id="title", kind="inputText", required=True, label="Título"),
            SchemaField(ref_id="stage", kind="EnlDropdown", options=("won", "lost")),
            SchemaField(ref_id="client", kind="EnRel", target="firms"),
            SchemaField(ref_id="odd", kind="SomethingNew"),
        ],
        "Deals",
    )
    text = schema.dump()
    again = TypeSchema.load(text)
    assert again == schema
    assert again.dump() == text
    assert TypeSchema.load(text.encode()).validate({"odd": object()}) == [
        Problem("title", "is required")
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{nope", "must be JSON"),
        ('{"slug": "x"}', '"enspace_schema": 1'),
        ('{"enspace_schema": 1, "slug": "x"}', "damaged"),
        (
            '{"enspace_schema": 1, "slug": "x", "fields": [{"refId": 1, "type": "inputText"}]}',
            "damaged",
        ),
    ],
)
def test_a_broken_saved_schema_is_a_configuration_error(text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        TypeSchema.load(text)


@pytest.mark.parametrize(("kind", "value"), VALID)
def test_a_value_that_fits_its_kind_has_no_problem(kind: str, value: Any) -> None:
    assert schema_with(kind).validate({"v": value}) == []


@pytest.mark.parametrize(("kind", "value", "message"), INVALID)
def test_a_value_that_does_not_fit_its_kind_is_named(kind: str, value: Any, message: str) -> None:
    (problem,) = schema_with(kind).validate({"v": value})
    assert (problem.ref_id, problem.message, problem.value) == ("v", message, value)
    assert str(problem).startswith(f"v {message}, got ")


@pytest.mark.parametrize(
    ("kind", "value", "message"), [row for row in INVALID if not isinstance(row[1], Decimal)]
)
async def test_the_emulator_refuses_the_same_values_with_the_same_words(
    emu: EnspaceEmulator, kind: str, value: Any, message: str
) -> None:
    async with emu.client() as client, asyncio.timeout(10):
        schema = await client.types.schema("every")
        ref_id = f"f_{kind}"
        local = [p.message for p in schema.validate({ref_id: value}, partial=True)]
        status, body = await post(emu, {ref_id: value})
    assert local == [message]
    assert (status, body["message"]) == (400, [f"data.{ref_id} {message}"])


@pytest.mark.parametrize(("kind", "value"), VALID)
async def test_the_emulator_accepts_what_validation_accepts(
    emu: EnspaceEmulator, kind: str, value: Any
) -> None:
    async with emu.client() as client, asyncio.timeout(10):
        schema = await client.types.schema("every")
        data = {f"f_{kind}": linked(value, emu.items("firms")[0])}
        assert schema.validate(data) == []
        item = await client.items.create("every", data)
    assert item.reference in {r["reference"] for r in emu.items("every")}


async def post(emu: EnspaceEmulator, data: dict[str, Any]) -> tuple[int, Any]:
    import aiohttp

    headers = {"x-api-key": emu.api_key, "en-workspace": "acme"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emu.url}/ws/types/every/items", json={"data": data}, headers=headers) as r,
    ):
        return r.status, await r.json()


def test_required_fields_unknown_refids_and_suggestions() -> None:
    schema = TypeSchema(
        "contratos",
        [
            SchemaField(ref_id="numero", kind="inputText", required=True, label="Número"),
            SchemaField(ref_id="valor", kind="EnlNumber", label="Valor total"),
            SchemaField(ref_id="status", kind="EnlDropdown", options=("ativo", "encerrado")),
        ],
    )
    problems = schema.validate({"numro": "1", "Valor total": 3, "status": "atvo", "valor": None})
    assert [str(p) for p in problems] == [
        "numro is not a field of type 'contratos' (did you mean 'numero'?)",
        "Valor total is not a field of type 'contratos' (did you mean 'valor'?)",
        "status must be one of ['ativo', 'encerrado'], got \"atvo\" (did you mean 'ativo'?)",
        "numero is required",
    ]
    assert schema.validate({"zzz": 1}, partial=True) == [
        Problem("zzz", "is not a field of type 'contratos'")
    ]
    assert schema.validate({"numero": None}, partial=True) == [Problem("numero", "is required")]
    assert schema.validate({"numero": "A-1", "valor": None}) == []
