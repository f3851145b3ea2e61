"""The client through MockTransport: headers, settings, views, the escape hatch, decoding."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest

import enspace_async
from enspace_async import (
    ClientClosedError,
    ConfigurationError,
    DecodeError,
    EnspaceClient,
    Handler,
    NotFoundError,
    Request,
    Response,
    Timeout,
)
from enspace_async.models import Item, ItemType
from enspace_async.transports import MockTransport

KEY = "en.abcdefghijklmnopqrstuvwxyz01234567"
ITEM = {
    "id": 11,
    "reference": "DEM11",
    "status": "active",
    "data": {"nome": "Ana"},
    "created_at": "2026-03-12T19:30:37.716Z",
    "updated_at": "2026-03-12T19:30:37.716Z",
}


class Recorder:
    """A MockTransport handler that records requests and answers with a fixed body."""

    def __init__(self, json: Any = None, status: int = 200, content: bytes = b""):
        self.json, self.status, self.content = json, status, content
        self.requests: list[Request] = []

    def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        return MockTransport.reply(request, self.status, json=self.json, content=self.content)


def make(recorder: Recorder, **kwargs: Any) -> EnspaceClient:
    kwargs.setdefault("workspace", "acme")
    return EnspaceClient(KEY, transport=MockTransport(recorder), **kwargs)


async def test_headers_on_a_workspace_scoped_route() -> None:
    recorder = Recorder(ITEM)
    async with make(recorder) as client:
        item = await client.items.get("contratos", "DEM11")
    assert item == Item(
        id=11,
        reference="DEM11",
        status="active",
        data={"nome": "Ana"},
        created_at=item.created_at,
        updated_at=item.updated_at,
    )
    (request,) = recorder.requests
    assert request.method == "GET"
    assert str(request.url) == "https://api.leif.enspace.io/ws/types/contratos/items/DEM11"
    assert request.headers["x-api-key"] == KEY
    assert request.headers["en-workspace"] == "acme"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"] == f"enspace-async/{enspace_async.__version__}"
    assert "content-type" not in request.headers
    assert request.route == "items.get"


async def test_no_workspace_header_on_unscoped_routes_and_custom_user_agent() -> None:
    recorder = Recorder([])
    async with make(recorder, user_agent="acme-sync/2.0") as client:
        assert await client.request("GET", "/workspaces", workspace_scoped=False) == []
    (request,) = recorder.requests
    assert "en-workspace" not in request.headers
    assert request.headers["user-agent"].startswith("acme-sync/2.0 enspace-async/")


async def test_json_bodies_are_sent_with_a_content_type() -> None:
    recorder = Recorder(ITEM)
    async with make(recorder) as client:
        await client.items.create("contratos", {"nome": "Ana", "valor": 1.5})
    (request,) = recorder.requests
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/json"
    assert request.content == b'{"data":{"nome":"Ana","valor":1.5}}'


async def test_types_resource_methods() -> None:
    recorder = Recorder({"name": "Contratos", "slug": "contratos", "settings": {"a": "b"}})
    async with make(recorder) as client:
        created = await client.types.create(name="Contratos", slug="contratos", color="#fff")
        updated = await client.types.update("contratos", name="Contracts")
        fetched = await client.types.get("contratos")
        recorder.json = 3
        assert await client.types.count(filters={"name_contains": "C"}) == 3
        recorder.json = None
        assert await client.types.delete("contratos") is None
    assert (
        created
        == fetched
        == updated
        == ItemType(name="Contratos", slug="contratos", settings={"a": "b"})
    )
    methods = [(r.method, r.url.path_qs) for r in recorder.requests]
    assert methods == [
        ("POST", "/ws/types"),
        ("PUT", "/ws/types/contratos"),
        ("GET", "/ws/types/contratos"),
        ("GET", "/ws/types/count?name_contains=C"),
        ("DELETE", "/ws/types/contratos"),
    ]
    assert recorder.requests[0].content == b'{"name":"Contratos","slug":"contratos","color":"#fff"}'


@pytest.mark.parametrize("answer", [7, {"count": 7}])
async def test_count_accepts_both_shapes(answer: object) -> None:
    async with make(Recorder(answer)) as client:
        assert await client.items.count("t", q="x") == 7


async def test_count_refuses_other_shapes() -> None:
    async with make(Recorder({"total": 7})) as client:
        with pytest.raises(DecodeError):
            await client.items.count("t")


async def test_errors_are_mapped_and_keep_the_request_id() -> None:
    body = {"statusCode": 404, "error": "Not Found", "message": "Item not found"}
    recorder = Recorder(body, status=404)
    async with make(recorder) as client:
        with pytest.raises(NotFoundError, match=r"^404 Not Found: Item not found$"):
            await client.items.get("t", "NOPE")


@pytest.mark.parametrize(
    ("content", "path"),
    [
        (b"<html>oops</html>", "$"),
        (b'{"id": "eleven", "reference": "X"}', "$.id"),
        (b'{"reference": "X"}', "$.id"),
        (b"", "$"),
    ],
)
async def test_a_body_that_does_not_fit_raises_decode_error(content: bytes, path: str) -> None:
    async with make(Recorder(content=content)) as client:
        with pytest.raises(DecodeError) as caught:
            await client.items.get("t", "X")
    assert caught.value.path == path
    assert KEY not in str(caught.value)


async def test_unknown_keys_are_ignored() -> None:
    async with make(Recorder({**ITEM, "brand_new": {"x": 1}})) as client:
        item = await client.items.get("t", "DEM11")
    assert item.reference == "DEM11"


async def test_distinct_custom_paths_grow_no_cache() -> None:
    # A worker may send a million distinct paths through the escape hatch: nothing the SDK
    # caches may be keyed by them (a route's placeholders once were, in a functools.cache).
    def cache_sizes() -> dict[str, int]:
        return {
            f"{module_name}.{name}": value.cache_info().currsize
            for module_name, module in list(sys.modules.items())
            if module_name.startswith("enspace_async") and module is not None
            for name, value in vars(module).items()
            if callable(getattr(value, "cache_info", None))
        }

    async with make(Recorder({})) as client:
        await client.request("GET", "/warm")
        before = cache_sizes()
        for n in range(200):
            await client.request("GET", f"/things/x{n}")
    grown = {name: size - before.get(name, 0) for name, size in cache_sizes().items()}
    assert before  # the SDK's caches were found
    assert all(growth < 10 for growth in grown.values()), grown


async def test_escape_hatch_decodes_into_a_model_or_returns_json() -> None:
    recorder = Recorder([ITEM])
    async with make(recorder) as client:
        items = await client.request(
            "get", "/c-flow-items", params={"stage": 3, "id_in": [1, 2]}, into=list[Item]
        )
        raw = await client.request("GET", "/c-flow-items")
    assert [i.reference for i in items] == ["DEM11"]
    assert raw == [ITEM]
    assert recorder.requests[0].url.path_qs == "/c-flow-items?stage=3&id_in=1&id_in=2"
    assert recorder.requests[0].method == "GET"


async def test_escape_hatch_needs_an_absolute_path() -> None:
    async with make(Recorder([])) as client:
        with pytest.raises(ConfigurationError, match="must start with '/'"):
            await client.request("GET", "ws/types")


async def test_a_workspace_scoped_call_without_a_workspace_sends_nothing() -> None:
    recorder = Recorder([])
    async with EnspaceClient(KEY, transport=MockTransport(recorder)) as client:
        with pytest.raises(ConfigurationError, match="workspace-scoped"):
            await client.types.get("t")
        await client.request("GET", "/workspaces", workspace_scoped=False)
    assert len(recorder.requests) == 1


async def test_views_share_the_session_and_change_only_their_option() -> None:
    recorder = Recorder([])
    transport = MockTransport(recorder)
    async with EnspaceClient(KEY, workspace="a", transport=transport) as client:
        other = client.with_workspace("b")
        slow = client.with_options(timeout=Timeout(total=300))
        await other.request("GET", "/x")
        await slow.request("GET", "/x")
        await other.aclose()  # a view does not own the session
        assert not client.closed
        await client.request("GET", "/x")
    assert [r.headers["en-workspace"] for r in recorder.requests] == ["b", "a", "a"]
    assert recorder.requests[1].timeout.total == 300
    assert recorder.requests[0].timeout == Timeout()
    assert transport.closed
    assert other.closed


async def test_a_closed_client_refuses_calls() -> None:
    recorder = Recorder([])
    client = make(recorder)
    await client.aclose()
    await client.aclose()  # closing twice is harmless
    with pytest.raises(ClientClosedError):
        await client.types.get("t")
    with pytest.raises(ClientClosedError):
        async with client:
            pass
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"api_key": None}, "API key is required"),
        ({"api_key": ""}, "API key is required"),
        ({"base_url": "not a url"}, "absolute http"),
        ({"base_url": "ftp://x"}, "absolute http"),
        ({"base_url": "https://x/?a=1"}, "query"),
        ({"base_url": "https://u:p@x"}, "credentials"),
        ({"base_url": "http://api.example.com"}, "refusing plain http"),
        ({"workspace": ""}, "workspace"),
        ({"workspace": "a\r\nx-evil: 1"}, "workspace"),
        ({"timeout": -1}, "timeout"),
    ],
)
def test_bad_settings_fail_before_anything_is_sent(kwargs: dict[str, Any], message: str) -> None:
    settings: dict[str, Any] = {"api_key": KEY, **kwargs}
    with pytest.raises((ConfigurationError, ValueError), match=message):
        EnspaceClient(transport=MockTransport(Recorder()), **settings)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000", "http://localhost", "http://[::1]:80/api/"]
)
def test_plain_http_is_allowed_to_loopback(url: str) -> None:
    client = EnspaceClient(KEY, base_url=url, transport=MockTransport(Recorder()))
    assert client.base_url.scheme == "http"
    assert not str(client.base_url).endswith("/")


def test_plain_http_elsewhere_needs_an_explicit_opt_in() -> None:
    client = EnspaceClient(
        KEY,
        base_url="http://api.internal",
        allow_insecure_http=True,
        transport=MockTransport(Recorder()),
    )
    assert client.base_url.host == "api.internal"


async def test_base_url_path_is_kept() -> None:
    recorder = Recorder([])
    async with make(recorder, base_url="https://acme.api.enspace.io/proxy/") as client:
        await client.request("GET", "/ws/types")
    assert str(recorder.requests[0].url) == "https://acme.api.enspace.io/proxy/ws/types"


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENSPACE_API_KEY", KEY)
    monkeypatch.setenv("ENSPACE_API_URL", "https://api-develop.enspace.io")
    monkeypatch.setenv("ENSPACE_WORKSPACE_ID", "acme")
    client = EnspaceClient.from_env(transport=MockTransport(Recorder()))
    assert str(client.base_url) == "https://api-develop.enspace.io"
    assert client.workspace == "acme"
    assert (
        EnspaceClient.from_env(workspace="other", transport=MockTransport(Recorder())).workspace
        == "other"
    )


def test_from_env_without_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENSPACE_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="ENSPACE_API_KEY"):
        EnspaceClient.from_env(transport=MockTransport(Recorder()))


def test_the_key_never_shows_in_reprs() -> None:
    recorder = Recorder()
    client = make(recorder)
    shown = " ".join(
        repr(x)
        for x in (
            client,
            client.items,
            client.types,
            client.with_workspace("b"),
            client._session.api_key,
        )
    )
    assert KEY not in shown
    assert "acme" in repr(client)
    assert str(client._session.api_key) == "Secret('********')"


async def test_user_middlewares_run_outermost_in_order_and_never_see_the_key() -> None:
    seen: list[str] = []

    def tag(name: str) -> Callable[[Request, Handler], Any]:
        async def middleware(request: Request, call_next: Handler) -> Response:
            seen.append(f"{name}:{'x-api-key' in request.headers}")
            response = await call_next(request.with_headers(x_trace=name))
            seen.append(f"{name}:done")
            return response

        return middleware

    recorder = Recorder([])
    async with make(recorder, middlewares=[tag("a"), tag("b")]) as client:
        await client.request("GET", "/x")
    assert seen == ["a:False", "b:False", "b:done", "a:done"]
    assert recorder.requests[0].headers["x-trace"] == "b"
    assert recorder.requests[0].headers["x-api-key"] == KEY


async def test_async_mock_handlers_work() -> None:
    async def handler(request: Request) -> Response:
        return MockTransport.reply(request, json=5)

    async with EnspaceClient(KEY, workspace="w", transport=MockTransport(handler)) as client:
        assert await client.items.count("t") == 5


def test_request_and_response_reprs_hide_headers() -> None:
    request = Request("GET", client_url(), {"x-api-key": KEY})
    response = MockTransport.reply(request, 204)
    assert KEY not in repr(request) + repr(response)
    assert repr(response) == "<Response 204 for GET /ws/types>"


def client_url() -> Any:
    from yarl import URL

    return URL("https://api.leif.enspace.io/ws/types")


def test_timeout_of() -> None:
    assert Timeout.of(5) == Timeout(total=5.0)
    assert Timeout.of(None) == Timeout(None, None, None)
    custom = Timeout(total=1, connect=1, read=1)
    assert Timeout.of(custom) is custom
