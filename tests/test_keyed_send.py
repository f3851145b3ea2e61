"""The key goes on the wire only: ``AiohttpTransport.send_keyed`` and who still sees every request.

The client hands its own transport the request as the middlewares and hooks saw it, plus the
headers to send (the key among them): no keyed copy of the request, no second response. A
transport whose ``send`` was replaced after ``send_keyed`` (a subclass, or on the instance)
gets every request through that ``send``, with the key, as before. Over real HTTP to the
emulator on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
from typing import Any

import attrs
import pytest
from yarl import URL

from enspace_async import (
    Attempt,
    ConfigurationError,
    EnspaceClient,
    Hooks,
    Request,
    Response,
)
from enspace_async._middleware.observe import keyed_send
from enspace_async.testing import EnspaceEmulator
from enspace_async.transports import AiohttpTransport, MockTransport

pytestmark = pytest.mark.emulator(types={"t": None}, items=2)


async def a_reference(client: EnspaceClient) -> str:
    return (await client.items.list("t", page_size=1).collect(limit=1))[0].reference


async def test_the_key_reaches_the_server_and_no_request_or_response_holds_it(
    emu: EnspaceEmulator,
) -> None:
    seen: list[Any] = []
    hooks = Hooks(on_request=[seen.append], on_response=[seen.append])
    async with emu.client(hooks=hooks) as client:
        item = await client.items.get("t", await a_reference(client))
    assert item.reference  # the emulator checked the key: a wrong one is a 401
    attempts = [a for a in seen if isinstance(a, Attempt)]
    assert attempts
    assert all("x-api-key" not in a.request.headers for a in attempts)
    answers = [a.response for a in attempts if a.response is not None]
    assert answers
    assert all("x-api-key" not in r.request.headers for r in answers)
    assert emu.requests[-1].status == 200


class LoggingSend(AiohttpTransport):
    """A subclass that overrides send alone: it must still see every request."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[str | None] = []

    async def send(self, request: Request) -> Response:
        self.keys.append(request.headers.get("x-api-key"))
        return await super().send(request)


async def test_a_subclass_overriding_send_sees_every_request_with_the_key(
    emu: EnspaceEmulator,
) -> None:
    transport = LoggingSend()
    assert keyed_send(transport) is None
    async with emu.client(transport=transport) as client:
        await client.items.get("t", await a_reference(client))
    assert transport.keys == [emu.api_key, emu.api_key]


async def test_a_send_replaced_on_the_instance_sees_every_request(emu: EnspaceEmulator) -> None:
    transport = AiohttpTransport()
    sent: list[Request] = []
    original = transport.send

    async def send(request: Request) -> Response:
        sent.append(request)
        return await original(request)

    transport.send = send  # type: ignore[method-assign]
    async with emu.client(transport=transport) as client:
        await client.items.get("t", await a_reference(client))
    assert [r.headers["x-api-key"] for r in sent] == [emu.api_key, emu.api_key]


def test_only_a_send_keyed_that_comes_with_its_send_is_used() -> None:
    plain = AiohttpTransport()
    assert keyed_send(plain) == plain.send_keyed
    assert keyed_send(MockTransport(lambda r: MockTransport.reply(r))) is None
    assert keyed_send(object()) is None


async def test_a_middleware_sending_elsewhere_is_refused_before_anything_is_sent(
    emu: EnspaceEmulator,
) -> None:
    async def elsewhere(request: Request, call_next: Any) -> Response:
        moved = URL(str(request.url).replace("127.0.0.1", "localhost", 1))
        return await call_next(attrs.evolve(request, url=moved))  # type: ignore[no-any-return]

    before = len(emu.requests)
    async with emu.client(middlewares=[elsewhere]) as client:
        with pytest.raises(ConfigurationError, match="refusing to send the API key"):
            await asyncio.wait_for(client.types.list().collect(), 10)
    assert len(emu.requests) == before
