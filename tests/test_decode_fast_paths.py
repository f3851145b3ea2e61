"""Decode's fast paths (issue 18, point 5) give the same values as the general ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from enspace_async._converter import structure
from enspace_async._kinds import load_datetime
from enspace_async.models import Item


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
