"""client.with_raw_response: status, headers and request id of any call, with its typed result."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
import pytest
from helpers import no_sleep

from enspace_async import (
    ConfigurationError,
    DecodeError,
    EnspaceClient,
    NotFoundError,
    RawResponse,
    RetryPolicy,
)
from enspace_async.models import Item
from enspace_async.testing import EnspaceEmulator

SLUG = "contracts"


pytestmark = pytest.mark.emulator(seed=5, types={SLUG: {"title": "inputText"}}, items=40)


@pytest.fixture
async def client(emu: EnspaceEmulator) -> AsyncIterator[EnspaceClient]:
    async with emu.client(sleep=no_sleep, retry=RetryPolicy(jitter=lambda: 0.0)) as c:
        yield c


def path_of(emu: EnspaceEmulator, request_id: str | None) -> str:
    """The path of the request the emulator answered with ``request_id``."""
    (record,) = [r for r in emu.requests if f"emu-5-{r.id:08x}" == request_id]
    return record.path


async def test_a_raw_get_gives_status_headers_request_id_and_the_typed_item(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    ref = emu.items(SLUG)[0]["reference"]
    async with asyncio.timeout(10):
        raw = await client.with_raw_response.items.get(SLUG, ref)
        typed = await client.items.get(SLUG, ref)
    assert isinstance(raw, RawResponse)
    assert raw.status == 200
    assert raw.headers["content-type"].startswith("application/json")
    assert raw.request_id == raw.headers["x-request-id"]
    assert path_of(emu, raw.request_id) == f"/ws/types/{SLUG}/items/{ref}"
    item = raw.parse()
    assert isinstance(item, Item)
    assert item == typed
    assert orjson.loads(raw.content)["reference"] == ref
    assert repr(raw) == f"<RawResponse 200 request_id={raw.request_id!r}>"


async def test_concurrent_raw_calls_each_get_their_own_response(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    refs = [row["reference"] for row in emu.items(SLUG)]
    emu.faults.add("latency", seconds=0.01, rate=0.5, routes="items.get")  # answers interleave
    async with asyncio.timeout(20):
        raws = await asyncio.gather(*(client.with_raw_response.items.get(SLUG, r) for r in refs))
    assert [raw.parse().reference for raw in raws] == refs
    assert [path_of(emu, raw.request_id).rsplit("/", 1)[1] for raw in raws] == refs
    assert len({raw.request_id for raw in raws}) == len(refs)
    assert not hasattr(client, "last_response")


async def test_the_raw_response_is_the_final_answer_after_retries(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    ref = emu.items(SLUG)[1]["reference"]
    emu.faults.script("items.get", ["503", "503"])
    async with asyncio.timeout(10):
        raw = await client.with_raw_response.items.get(SLUG, ref)
    assert raw.status == 200
    assert raw.parse().reference == ref
    assert client.stats.retries["503"] == 2


async def test_writes_counts_and_the_escape_hatch(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    raw = client.with_raw_response
    async with asyncio.timeout(10):
        created = await raw.items.create(SLUG, {"title": "raw"})
        count = await raw.items.count(SLUG)
        deleted = await raw.items.delete(SLUG, created.parse().reference)
        escape = await raw.request("GET", f"/ws/types/{SLUG}/items/count")
    assert created.status in (200, 201)
    assert created.parse().data["title"] == "raw"
    assert (count.status, count.parse()) == (200, 41)
    assert deleted.status in (200, 204)
    assert deleted.parse() is None
    assert escape.status == 200
    assert escape.parse() in (40, {"count": 40})
    assert path_of(emu, deleted.request_id).endswith(created.parse().reference)


async def test_an_error_answer_still_raises_its_typed_error(client: EnspaceClient) -> None:
    async with asyncio.timeout(10):
        with pytest.raises(NotFoundError) as caught:
            await client.with_raw_response.items.get(SLUG, "NO-SUCH-REF")
    assert caught.value.request_id is not None


async def test_a_body_that_does_not_decode_is_handed_back_and_parse_raises(
    emu: EnspaceEmulator, client: EnspaceClient
) -> None:
    ref = emu.items(SLUG)[2]["reference"]
    emu.faults.script("items.get", ["malformed"])
    async with asyncio.timeout(10):
        raw = await client.with_raw_response.items.get(SLUG, ref)
    assert raw.status == 200
    assert raw.request_id is not None
    with pytest.raises(DecodeError):
        raw.parse()


async def test_lists_and_unknown_names_are_refused(client: EnspaceClient) -> None:
    with pytest.raises(ConfigurationError, match=r"with_raw_response\.items\.list is not a call"):
        client.with_raw_response.items.list  # noqa: B018
    with pytest.raises(ConfigurationError, match=r"items\.export"):
        client.with_raw_response.items.export  # noqa: B018
    with pytest.raises(AttributeError, match="no resource 'nope'"):
        client.with_raw_response.nope  # noqa: B018


async def test_a_call_that_sends_nothing_has_no_response_to_show(client: EnspaceClient) -> None:
    async with asyncio.timeout(10):
        assert await client.items.count(SLUG, filters={"reference_in": []}) == 0
        with pytest.raises(ConfigurationError, match="sent no request"):
            await client.with_raw_response.items.count(SLUG, filters={"reference_in": []})
    assert client.stats.requests == 0


async def test_a_view_keeps_its_workspace(emu: EnspaceEmulator, client: EnspaceClient) -> None:
    emu.add_workspace("beta")
    emu.seed_type(SLUG, fields={"title": "inputText"}, items=3, workspace="beta")
    async with asyncio.timeout(10):
        raw = await client.with_workspace("beta").with_raw_response.items.count(SLUG)
    assert raw.parse() == 3
    assert [r.workspace for r in emu.requests][-1] == "beta"
