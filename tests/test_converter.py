"""The one converter: timestamps, open enums, error paths."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta, timezone

import attrs
import pytest

from enspace_async import DecodeError
from enspace_async._converter import decode, dumps, format_datetime, loads, structure, unstructure


class Kind(enum.StrEnum):
    TEXT = "inputText"


@attrs.frozen(kw_only=True)
class Sample:
    at: datetime
    kind: Kind | str = Kind.TEXT
    day: date | None = None
    tags: list[str] = attrs.field(factory=list)


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("2026-03-12T19:30:37.716Z", datetime(2026, 3, 12, 19, 30, 37, 716000, tzinfo=UTC)),
        ("2026-03-12T16:30:37.716-03:00", datetime(2026, 3, 12, 19, 30, 37, 716000, tzinfo=UTC)),
        ("2026-03-12T19:30:37", datetime(2026, 3, 12, 19, 30, 37, tzinfo=UTC)),
        ("2026-03-12", datetime(2026, 3, 12, tzinfo=UTC)),
        (1773343837, datetime(2026, 3, 12, 19, 30, 37, tzinfo=UTC)),
    ],
)
def test_timestamps_load_as_aware_utc(wire: object, expected: datetime) -> None:
    value = structure({"at": wire}, Sample).at
    assert value == expected
    assert value.tzinfo is UTC


def test_timestamps_dump_like_the_api() -> None:
    brt = timezone(timedelta(hours=-3))
    assert (
        format_datetime(datetime(2026, 3, 12, 16, 30, 37, 716999, tzinfo=brt))
        == "2026-03-12T19:30:37.716Z"
    )
    sample = Sample(at=datetime(2026, 1, 1, tzinfo=UTC), day=date(2026, 1, 2))
    assert unstructure(sample) == {
        "at": "2026-01-01T00:00:00.000Z",
        "kind": "inputText",
        "day": "2026-01-02",
        "tags": [],
    }
    assert dumps(sample).startswith(b'{"at":"2026-01-01T00:00:00.000Z"')


def test_open_enums_keep_unknown_values() -> None:
    assert structure({"at": "2026-01-01", "kind": "inputText"}, Sample).kind is Kind.TEXT
    novel = structure({"at": "2026-01-01", "kind": "EnHologram"}, Sample)
    assert novel.kind == "EnHologram"
    assert unstructure(novel)["kind"] == "EnHologram"


def test_open_enums_refuse_non_strings() -> None:
    with pytest.raises(DecodeError, match="expected") as caught:
        structure({"at": "2026-01-01", "kind": 3}, Sample)
    assert caught.value.path == "$.kind"


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"at": "yesterday"}, "$.at"),
        ({}, "$.at"),
        ({"at": "2026-01-01", "tags": 5}, "$.tags"),
        ([{"at": "2026-01-01"}, {"at": None}], "$[1].at"),
    ],
)
def test_decode_errors_carry_the_field_path(value: object, path: str) -> None:
    into = list[Sample] if isinstance(value, list) else Sample
    with pytest.raises(DecodeError) as caught:
        structure(value, into)
    assert caught.value.path == path
    assert caught.value.excerpt
    assert f"at {path}" in str(caught.value)


def test_loads_refuses_what_is_not_json() -> None:
    with pytest.raises(DecodeError, match="not valid JSON") as caught:
        loads(b"<html>" + b"x" * 1000)
    assert len(caught.value.excerpt) == 200


def test_decode_round_trip() -> None:
    sample = Sample(at=datetime(2026, 1, 1, tzinfo=UTC), tags=["a"])
    assert decode(dumps(sample), Sample) == sample


def test_a_model_must_keep_unknown_keys_and_take_none_where_optional() -> None:
    from enspace_async.models._wire import register

    @attrs.frozen(kw_only=True)
    class NoExtra:
        id: int

    with pytest.raises(TypeError, match="extra"):
        register(NoExtra)

    @register
    @attrs.frozen(kw_only=True)
    class NotNullable:
        id: int
        name: str = "invented"
        extra: dict[str, object] = attrs.field(factory=dict)

    with pytest.raises(TypeError, match="takes None"):
        structure({"id": 1}, NotNullable)


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        (1773343837716, datetime(2026, 3, 12, 19, 30, 37, 716000, tzinfo=UTC)),
        (1773343837.5, datetime(2026, 3, 12, 19, 30, 37, 500000, tzinfo=UTC)),
    ],
)
def test_epoch_numbers_are_seconds_or_milliseconds(wire: object, expected: datetime) -> None:
    assert structure({"at": wire}, Sample).at == expected


def test_classes_the_sdk_does_not_model_still_decode_through_cattrs() -> None:
    with pytest.raises(DecodeError) as caught:
        structure({"at": "string"}, Sample)
    assert caught.value.path == "$.at"
    assert structure([1, 2], list[int]) == [1, 2]
    with pytest.raises(DecodeError, match="true"):
        structure(True, int)
