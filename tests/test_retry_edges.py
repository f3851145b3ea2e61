"""Retry edge cases: a resent DELETE that finds the row gone, and TLS failures."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from helpers import no_sleep

from enspace_async import (
    ConnectError,
    EnspaceClient,
    NotFoundError,
    ProtocolError,
    Request,
    Response,
    TLSError,
    TransportError,
)
from enspace_async.testing import EnspaceEmulator
from enspace_async.transports import MockTransport

NOT_FOUND = {"statusCode": 404, "error": "Not Found", "message": "item not found"}


def scripted(*outcomes: TransportError | int) -> tuple[MockTransport, list[str]]:
    """A transport that answers each request with the next outcome: an error or a status."""
    seen: list[str] = []
    queue = list(outcomes)

    def handler(request: Request) -> Response:
        seen.append(request.method)
        outcome = queue.pop(0)
        if isinstance(outcome, TransportError):
            raise outcome
        body = NOT_FOUND if outcome == 404 else {"ok": True}
        return MockTransport.reply(request, outcome, json=body)

    return MockTransport(handler), seen


def client_on(transport: MockTransport) -> EnspaceClient:
    return EnspaceClient("en.k", workspace="w", transport=transport, sleep=no_sleep)


@pytest.mark.parametrize(
    "first", [lambda: ProtocolError("reset", sent=True), lambda: 502, lambda: 504]
)
async def test_a_resent_delete_that_finds_the_row_gone_succeeds(
    first: Callable[[], TransportError | int],
) -> None:
    transport, seen = scripted(first(), 404)
    async with client_on(transport) as client:
        assert await client.items.delete("t", "ABC1") is None
        assert client.stats.retries
    assert seen == ["DELETE", "DELETE"]


@pytest.mark.parametrize(
    ("method", "first"),
    [
        ("DELETE", None),  # the first answer is 404: the row never existed
        ("DELETE", ConnectError("refused")),  # nothing was sent before the 404
        ("GET", ProtocolError("reset", sent=True)),  # only a DELETE is done by a 404
    ],
)
async def test_other_404s_stay_errors(method: str, first: TransportError | None) -> None:
    transport, _ = scripted(*([first] if first else []), 404)
    async with client_on(transport) as client:
        with pytest.raises(NotFoundError):
            await client.request(method, "/ws/types/t/items/ABC1")


async def test_tls_failures_are_not_retried() -> None:
    transport, seen = scripted(TLSError("TLS failed: CERTIFICATE_VERIFY_FAILED"), 200)
    async with client_on(transport) as client:
        with pytest.raises(TLSError):
            await client.types.get("t")
    assert seen == ["GET"]
    assert issubclass(TLSError, ConnectError)


async def test_a_delete_whose_answer_was_lost_is_done_once_on_the_emulator() -> None:
    async with EnspaceEmulator(seed=1) as emu:
        emu.seed_type("contracts", items=3)
        reference = emu.items("contracts")[0]["reference"]
        emu.faults.script("items.delete", ["reset_after"])
        async with emu.client(sleep=no_sleep) as client:
            assert await client.items.delete("contracts", reference) is None
            assert await client.items.count("contracts") == 2
        assert emu.applied["items.delete"] == 1
        assert emu.faults.counts["reset_after"] == 1
