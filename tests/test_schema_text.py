"""Values from CSV text by field kind (``TypeSchema.from_text``): one place for every conversion."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from enspace_async import SchemaField, TextFormat, TypeSchema
from enspace_async._schema import from_text
from enspace_async.models import Currency

BR = TextFormat.pt_br()
PLAIN = TextFormat()


@pytest.mark.parametrize(
    ("cell", "kind", "fmt", "expected"),
    [
        ("42", "EnlNumber", PLAIN, 42),
        (" -3 ", "EnlNumber", PLAIN, -3),
        ("4.5", "EnlNumber", PLAIN, Decimal("4.5")),
        ("1,234.5", "EnlNumber", PLAIN, Decimal("1234.5")),
        ("3.750,25", "EnlNumber", BR, Decimal("3750.25")),
        ("1.234.567", "EnlNumber", BR, 1234567),
        ("3.750,25", "EnlNumber", PLAIN, "3.750,25"),  # stays text: validation names it
        ("lots", "EnlNumber", PLAIN, "lots"),
        ("1,23", "EnlNumber", PLAIN, "1,23"),
        ("R$ 1.234,56", "EnCurrency", BR, Currency(currency="BRL", value=Decimal("1234.56"))),
        ("BRL 10", "EnCurrency", PLAIN, Currency(currency="BRL", value=Decimal(10))),
        ("10.5 usd", "EnCurrency", PLAIN, Currency(currency="USD", value=Decimal("10.5"))),
        ("€5", "EnCurrency", PLAIN, Currency(currency="EUR", value=Decimal(5))),
        ("99,90", "EnCurrency", BR, Currency(currency="BRL", value=Decimal("99.90"))),
        ("7", "EnCurrency", PLAIN, {"value": Decimal(7)}),
        ("BRL 10 USD", "EnCurrency", PLAIN, "BRL 10 USD"),
        ("cheap", "EnCurrency", PLAIN, "cheap"),
        ('{"value": 1}', "EnCurrency", PLAIN, {"value": 1}),
        ("25/12/2024", "EnlCalendar", BR, "2024-12-25"),
        ("2024-12-25", "EnlCalendar", PLAIN, "2024-12-25"),
        (
            "25/12/2024 14:30",
            "EnlCalendar",
            TextFormat(date_format="%d/%m/%Y %H:%M"),
            "2024-12-25T14:30:00",
        ),
        ("31/02/2024", "EnlCalendar", BR, "31/02/2024"),
        ("sim", "inputSwitch", BR, True),
        ("Não", "inputSwitch", BR, False),
        ("YES", "EnlCheckbox", PLAIN, True),
        ("0", "inputSwitch", PLAIN, False),
        ("maybe", "inputSwitch", PLAIN, "maybe"),
        ("a| b |", "EnlChips", PLAIN, ["a", "b"]),
        ("a;b", "multiSelect", TextFormat(list_separator=";"), ["a", "b"]),
        ("43887", "EnRel", PLAIN, {"id": 43887}),
        ("FORNC55D9212D9", "EnRel", PLAIN, {"reference": "FORNC55D9212D9"}),
        ("1|FOR2", "EnRelMulti", PLAIN, [{"id": 1}, {"reference": "FOR2"}]),
        ("[1, 2]", None, PLAIN, [1, 2]),
        ("{broken", None, PLAIN, "{broken"),
        ("007", None, PLAIN, "007"),
        (" text ", "inputText", PLAIN, " text "),
    ],
)
def test_a_cell_converts_by_its_fields_kind(
    cell: str, kind: str | None, fmt: TextFormat, expected: Any
) -> None:
    converted = from_text(cell, kind, fmt)
    assert converted == expected
    assert type(converted) is type(expected)


def test_a_row_converts_by_the_schema_and_validation_names_what_did_not() -> None:
    schema = TypeSchema(
        "deals",
        [
            SchemaField(ref_id="amount", kind="EnlNumber"),
            SchemaField(ref_id="when", kind="EnlCalendar"),
            SchemaField(ref_id="done", kind="inputSwitch"),
        ],
    )
    row = schema.from_text(
        {"amount": "3.750,25", "when": "25/12/2024", "done": "talvez", "note": "x", "empty": ""}, BR
    )
    assert row == {
        "amount": Decimal("3750.25"),
        "when": "2024-12-25",
        "done": "talvez",
        "note": "x",
    }
    assert [str(p) for p in schema.validate(row)] == [
        'done must be a boolean, got "talvez"',
        "note is not a field of type 'deals'",
    ]
