"""Promise: no object reachable from an SDK error holds the API key or a secret the SDK sent.

Malformed answers come from raw-socket servers on 127.0.0.1 (aiohttp.web cannot send a duplicate
Content-Length or a broken chunk); echoing servers are aiohttp.web apps. Every error is walked
whole: ``__cause__``, ``__context__``, ``vars()``, ``args``, ``__notes__``, the formatted
traceback (with and without the frames' locals) and its pickle.
"""

from __future__ import annotations

import asyncio
import pickle
import socket
import struct
import traceback
import types
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import attrs
import orjson
import pytest
from aiohttp import web
from resilience_servers import serving

from enspace_async import (
    APIError,
    BadRequestError,
    ConfigurationError,
    DecodeError,
    EnspaceClient,
    EnspaceError,
    OriginalError,
    OutcomeUnknownError,
    ProtocolError,
    ServerError,
)
from enspace_async.models import SendGridConfig

KEY = "en.PromiseSecretsKey0123456789abcdef"
SENDGRID = "SG.promise/secret+value=0123456789"

_LEAVES = (int, float, bool, type(None), type, types.ModuleType, types.FunctionType)


def reachable(root: BaseException) -> Iterator[object]:
    """Every object reachable from ``root`` through exceptions, containers and attributes."""
    stack: list[object] = [root]
    seen: set[int] = set()
    while stack:
        obj = stack.pop()
        if isinstance(obj, _LEAVES) or id(obj) in seen:
            continue
        seen.add(id(obj))
        yield obj
        if isinstance(obj, str | bytes):
            continue
        if isinstance(obj, BaseException):
            stack += [obj.__cause__, obj.__context__, *obj.args]
            stack += getattr(obj, "__notes__", [])
        if isinstance(obj, Mapping):
            stack += [*obj.keys(), *obj.values()]
        elif isinstance(obj, list | tuple | set | frozenset):
            stack += list(obj)
        if attrs.has(type(obj)):
            stack += [getattr(obj, field.name) for field in attrs.fields(type(obj))]
        if hasattr(obj, "__dict__") and not isinstance(obj, types.TracebackType):
            stack += list(vars(obj).values())


def everything_printed(error: BaseException, *, with_locals: bool = False) -> str:
    """What an error reporter could print or store about ``error``.

    ``with_locals`` adds every frame's locals (``capture_locals=True``). The SDK keeps its own
    frames free of the key, but not of response bodies: a frame that decodes a body holds it.
    """
    texts = [
        str(error),
        repr(error),
        "".join(traceback.format_exception(error)),
        pickle.dumps(error).decode("latin-1"),
        repr(pickle.loads(pickle.dumps(error)).__dict__),
    ]
    if with_locals:
        frames = traceback.TracebackException.from_exception(error, capture_locals=True)
        texts.append("".join(frames.format()))
    return "\n".join(texts)


def assert_holds_no(secret: str, error: BaseException, *, with_locals: bool = False) -> None:
    for obj in reachable(error):
        text = obj.decode("latin-1") if isinstance(obj, bytes) else str(obj)
        assert secret not in text, f"{type(obj).__name__} reachable from the error holds it"
        assert secret not in repr(obj), f"repr of a {type(obj).__name__} holds it"
    assert secret not in everything_printed(error, with_locals=with_locals)


# -- malformed answers from a raw socket -------------------------------------------------------


@asynccontextmanager
async def raw_server(answer: bytes, *, reset: bool = False) -> AsyncIterator[str]:
    """Answer every request with the bytes ``answer``, then close (or reset) the connection."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(answer)
            await writer.drain()
        finally:
            if reset:
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
            else:
                writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"


MALFORMED = {
    "duplicate-content-length": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        "Duplicate Content-Length",
    ),
    "bad-chunk": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nxx\r\n0\r\n\r\n",
        "chunk size",
    ),
    "header-echoing-the-key": (
        b"HTTP/1.1 200 OK\r\nX-Echo: " + KEY.encode() + b"\x00\r\nContent-Length: 2\r\n\r\n{}",
        "header",
    ),
    "reset-mid-body": (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n[1, 2, 3", "payload"),
}


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("case", sorted(MALFORMED))
async def test_a_malformed_answer_chains_only_a_scrubbed_description(
    case: str, method: str
) -> None:
    # No local of this frame holds the answer: the traceback below prints them.
    async with (
        raw_server(MALFORMED[case][0], reset=case == "reset-mid-body") as url,
        EnspaceClient(KEY, base_url=url, workspace="w", retry=None) as client,
    ):
        with pytest.raises(OutcomeUnknownError if method == "POST" else ProtocolError) as caught:
            async with asyncio.timeout(10):
                await client.request(method, "/x", json={"a": 1} if method == "POST" else None)
    error = caught.value
    assert_holds_no(KEY, error, with_locals=True)
    transport_error = error.__cause__ if method == "POST" else error
    assert isinstance(transport_error, ProtocolError)
    original = transport_error.__cause__
    assert isinstance(original, OriginalError)  # the original's name and message, scrubbed
    assert original.type_name.startswith("aiohttp.")
    assert MALFORMED[case][1].lower() in str(original).lower()
    if case == "header-echoing-the-key":
        assert "[redacted]" in str(original)
    assert transport_error.__context__ is None or transport_error.__suppress_context__
    assert all(not isinstance(o, BaseException) or isinstance(o, EnspaceError | OriginalError)
               for o in reachable(error))  # fmt: skip


async def test_a_connection_refused_chains_a_safe_description() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with EnspaceClient(KEY, base_url=f"http://127.0.0.1:{port}", retry=None) as client:
        with pytest.raises(EnspaceError) as caught:
            await client.request("GET", "/x", workspace_scoped=False)
    assert isinstance(caught.value.__cause__, OriginalError)
    assert_holds_no(KEY, caught.value)


def test_an_original_error_pickles_and_reads_like_the_original() -> None:
    original = OriginalError("aiohttp.ClientPayloadError", "Response payload is not completed")
    copy = pickle.loads(pickle.dumps(original))
    assert (copy.type_name, copy.message) == (original.type_name, original.message)
    assert str(copy) == "aiohttp.ClientPayloadError: Response payload is not completed"


# -- servers that echo what they were sent -----------------------------------------------------


def echo_app(status: int, *, as_json: bool = True) -> Any:
    async def answer(request: web.Request) -> web.StreamResponse:
        sent = [request.headers.get("x-api-key", ""), (await request.text())]
        echoed = " ".join(sent)
        headers = {"X-Echo": request.headers.get("x-api-key", ""), "X-Request-Id": echoed[:60]}
        if not as_json:
            return web.Response(status=status, text=f"<html>{echoed}</html>", headers=headers)
        body = {"statusCode": status, "error": echoed, "message": [echoed, "again " + echoed]}
        return web.json_response(body, status=status, headers=headers)

    return answer


@pytest.mark.parametrize(
    ("status", "as_json", "expected"),
    [
        (400, True, BadRequestError),
        (500, False, ServerError),
        (200, False, DecodeError),
    ],
)
async def test_a_server_echoing_the_key_has_it_redacted(
    status: int, as_json: bool, expected: type[EnspaceError]
) -> None:
    async with (
        serving(echo_app(status, as_json=as_json)) as url,
        EnspaceClient(KEY, base_url=url, workspace="w", retry=None) as client,
    ):
        with pytest.raises(expected) as caught:
            await client.request("GET", "/x")
    error = caught.value
    assert_holds_no(KEY, error)
    assert "[redacted]" in str(error)
    if isinstance(error, APIError):
        assert error.headers["x-echo"] == "[redacted]"
        assert "[redacted]" in error.message
        assert all("[redacted]" in m for m in error.messages)
        assert isinstance(pickle.loads(pickle.dumps(error)), expected)


async def test_an_echoed_integration_secret_is_redacted_in_every_form() -> None:
    async def answer(request: web.Request) -> web.StreamResponse:
        sent = (await request.json())["data"]["api_key"]
        quoted = sent.replace("/", "%2F").replace("+", "%2B").replace("=", "%3D")
        message = f"api_key {sent} refused (as json {orjson.dumps(sent).decode()}, as {quoted})"
        return web.json_response({"statusCode": 400, "error": "x", "message": message}, status=400)

    async with (
        serving(answer) as url,
        EnspaceClient(KEY, base_url=url, workspace="w", retry=None) as client,
    ):
        with pytest.raises(BadRequestError) as caught:
            await client.integrations.create(SendGridConfig(api_key=SENDGRID))
    assert_holds_no(SENDGRID, caught.value)
    assert_holds_no(SENDGRID.replace("/", "%2F"), caught.value)
    assert caught.value.message.startswith("api_key [redacted] refused")


async def test_a_reused_error_is_not_redacted_twice() -> None:
    error = BadRequestError(400, "Bad Request", f"key {KEY}", headers={"x-echo": KEY})
    error.add_note(f"note with {KEY}")
    from enspace_async._errors import scrub

    scrub(error, [KEY])
    scrub(error, [KEY])
    assert error.message == "key [redacted]"
    assert error.__notes__ == ["note with [redacted]"]
    assert_holds_no(KEY, error)


# -- a half-built client -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        {"base_url": "ftp://example.com"},
        {"workspace": "\x00"},
        {"base_url": "http://10.0.0.1"},
    ],
)
def test_a_failing_constructor_can_be_traced_with_its_locals(settings: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        EnspaceClient(KEY, **settings)
    printed = everything_printed(caught.value, with_locals=True)
    assert "EnspaceClient" in printed
    assert_holds_no(KEY, caught.value, with_locals=True)


def test_from_env_keeps_the_key_out_of_its_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENSPACE_API_KEY", KEY)
    monkeypatch.setenv("ENSPACE_API_URL", "ftp://example.com")
    with pytest.raises(ConfigurationError) as caught:
        EnspaceClient.from_env()
    assert_holds_no(KEY, caught.value, with_locals=True)


def test_repr_of_a_half_built_client_never_raises() -> None:
    client = object.__new__(EnspaceClient)
    assert "EnspaceClient" in repr(client)
