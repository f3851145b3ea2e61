"""Promise: a wrong argument is a ConfigurationError naming it, raised where it enters.

Constructor arguments and per-call options are refused before anything is sent; a malformed
redirect ``Location`` is an APIError, never a crash. Path segments and ``filters`` are proved in
the paging and routes tests. The property tests feed arbitrary text to every string argument
and check, over real HTTP on 127.0.0.1, that only SDK errors come out and that what reaches
the wire is exactly what was accepted.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from resilience_servers import ServedInThread, serving

from enspace_async import (
    APIError,
    ConfigurationError,
    EnspaceClient,
    EnspaceError,
    LocalLimiterBackend,
    ProtocolError,
    RateLimiter,
    RetryPolicy,
    Timeout,
)
from enspace_async.redis import RedisLimiter
from enspace_async.transports import AiohttpTransport, MockTransport

KEY = "en.PromiseArgumentsKey0123456789abcd"
NAN, INF = float("nan"), float("inf")


def no_network(request: Any) -> Any:
    raise AssertionError(f"nothing may be sent, but {request!r} was")


BAD_SETTINGS: list[tuple[str, Any]] = [
    ("api_key", 5),
    ("api_key", b"en.key"),
    ("api_key", ""),
    ("api_key", "en.key\r\nX-Evil: 1"),
    ("api_key", "en.k\u00e9y"),
    ("api_key", "en.key\x00"),
    ("api_key", " en.key "),
    ("workspace", ""),
    ("workspace", " "),
    ("workspace", "acme\r\n"),
    ("workspace", "a\u00e7me"),
    ("workspace", "\u2603"),
    ("workspace", "ac me"),
    ("workspace", 5),
    ("workspace", b"acme"),
    ("base_url", 5),
    ("base_url", None),
    ("base_url", b"https://api.example.com"),
    ("base_url", "https://"),
    ("base_url", "https:///path"),
    ("base_url", "//api.example.com"),
    ("base_url", "api.example.com"),
    ("base_url", "http://[::1"),
    ("base_url", "https://api.example.com:99999"),
    ("base_url", "https://api.example.com:abc"),
    ("base_url", "https://api exa.com"),
    ("base_url", "https://api.example.com\r\n"),
    ("base_url", "https://a..b"),
    ("base_url", "https://api.example.com/a b"),
    ("base_url", "https://api.example.com?x=1"),
    ("base_url", "https://api.example.com#top"),
    ("base_url", "https://user:pw@api.example.com"),
    ("base_url", "ftp://api.example.com"),
    ("transport", "aiohttp"),
    ("transport", object()),
    ("timeout", -1),
    ("timeout", 0),
    ("timeout", NAN),
    ("timeout", INF),
    ("timeout", -INF),
    ("timeout", "30"),
    ("timeout", True),
    ("timeout", []),
    ("timeout", 1j),
    ("middlewares", "abc"),
    ("middlewares", [1]),
    ("middlewares", 5),
    ("user_agent", "app\r\nX-Evil: 1"),
    ("user_agent", "app\n"),
    ("user_agent", "app\x00"),
    ("user_agent", "app \u2603"),
    ("user_agent", "a\u00e7\u00e3o"),
    ("user_agent", 5),
    ("user_agent", b"app"),
    ("allow_insecure_http", "yes"),
    ("retry", "3"),
    ("retry", 0),
    ("retry", -1),
    ("retry", 2.5),
    ("retry", True),
    ("retry", object()),
    ("retry_budget", 5),
    ("retry_budget", "shared"),
    ("rate_limit", "fast"),
    ("rate_limit", -1),
    ("rate_limit", 0),
    ("rate_limit", NAN),
    ("rate_limit", INF),
    ("rate_limit", True),
    ("rate_limit", object()),
    ("max_in_flight", -1),
    ("max_in_flight", "lots"),
    ("max_in_flight", 2.5),
    ("max_in_flight", True),
    ("max_in_flight", NAN),
    ("hooks", "trace"),
    ("hooks", []),
    ("sleep", 5),
    ("clock", "monotonic"),
]


@pytest.mark.parametrize(("name", "value"), BAD_SETTINGS, ids=lambda v: repr(v)[:40])
def test_a_bad_constructor_argument_is_a_configuration_error_naming_it(
    name: str, value: Any
) -> None:
    settings = {"workspace": "acme", "transport": MockTransport(no_network), name: value}
    key = settings.pop("api_key", KEY)
    with pytest.raises(ConfigurationError, match=name) as caught:
        EnspaceClient(key, **settings)
    if name == "api_key" and isinstance(value, str) and value:
        assert value.strip() not in str(caught.value)  # the key is never quoted back


BAD_TRANSPORT: list[tuple[str, Any]] = [
    ("session", "mine"),
    ("pool_size", 0),
    ("pool_size", "10"),
    ("pool_size", 2.5),
    ("pool_size_per_host", -1),
    ("keepalive_timeout", -1),
    ("keepalive_timeout", NAN),
    ("ssl", "yes"),
    ("ca_bundle", 5),
    ("ca_bundle", "/nonexistent/ca.pem"),
    ("proxy", 5),
    ("proxy", "socks5://proxy.example:1080"),
    ("proxy", "http://[::1"),
    ("trust_env", "yes"),
    ("max_response_size", 0),
    ("max_response_size", 1.5),
    ("max_response_size", True),
]


@pytest.mark.parametrize(("name", "value"), BAD_TRANSPORT, ids=lambda v: repr(v)[:40])
def test_a_bad_transport_argument_is_a_configuration_error_naming_it(name: str, value: Any) -> None:
    with pytest.raises(ConfigurationError, match=name):
        AiohttpTransport(**{name: value})


def test_a_proxy_password_is_never_quoted_back() -> None:
    with pytest.raises(ConfigurationError) as caught:
        AiohttpTransport(proxy="ftp://user:hunter2@proxy.example")
    assert "hunter2" not in str(caught.value)
    assert AiohttpTransport(proxy="http://user:hunter2@proxy.example:3128")._secrets == ["hunter2"]


@pytest.mark.parametrize(
    "fields",
    [{"total": -1}, {"connect": NAN}, {"read": INF}, {"total": "5"}, {"connect": True}],
    ids=repr,
)
def test_a_bad_timeout_is_refused_when_it_is_built(fields: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match=f"timeout {next(iter(fields))}"):
        Timeout(**fields)


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (lambda: RetryPolicy(max_attempts=0), "max_attempts"),
        (lambda: RateLimiter(-1), "max_rate"),
        (lambda: RateLimiter(5, backend=LocalLimiterBackend()), "backend"),
        (lambda: LocalLimiterBackend(0), "max_rate"),
        (lambda: RedisLimiter("redis://127.0.0.1:1/0", ""), "api_key"),
        (lambda: RedisLimiter("redis://127.0.0.1:1/0", "k", max_rate=-2), "max_rate"),
        (lambda: RedisLimiter("redis://127.0.0.1:1/0", "k", expected_workers=0), "expected"),
        (lambda: RedisLimiter("redis://127.0.0.1:1/0", "k", fallback="x"), "fallback"),  # type: ignore[arg-type]
    ],
    ids=[
        "retry",
        "limiter",
        "limiter-backend",
        "backend",
        "redis-key",
        "redis-rate",
        "redis-workers",
        "redis-fallback",
    ],
)
def test_the_policy_objects_users_build_refuse_bad_values_as_configuration_errors(
    build: Any, name: str
) -> None:
    with pytest.raises(ConfigurationError, match=name):
        build()


def test_good_settings_still_pass() -> None:
    EnspaceClient(
        KEY,
        workspace="acme-2_x.y",
        base_url="https://api.example.com:8443/v1/",
        transport=MockTransport(no_network),
        timeout=Timeout(total=5, connect=1, read=None),
        middlewares=[lambda request, call_next: call_next(request)],
        user_agent="my-app/1.2 (+https://example.com)",
        retry=3,
        rate_limit=12.5,
        max_in_flight=0,
    )
    EnspaceClient(KEY, timeout=None, retry=None, rate_limit=RateLimiter(5), max_in_flight=4)
    EnspaceClient(KEY, timeout=2, rate_limit=1)
    iri = EnspaceClient(KEY, base_url="https://b\u00fccher.example/\u00e9")
    assert str(iri.base_url) == "https://xn--bcher-kva.example/%C3%A9"
    assert Timeout.of(0.5) == Timeout(total=0.5)


@pytest.mark.parametrize("value", [-1, NAN, "fast", True, Timeout(total=1), 0])
async def test_a_view_checks_its_options(value: Any) -> None:
    client = EnspaceClient(KEY, workspace="acme", transport=MockTransport(no_network))
    if isinstance(value, Timeout):
        assert client.with_options(timeout=value).with_workspace("other").workspace == "other"
        return
    with pytest.raises(ConfigurationError, match="timeout"):
        client.with_options(timeout=value)
    with pytest.raises(ConfigurationError, match="workspace"):
        client.with_workspace("b\u00e4d")


BAD_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("method", {"method": ""}),
    ("method", {"method": "GE T"}),
    ("method", {"method": "GET\r\n"}),
    ("method", {"method": "G\u00c9T"}),
    ("method", {"method": 5}),
    ("method", {"method": None}),
    ("path", {"path": "x"}),
    ("path", {"path": 5}),
    ("path", {"path": b"/x"}),
    ("path", {"path": "//evil.example/x"}),
    ("path", {"path": "/a b"}),
    ("path", {"path": "/a\r\nb"}),
    ("path", {"path": "/\u00e9"}),
    ("path", {"path": "/x?y=1"}),
    ("path", {"path": "/x#f"}),
    ("path", {"path": "/\x00"}),
    ("path", {"path": "/%zz"}),
    ("params", {"params": "a=1"}),
    ("params", {"params": 5}),
    ("json", {"json": object()}),
    ("json", {"json": {"big": 2**70}}),
    ("into", {"into": 5}),
    ("into", {"into": "Item"}),
    ("workspace_scoped", {"workspace_scoped": "no"}),
]


@pytest.mark.parametrize(("name", "call"), BAD_CALLS, ids=lambda v: repr(v)[:40])
async def test_a_bad_request_argument_is_a_configuration_error_naming_it(
    name: str, call: dict[str, Any]
) -> None:
    arguments = {"method": "GET", "path": "/x", **call}
    method, path = arguments.pop("method"), arguments.pop("path")
    async with EnspaceClient(KEY, workspace="acme", transport=MockTransport(no_network)) as c:
        with pytest.raises(ConfigurationError, match=name):
            await c.request(method, path, **arguments)


# -- malformed redirects, over real HTTP -------------------------------------------------------


@asynccontextmanager
async def raw_redirect(location: bytes) -> AsyncIterator[str]:
    """A socket server answering ``302`` with these exact ``Location`` bytes."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 302 Found\r\nLocation: " + location + b"\r\n")
        writer.write(b"Content-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with server:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


MALFORMED_LOCATIONS = [
    b"//evil.example/x",
    b"http://[::1",
    b"http://[::1/x",
    b"http://exa mple.example/",
    b"http://a..b/",
    b"http://127.0.0.1:99999/x",
    b"http://127.0.0.1:abc/x",
    b"http://",
    b"http:",
    b"://",
    b"\xff\xfe",
    "http://b\u00fccher.example/".encode(),
    b"http://xn--/",
    b"javascript:alert(1)",
    b"",
    b" ",
]


@pytest.mark.parametrize("location", MALFORMED_LOCATIONS, ids=repr)
async def test_a_malformed_redirect_location_is_an_api_error(location: bytes) -> None:
    async with (
        raw_redirect(location) as url,
        EnspaceClient(KEY, base_url=url, workspace="acme", retry=None) as client,
    ):
        with pytest.raises(APIError) as caught:
            async with asyncio.timeout(10):
                await client.request("GET", "/x")
    assert caught.value.status == 302
    assert caught.value.error == "Redirect"


async def test_a_scheme_relative_location_to_the_same_origin_is_followed() -> None:
    async def answer(request: web.Request) -> web.StreamResponse:
        if request.path == "/new":
            return web.json_response({"followed": True})
        host = request.headers["Host"]
        return web.Response(status=302, headers={"Location": f"//{host}/new"})

    async with (
        serving(answer) as url,
        EnspaceClient(KEY, base_url=url, workspace="acme") as client,
    ):
        assert await client.request("GET", "/x") == {"followed": True}


# -- arbitrary text, over real HTTP ------------------------------------------------------------


class Wire(ServedInThread):
    """A server on its own thread and loop, recording each raw request line."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str | None]] = []
        super().__init__(self._answer)

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        self.seen.append((request.method, request.raw_path, request.headers.get("User-Agent")))
        return web.json_response([])


@pytest.fixture(scope="module")
def wire() -> Iterator[Wire]:
    server = Wire()
    yield server
    server.close()


def call_once(wire: Wire, **kwargs: Any) -> Any:
    """Build a client and make one ``request`` on a fresh loop; return the outcome."""
    method = kwargs.pop("method", "GET")
    path = kwargs.pop("path", "/x")

    async def go() -> Any:
        async with asyncio.timeout(10):
            try:
                client = EnspaceClient(KEY, base_url=wire.url, retry=None, **kwargs)
                async with client:
                    return await client.request(method, path, workspace_scoped=False)
            except EnspaceError as exc:
                return exc

    outcome = asyncio.run(go())
    assert not isinstance(outcome, ProtocolError), outcome  # never a send-time failure
    return outcome


TEXT = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["\r\n", "\x00", "\u2028", "\ud800", " ", "a b", "\u00e9", "%", "?", "#", "//", "/.."]
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(agent=TEXT)
def test_any_user_agent_is_refused_or_sent_exactly(wire: Wire, agent: str) -> None:
    wire.seen.clear()
    outcome = call_once(wire, user_agent=agent)
    if isinstance(outcome, EnspaceError):
        assert isinstance(outcome, ConfigurationError)
        assert "user_agent" in str(outcome)
        assert not wire.seen
    else:
        expected = f"{agent} enspace-async/" if agent else "enspace-async/"
        assert wire.seen[0][2] is not None
        assert wire.seen[0][2].startswith(expected)


@SETTINGS
@given(method=TEXT, path=TEXT)
def test_any_method_and_path_are_refused_or_sent_exactly(
    wire: Wire, method: str, path: str
) -> None:
    wire.seen.clear()
    outcome = call_once(wire, method=method, path="/" + path)
    if isinstance(outcome, EnspaceError):
        assert isinstance(outcome, ConfigurationError)
        assert not wire.seen
    else:
        assert wire.seen == [(method.upper(), "/" + path, wire.seen[0][2])]


@SETTINGS
@given(workspace=TEXT, tail=TEXT)
def test_any_workspace_and_key_are_refused_or_accepted(workspace: str, tail: str) -> None:
    key = "en.KEY-" + tail
    try:
        client = EnspaceClient(key, workspace=workspace, transport=MockTransport(no_network))
    except ConfigurationError as exc:
        error = exc
    else:
        assert client.workspace == workspace
        assert workspace.isascii()
        assert workspace.isprintable()
        assert " " not in workspace
        return
    assert "workspace" in str(error) or "api_key" in str(error)
    assert key not in str(error)
