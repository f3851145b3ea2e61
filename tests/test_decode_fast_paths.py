"""Decode's fast paths (issue 18, point 5) give the same values as the general ones."""

from __future__ import annotations

import pickle
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from enspace_async import DecodeError
from enspace_async._config import Secret
from enspace_async._converter import structure
from enspace_async._kinds import load_datetime
from enspace_async.models import (
    CertisignConfig,
    Currency,
    Field,
    FileRef,
    Item,
    Permission,
    Relation,
    Role,
)
from enspace_async.models._loader import _setters
from enspace_async.models._wire import register


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01T12:30:00.250Z", datetime(2026, 3, 1, 12, 30, 0, 250_000, tzinfo=UTC)),
        ("2026-03-01T12:30:00+00:00", datetime(2026, 3, 1, 12, 30, tzinfo=UTC)),
        ("2026-03-01T09:30:00-03:00", datetime(2026, 3, 1, 12, 30, tzinfo=UTC)),
        ("2026-03-01T12:30:00", datetime(2026, 3, 1, 12, 30, tzinfo=UTC)),
    ],
)
def test_every_timestamp_loads_as_utc(text: str, expected: datetime) -> None:
    loaded = load_datetime(text)
    assert loaded == expected
    assert loaded.tzinfo is UTC  # one zone object: equal values print and compare alike


def test_an_aware_datetime_in_another_zone_moves_to_utc() -> None:
    recife = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=-3)))
    assert load_datetime(recife).tzinfo is UTC
    assert load_datetime(recife) == recife


def test_item_data_is_the_parsed_object_not_a_copy() -> None:
    data = {"titulo": "Contrato", "valor": {"currency": "BRL", "value": 10.5}}
    (item,) = structure([{"id": 1, "reference": "DEM1", "data": data}], list[Item])
    assert item.data is data
    assert item.data == {"titulo": "Contrato", "valor": {"currency": "BRL", "value": 10.5}}


# --- the generated loaders (one per model, from its field plan) -----------------------------


def test_a_generated_item_is_the_item_its_constructor_makes() -> None:
    wire = {"id": 7, "reference": "DEM7", "status": "active", "data": {"a": 1}, "zz": [1]}
    item = structure(wire, Item)
    made = Item(id=7, reference="DEM7", status="active", data={"a": 1}, extra={"zz": [1]})
    assert (item, repr(item)) == (made, repr(made))
    assert pickle.loads(pickle.dumps(item)) == item
    assert attrs.evolve(item, status="done").status == "done"
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        item.status = "done"  # type: ignore[misc]


def test_missing_optional_fields_take_fresh_defaults() -> None:
    first, second = structure(
        [{"id": 1, "reference": "A"}, {"id": 2, "reference": "B"}], list[Item]
    )
    assert (first.status, first.created_at, first.data, first.extra) == (None, None, {}, {})
    assert first.data is not second.data
    assert first.extra is not second.extra
    assert structure({"id": 1, "reference": "A", "data": None}, Item).data == {}


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2026-03-01T09:30:00-03:00", datetime(2026, 3, 1, 12, 30, tzinfo=UTC)),
        ("2026-03-01T12:30:00", datetime(2026, 3, 1, 12, 30, tzinfo=UTC)),  # naive: UTC
        ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC)),
        (1772368200, datetime(2026, 3, 1, 12, 30, tzinfo=UTC)),
    ],
)
def test_item_timestamps_of_every_form_load_as_utc(stamp: object, expected: datetime) -> None:
    item = structure({"id": 1, "reference": "A", "created_at": stamp}, Item)
    assert item.created_at == expected
    assert item.created_at.tzinfo is UTC
    assert item.extra == {}


def test_wrong_types_are_kept_raw_after_the_unknown_keys() -> None:
    wire = {"id": "12", "status": 5, "reference": "A", "new": 1, "data": [], "updated_at": "x"}
    item = structure(wire, Item)
    assert (item.id, item.status, item.data, item.updated_at) == (12, None, {}, None)
    assert list(item.extra.items()) == [
        ("new", 1),
        ("status", 5),
        ("data", []),
        ("updated_at", "x"),
    ]


@pytest.mark.parametrize(
    ("wire", "message", "path"),
    [
        ({"reference": "A"}, "Item.id is required but missing", "$[1].id"),
        ({"id": True, "reference": "A"}, "expected an integer id, got true", "$[1].id"),
        ({"id": 1, "reference": None}, "expected a non-empty string, got null", "$[1].reference"),
        ("FOO", 'expected an object, got "FOO"', "$[1]"),
    ],
)
def test_a_broken_identity_in_a_page_names_its_row(wire: object, message: str, path: str) -> None:
    good = {"id": 1, "reference": "A"}
    with pytest.raises(DecodeError) as caught:
        structure([good, wire], list[Item])
    assert caught.value.path == path
    assert message in str(caught.value)
    assert caught.value.rows == [Item(id=1, reference="A"), None]


def test_a_second_wire_key_is_read_and_named_in_paths() -> None:
    field = structure({"id": 1, "slug": "titulo", "new": 2}, Field)
    assert (field.refId, field.extra) == ("titulo", {"new": 2})
    both = structure({"id": 1, "refId": "titulo", "slug": "other"}, Field)
    assert (both.refId, both.extra) == ("titulo", {"slug": "other"})
    with pytest.raises(DecodeError) as caught:
        structure({"id": 1, "slug": []}, Field)
    assert caught.value.path == "$.slug"
    with pytest.raises(DecodeError) as caught:
        structure({"id": 1}, Field)
    assert caught.value.path == "$.refId"
    assert "Field.refId is required but missing" in str(caught.value)
    assert structure({"url": "u", "mimeType": "a/b"}, FileRef).mime == "a/b"
    wrong = structure({"url": "u", "mimeType": 3}, FileRef)
    assert (wrong.mime, wrong.extra) == (None, {"mimeType": 3})


def test_models_with_converters_or_derived_defaults_go_through_their_constructor() -> None:
    assert _setters(Currency) is None  # original_value defaults to value
    assert _setters(CertisignConfig) is None  # token is converted to a Secret
    assert structure({"currency": "BRL", "value": 2.5}, Currency).original_value == 2.5
    config = structure({"token": "s3cr3t", "environment": "production", "x": 1}, CertisignConfig)
    assert isinstance(config.token, Secret)
    assert config.token.reveal() == "s3cr3t"
    assert config.extra == {"x": 1}


def test_plain_models_are_built_by_setting_their_slots() -> None:
    assert _setters(Item) is not None  # the fast path is taken: attrs still builds it so
    assert _setters(Field) is not None


def test_models_that_name_each_other_decode_nested() -> None:
    role = structure(
        {"id": 1, "permissions": [{"id": 2, "role": {"id": 1, "name": "admin"}}, {"id": 3}]},
        Role,
    )
    inner = role.permissions[0].role
    assert isinstance(inner, Role)
    assert (inner.id, inner.name) == (1, "admin")
    assert structure({"id": 4, "role": "9"}, Permission).role == 9
    assert structure([43887, {"id": 5, "reference": "R"}], list[Relation]) == [
        Relation(id=43887),
        Relation(id=5, reference="R"),
    ]


@register
@attrs.frozen(kw_only=True)
class _Labelled(Item):
    """A registered subclass: its own field, and the item's."""

    label: str | None = None


@register
@attrs.frozen(kw_only=True)
class _Checked(Item):
    """A registered subclass whose constructor validates: decoding must run it."""

    checked: list[str] = attrs.field(factory=list)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "checked", [*self.checked, "post-init ran"])


def test_registered_subclasses_decode_with_their_own_fields() -> None:
    labelled = structure({"id": 1, "reference": "A", "label": "x", "status": "s"}, _Labelled)
    assert labelled == _Labelled(id=1, reference="A", label="x", status="s")
    assert structure({"id": 1, "reference": "A"}, _Checked).checked == ["post-init ran"]
    assert _setters(_Labelled) is not None
    assert _setters(_Checked) is None


def test_threads_decoding_models_for_the_first_time_all_get_them() -> None:
    # A fresh pair of models that name each other, decoded first by many threads at once,
    # switching as often as the interpreter allows: none may see a half-built loader.
    @register
    @attrs.frozen(kw_only=True)
    class Team:
        id: int
        lead: Person | int | None = None
        extra: dict[str, Any] = attrs.field(factory=dict)

    @register
    @attrs.frozen(kw_only=True)
    class Person:
        id: int
        teams: list[Team] = attrs.field(factory=list)
        extra: dict[str, Any] = attrs.field(factory=dict)

    namespace = {"Team": Team, "Person": Person}
    for cls in (Team, Person):  # annotations name classes local to this test
        cls.__annotations__ = {
            k: eval(v, globals(), namespace) if isinstance(v, str) else v
            for k, v in cls.__annotations__.items()
        }
    wire = {"id": 1, "teams": [{"id": 2, "lead": {"id": 3}}]}
    start = threading.Barrier(8)

    def first_decode(into: type) -> Any:
        start.wait(timeout=10)
        return structure(wire if into is Person else wire["teams"][0], into)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(8) as pool:
            found = list(pool.map(first_decode, [Person, Team] * 4, timeout=30))
    finally:
        sys.setswitchinterval(interval)
    assert [type(f) for f in found] == [Person, Team] * 4
    assert found[0].teams[0].lead == Person(id=3)
