"""Issue 11 point 4: paging ends, loudly when it must, and every reader ends it the same way.

A hand-written hostile ``aiohttp.web`` app on 127.0.0.1 serves one item list that can ignore
``_limit`` and ``_start`` (the page loop that never ended), answer with something that is not
an array (the listing that ended silently as empty), or drop a row's identity.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
import pytest
import pytest_asyncio
from aiohttp import web

from enspace_async import DecodeError, EnspaceClient
from enspace_async._protocol.query import is_last_page

Body = Callable[[int, int], Any]  # (start, limit) -> the JSON answer (bytes: sent as they are)


def rows(start: int, stop: int) -> list[dict[str, Any]]:
    """The rows at offsets ``start`` to ``stop``: the row at offset n has id n + 1."""
    return [
        {"id": i + 1, "reference": f"R{i}", "data": {}, "updated_at": "2026-01-01T00:00:00.000Z"}
        for i in range(start, stop)
    ]


def honest(size: int) -> Body:
    return lambda start, limit: rows(start, min(start + limit, size))


class Hostile:
    """One list route and its count, answering whatever ``body`` says."""

    def __init__(self) -> None:
        self.body: Body = honest(0)
        self.count = 0
        self.lists: list[tuple[int, int]] = []
        self.url = ""

    async def items(self, request: web.Request) -> web.Response:
        query = request.query
        start, limit = int(query.get("_start", 0)), int(query.get("_limit", 100))
        start += int(query.get("id_gt", 0))  # keyset: the rows after that id
        self.lists.append((start, limit))
        answer = self.body(start, limit)
        payload = answer if isinstance(answer, bytes) else orjson.dumps(answer)
        return web.Response(body=payload, content_type="application/json")

    async def counted(self, request: web.Request) -> web.Response:
        return web.json_response(self.count)


@pytest_asyncio.fixture
async def hostile() -> AsyncIterator[Hostile]:
    server = Hostile()
    app = web.Application()
    app.router.add_get("/ws/types/{slug}/items", server.items)
    app.router.add_get("/ws/types/{slug}/items/count", server.counted)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield server
    finally:
        await runner.cleanup()


@pytest_asyncio.fixture
async def client(hostile: Hostile) -> AsyncIterator[EnspaceClient]:
    async with EnspaceClient("en.k", workspace="w", base_url=hostile.url, retry=None) as c:
        yield c


async def drain(iterator: AsyncIterator[Any]) -> list[Any]:
    async with asyncio.timeout(5):  # today's loop over a page longer than asked never ends
        return [row async for row in iterator]


def test_the_last_page_is_the_first_one_shorter_than_asked() -> None:
    assert is_last_page(100, 0)
    assert is_last_page(100, 99)
    assert not is_last_page(100, 100)
    assert is_last_page(1, 0)
    assert not is_last_page(1, 1)
    with pytest.raises(DecodeError, match="101 rows for _limit=100"):
        is_last_page(100, 101)


async def test_a_page_longer_than_asked_raises_naming_the_route_and_offset(
    hostile: Hostile, client: EnspaceClient
) -> None:
    hostile.body = lambda start, limit: rows(0, 101)  # ignores _start and _limit
    with pytest.raises(DecodeError) as caught:
        await drain(aiter(client.items.list("t")))
    error = caught.value
    assert "items.list GET /ws/types/t/items" in str(error)
    assert "offset 0" in str(error)
    assert "101 rows for _limit=100" in str(error)
    assert error.resume_start == 0
    assert hostile.lists == [(0, 100)]


async def test_the_offset_named_is_the_page_that_broke(
    hostile: Hostile, client: EnspaceClient
) -> None:
    hostile.body = lambda start, limit: rows(start, start + (limit if start < 200 else limit + 5))
    paginator = client.items.list("t", page_size=100)
    with pytest.raises(DecodeError, match="offset 200") as caught:
        await drain(aiter(paginator))
    assert caught.value.resume_start == 200
    with pytest.raises(DecodeError, match="offset 200"):
        await asyncio.wait_for(paginator.collect(), 5)
    assert len(hostile.lists) == 6


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({}, "a JSON object"),
        ({"data": rows(0, 3)}, "a JSON object"),
        ("", "a JSON string"),
        ("rows", "a JSON string"),
        (None, "an empty body"),
        (b"", "an empty body"),
        (7, "a JSON number"),
        (True, "a JSON boolean"),
    ],
)
async def test_a_list_answer_that_is_not_an_array_raises(
    hostile: Hostile, client: EnspaceClient, body: Any, kind: str
) -> None:
    hostile.body = lambda start, limit: body
    with pytest.raises(DecodeError, match=f"must be a JSON array, got {kind}") as caught:
        await drain(aiter(client.items.list("t", start=40)))
    assert "items.list GET /ws/types/t/items, the page at offset 40" in str(caught.value)
    assert caught.value.resume_start == 40


async def test_a_body_that_is_not_json_names_the_page_too(
    hostile: Hostile, client: EnspaceClient
) -> None:
    hostile.body = lambda start, limit: b"<html>oops</html>"
    with pytest.raises(DecodeError, match="not valid JSON") as caught:
        await drain(aiter(client.items.list("t")))
    assert "items.list GET /ws/types/t/items, the page at offset 0" in str(caught.value)


async def test_a_row_error_keeps_the_converters_path_and_names_the_page(
    hostile: Hostile, client: EnspaceClient
) -> None:
    hostile.body = lambda start, limit: [*rows(start, start + 2), {"reference": "no-id"}]
    with pytest.raises(DecodeError) as caught:
        await drain(aiter(client.items.list("t", start=10)))
    assert caught.value.path.startswith("$[2]")
    assert "the page at offset 10" in str(caught.value)


@pytest.mark.parametrize("reader", ["export", "iter_keyset", "changes_since"])
async def test_every_reader_refuses_a_page_longer_than_asked(
    hostile: Hostile, client: EnspaceClient, reader: str
) -> None:
    hostile.count = 10_000
    hostile.body = lambda start, limit: rows(start, start + limit + 1)
    with pytest.raises(DecodeError, match="for _limit=50"):
        await drain(_reader(client, reader, page_size=50))
    assert 1 <= len(hostile.lists) <= 8  # export: at most its first window


@pytest.mark.parametrize("reader", ["export", "iter_keyset", "changes_since"])
async def test_every_reader_refuses_a_list_answer_that_is_not_an_array(
    hostile: Hostile, client: EnspaceClient, reader: str
) -> None:
    hostile.count = 10
    hostile.body = lambda start, limit: {}
    with pytest.raises(DecodeError, match="must be a JSON array"):
        await drain(_reader(client, reader, page_size=50))


@pytest.mark.parametrize("reader", ["list", "export", "iter_keyset", "changes_since"])
async def test_every_reader_ends_on_the_same_short_page(
    hostile: Hostile, client: EnspaceClient, reader: str
) -> None:
    hostile.count = 40
    hostile.body = honest(40)
    got = await drain(_reader(client, reader, page_size=50))
    assert [item.id for item in got] == list(range(1, 41))
    # The short page ends it: no request after it (export sent its first window, 4 pages,
    # before any answer came back).
    assert len(hostile.lists) == (4 if reader == "export" else 1)


def _reader(client: EnspaceClient, reader: str, *, page_size: int) -> AsyncIterator[Any]:
    items = client.items
    if reader == "list":
        return aiter(items.list("t", page_size=page_size))
    if reader == "export":
        return items.export("t", concurrency=4, page_size=page_size)
    if reader == "iter_keyset":
        return items.iter_keyset("t", page_size=page_size)
    return items.changes_since("t", "2026-01-01T00:00:00.000Z", page_size=page_size)


async def test_iterating_a_paginator_again_starts_over(
    hostile: Hostile, client: EnspaceClient
) -> None:
    hostile.body = honest(250)
    paginator = client.items.list("t")
    first = [item.id for item in await drain(aiter(paginator))]
    second = [item.id for item in await drain(aiter(paginator))]
    assert first == second == list(range(1, 251))
    assert [len(page) for page in await drain(paginator.pages())] == [100, 100, 50]
    assert len(await paginator.collect()) == 250
    assert hostile.lists == [(0, 100), (100, 100), (200, 100)] * 4
    assert paginator.start == 0  # the paginator's own offset never moves


async def test_a_loop_left_early_does_not_shorten_the_next(
    hostile: Hostile, client: EnspaceClient
) -> None:
    hostile.body = honest(150)
    paginator = client.items.list("t", start=20)
    async for item in paginator:
        if item.id == 25:
            break
    assert [item.id for item in await drain(aiter(paginator))] == list(range(21, 151))


async def test_two_loops_over_one_paginator_at_once_each_see_every_row(
    hostile: Hostile, client: EnspaceClient
) -> None:
    hostile.body = honest(230)
    paginator = client.items.list("t", page_size=30)
    one, two = await asyncio.gather(drain(aiter(paginator)), drain(aiter(paginator)))
    assert [i.id for i in one] == [i.id for i in two] == list(range(1, 231))


async def test_a_filter_that_matches_nothing_pages_nothing(
    hostile: Hostile, client: EnspaceClient
) -> None:
    hostile.body = honest(250)
    paginator = client.items.list("t", filters={"id_in": []})
    assert await drain(aiter(paginator)) == []
    assert await paginator.collect() == []
    assert hostile.lists == []
