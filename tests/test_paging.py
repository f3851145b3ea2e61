"""Paging arithmetic and query encoding, through MockTransport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum

import pytest

from enspace_async import (
    AsyncPaginator,
    ConfigurationError,
    EnspaceClient,
    Request,
    Response,
    ServerError,
)
from enspace_async._protocol.query import encode_params, list_query
from enspace_async.models import Item
from enspace_async.transports import MockTransport


class Color(StrEnum):
    RED = "red"


def test_encode_params_follows_the_api_notes() -> None:
    brt = timezone(timedelta(hours=-3))
    query = encode_params(
        {
            "status": "active",
            "created_at_gte": datetime(2026, 3, 12, 16, 30, 37, 716000, tzinfo=brt),
            "due": date(2026, 1, 2),
            "archived": False,
            "id_in": [1, 2],
            "tag_nin": ("a",),
            "amount_lt": 2.5,
            "color": Color.RED,
            "data.city": "Recife",
        }
    )
    assert query == [
        ("status", "active"),
        ("created_at_gte", "2026-03-12T19:30:37.716Z"),
        ("due", "2026-01-02"),
        ("archived", "false"),
        ("id_in", "1"),
        ("id_in", "2"),
        ("tag_nin", "a"),
        ("amount_lt", "2.5"),
        ("color", "red"),
        ("data.city", "Recife"),
    ]


def test_naive_datetimes_are_taken_as_utc() -> None:
    assert encode_params({"t": datetime(2026, 1, 1)}) == [("t", "2026-01-01T00:00:00.000Z")]


@pytest.mark.parametrize("value", [None, {"a": 1}, object()])
def test_unencodable_filters_are_refused(value: object) -> None:
    with pytest.raises(ConfigurationError):
        encode_params({"x": value})


def test_list_query_adds_sort_and_search() -> None:
    assert list_query(sort=["id:asc", "name:desc"], q="acme") == [
        ("_sort", "id:asc,name:desc"),
        ("_q", "acme"),
    ]
    assert list_query(sort="id:asc") == [("_sort", "id:asc")]


class FakeTable:
    """A list endpoint over ``size`` rows that caps pages at 100, as the server does."""

    def __init__(self, size: int, fail_at: int | None = None):
        self.size = size
        self.fail_at = fail_at
        self.calls: list[tuple[int, int]] = []

    def __call__(self, request: Request) -> Response:
        start = int(request.url.query["_start"])
        limit = min(int(request.url.query["_limit"]), 100)
        self.calls.append((start, limit))
        if start == self.fail_at:
            return MockTransport.reply(
                request, 503, json={"statusCode": 503, "error": "x", "message": "y"}
            )
        rows = [
            {"id": i, "reference": f"ABC{i:X}", "data": {}}
            for i in range(start, min(start + limit, self.size))
        ]
        return MockTransport.reply(request, json=rows)


@pytest.fixture
async def table_client() -> AsyncIterator[tuple[EnspaceClient, FakeTable]]:
    table = FakeTable(250)
    async with EnspaceClient("en.k", workspace="w", transport=MockTransport(table)) as client:
        yield client, table


async def test_iterates_every_row_then_stops_on_a_short_page(
    table_client: tuple[EnspaceClient, FakeTable],
) -> None:
    client, table = table_client
    refs = [item.id async for item in client.items.list("t")]
    assert refs == list(range(250))
    assert table.calls == [(0, 100), (100, 100), (200, 100)]


async def test_an_exact_multiple_ends_on_an_empty_page() -> None:
    table = FakeTable(200)
    async with EnspaceClient("en.k", workspace="w", transport=MockTransport(table)) as client:
        pages = [len(page) async for page in client.items.list("t").pages()]
    assert pages == [100, 100]
    assert table.calls[-1] == (200, 100)


async def test_page_size_and_start(table_client: tuple[EnspaceClient, FakeTable]) -> None:
    client, table = table_client
    paginator = client.items.list("t", page_size=40, start=230)
    assert [i.id async for i in paginator] == list(range(230, 250))
    assert table.calls == [(230, 40)]
    assert paginator.start == 230  # every iteration starts there (test_promise_paging)


async def test_collect_with_limit(table_client: tuple[EnspaceClient, FakeTable]) -> None:
    client, table = table_client
    rows = await client.items.list("t", page_size=30).collect(limit=45)
    assert [r.id for r in rows] == list(range(45))
    assert table.calls == [(0, 30), (30, 30)]


@pytest.mark.parametrize("page_size", [0, 101, 500, -1, True, 1.5])
def test_page_sizes_the_server_would_cap_are_refused(page_size: object) -> None:
    async def fetch(start: int, limit: int) -> list[int]:
        return []

    with pytest.raises(ConfigurationError, match="page_size"):
        AsyncPaginator(fetch, page_size=page_size)  # type: ignore[arg-type]


@pytest.mark.parametrize("start", [-1, "0", None])
def test_bad_start_is_refused(start: object) -> None:
    async def fetch(start: int, limit: int) -> list[int]:
        return []

    with pytest.raises(ConfigurationError, match="start"):
        AsyncPaginator(fetch, start=start)  # type: ignore[arg-type]


async def collect_into(paginator: AsyncPaginator[Item], seen: list[int]) -> None:
    async for item in paginator:
        seen.append(item.id)


async def test_an_error_mid_iteration_carries_the_offset_to_resume_from() -> None:
    table = FakeTable(250, fail_at=200)
    seen: list[int] = []
    backoffs: list[float] = []

    async def sleep(seconds: float) -> None:  # the retries' backoff, recorded, not waited
        backoffs.append(seconds)

    transport = MockTransport(table)
    async with EnspaceClient("en.k", workspace="w", transport=transport, sleep=sleep) as client:
        with pytest.raises(ServerError) as caught:
            await collect_into(client.items.list("t"), seen)
        assert caught.value.resume_start == 200
        assert len(backoffs) == 4  # the page was tried 5 times, the default
        table.fail_at = None
        rest = [i.id async for i in client.items.list("t", start=caught.value.resume_start)]
    assert seen + rest == list(range(250))


async def test_filters_sort_and_search_reach_the_query() -> None:
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        return MockTransport.reply(request, json=[])

    since = datetime(2026, 1, 1, tzinfo=UTC)
    async with EnspaceClient("en.k", workspace="w", transport=MockTransport(handler)) as client:
        paginator = client.items.list(
            "t", filters={"created_at_gte": since, "id_in": [1, 2]}, sort="id:asc", q="x y"
        )
        assert [i async for i in paginator] == []
    assert list(seen[0].url.query.items()) == [
        ("created_at_gte", "2026-01-01T00:00:00.000Z"),
        ("id_in", "1"),
        ("id_in", "2"),
        ("_sort", "id:asc"),
        ("_q", "x y"),
        ("_start", "0"),
        ("_limit", "100"),
    ]
