"""Issue 11 point 5 (and the path half of point 6): input never changes the query it is part of.

Against the emulator over real HTTP on 127.0.0.1: reserved names in ``filters`` are refused,
an empty ``_in`` list matches nothing without a request, and keys, values, path segments and
search text that cannot be sent as given raise :class:`ConfigurationError` before anything is
sent — never ``TypeError``/``UnicodeEncodeError``, never a silently altered query.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio

from enspace_async import ConfigurationError, EnspaceClient
from enspace_async.testing import EnspaceEmulator

pytestmark = pytest.mark.emulator(seed=5, types={"t": {"code": "inputText"}}, items=250)


@pytest_asyncio.fixture
async def client(emu: EnspaceEmulator) -> AsyncIterator[EnspaceClient]:
    async with emu.client(retry=None) as c:
        yield c


async def refused(emu: EnspaceEmulator, call: Callable[[], Awaitable[Any]], match: str) -> None:
    """``call`` raises ConfigurationError matching ``match`` and sends nothing."""
    before = len(emu.requests)
    with pytest.raises(ConfigurationError, match=match):
        await call()
    assert len(emu.requests) == before


@pytest.mark.parametrize(
    ("name", "argument"),
    [("_limit", "page_size="), ("_start", "start="), ("_sort", "sort="), ("_q", "q=")],
)
async def test_reserved_names_in_filters_point_at_the_argument(
    emu: EnspaceEmulator, client: EnspaceClient, name: str, argument: str
) -> None:
    filters = {name: 5 if name in ("_limit", "_start") else "x"}
    await refused(emu, lambda: client.items.list("t", filters=filters).collect(), argument)
    await refused(emu, lambda: client.items.count("t", filters=filters), argument)
    await refused(emu, lambda: client.members.list(filters=filters).collect(), argument)
    await refused(emu, lambda: client.items.export("t", filters=filters).__anext__(), argument)


async def test_an_empty_in_list_matches_nothing_without_a_request(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    before = len(emu.requests)
    assert await client.items.count("t", filters={"id_in": []}) == 0
    assert await client.items.list("t", filters={"id_in": [], "code": "x"}).collect() == []
    assert [i async for i in client.items.export("t", filters={"data.code_in": ()})] == []
    assert [i async for i in client.items.iter_keyset("t", filters={"id_in": set()})] == []
    assert await client.types.count(filters={"slug_in": []}) == 0
    assert len(emu.requests) == before


async def test_an_empty_nin_list_matches_every_row(client: EnspaceClient) -> None:
    assert await client.items.count("t", filters={"id_nin": []}) == 250
    assert len(await client.items.list("t", filters={"id_nin": []}).collect()) == 250


async def test_an_empty_list_for_any_other_filter_is_refused(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    await refused(emu, lambda: client.items.count("t", filters={"data.code": []}), "empty list")
    await refused(
        emu, lambda: client.request("GET", "/ws/types/t/items", params={"id_in": []}), "empty"
    )


@pytest.mark.parametrize(
    ("filters", "match"),
    [
        ({1: "x"}, "keys must be non-empty strings"),
        ({None: "x"}, "keys must be non-empty strings"),
        ({"": "x"}, "keys must be non-empty strings"),
        ({"code\ud800": "x"}, "lone surrogate"),
        ({"code": "x\udfff"}, "lone surrogate"),
        ({"code": ["a", "\ud83d"]}, "lone surrogate"),
        ({"amount": float("nan")}, "finite"),
        ({"amount": float("inf")}, "finite"),
        ({"code": b"x"}, "cannot send bytes"),
        ({"code": None}, "_null"),
        ([("code", "x")], "filters must be a mapping"),
    ],
)
async def test_filters_that_cannot_be_sent_as_given_are_refused(
    emu: EnspaceEmulator, client: EnspaceClient, filters: Any, match: str
) -> None:
    await refused(emu, lambda: client.items.count("t", filters=filters), match)
    await refused(emu, lambda: client.items.list("t", filters=filters).collect(), match)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"q": "a\ud800"}, "lone surrogate"),
        ({"q": 5}, "q must be a string"),
        ({"sort": "id:\udc00"}, "lone surrogate"),
        ({"sort": ["id:asc", 3]}, "sort must be"),
        ({"sort": 3}, "sort must be"),
    ],
)
async def test_sort_and_search_that_cannot_be_sent_are_refused(
    emu: EnspaceEmulator, client: EnspaceClient, kwargs: dict[str, Any], match: str
) -> None:
    await refused(emu, lambda: client.items.list("t", **kwargs).collect(), match)


async def test_text_that_can_be_sent_arrives_exactly(client: EnspaceClient) -> None:
    value = "a+b&c=d#e%f ç;\t/?%2B"
    await client.items.create("t", {"code": value})
    await client.items.create("t", {"code": value[:-1]})
    assert await client.items.count("t", filters={"data.code": value}) == 1
    assert [i.data["code"] for i in await client.items.list("t", q=value).collect()] == [value]


async def test_a_method_argument_and_a_filter_for_the_same_name_are_refused(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    filters = {"item_type": "other"}
    await refused(
        emu, lambda: client.flows.list(type_slug="t", filters=filters).collect(), "given twice"
    )
    assert await client.flows.list(filters=filters).collect() == []  # alone, it is a filter


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda c: c.items.get("t", ""), "reference must not be empty"),
        (lambda c: c.items.get("t", "a/b"), "reference must not contain '/'"),
        (lambda c: c.items.get("t", ".."), "reference must not contain"),
        (lambda c: c.items.get("t", "x\r\nHost: evil"), "reference must not contain"),
        (lambda c: c.items.get("t", "x\x85"), "reference must not contain"),
        (lambda c: c.items.get("t", "\ud800"), "lone surrogates"),
        (lambda c: c.items.get("t", None), "reference is required"),
        (lambda c: c.items.get("t", 1.5), "reference must be a string or an integer"),
        (lambda c: c.items.delete("/", "R1"), "type_slug must not contain"),
        (lambda c: c.items.list(" ").collect(), "type_slug must not be empty"),
        (lambda c: c.types.get(True), "type_slug must be a string or an integer"),
        (lambda c: c.members.get(True), "member_id must be a non-negative integer"),
        (lambda c: c.members.get(1.0), "member_id must be a non-negative integer"),
        (lambda c: c.members.get("3"), "member_id must be a non-negative integer"),
        (lambda c: c.roles.remove_permission(1, -2), "permission_id must be a non-negative"),
        (lambda c: c.fields.get("t", "id"), "field_id must be a non-negative integer"),
    ],
)
async def test_path_segments_that_could_change_the_path_are_refused(
    emu: EnspaceEmulator, client: EnspaceClient, call: Any, match: str
) -> None:
    await refused(emu, lambda: call(client), match)


async def test_a_bad_path_is_refused_when_the_list_is_made(client: EnspaceClient) -> None:
    with pytest.raises(ConfigurationError, match="type_slug"):
        client.items.list("a/b")
