"""Credential safety: redirects, redaction everywhere, plain http, TLS and the response cap."""

from __future__ import annotations

import asyncio
import logging
import pickle
import socket
import ssl
import subprocess
import traceback
from pathlib import Path
from typing import Any

import attrs
import orjson
import pytest
from aiohttp import web
from resilience_servers import serving
from yarl import URL

from enspace_async import (
    APIError,
    Attempt,
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    EnspaceClient,
    Hooks,
    OutcomeUnknownError,
    ProtocolError,
    Request,
    RequestTimeout,
    Response,
    RetryPolicy,
    ServerError,
    Timeout,
    TLSError,
)
from enspace_async.transports import AiohttpTransport

KEY = "en.SUPERSECRETsecuritytestkey0000000000"


class Recorder:
    """A handler that remembers every request's method, path, key and body."""

    def __init__(self, answer: Any = None) -> None:
        self.seen: list[dict[str, Any]] = []
        self.answer = answer

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.seen.append(
            {
                "method": request.method,
                "path": request.path,
                "key": request.headers.get("x-api-key"),
                "body": body,
            }
        )
        if self.answer is not None:
            result: web.StreamResponse = await self.answer(request)
            return result
        return web.json_response({"method": request.method, "body": body.decode()})


def redirect_to(location: str, status: int = 302) -> Any:
    async def answer(request: web.Request) -> web.StreamResponse:
        if request.path.startswith("/new"):
            return web.json_response({"method": request.method})
        return web.Response(status=status, headers={"Location": location})

    return answer


async def test_a_cross_origin_redirect_is_not_followed_and_never_sees_the_key() -> None:
    other = Recorder()
    async with serving(other) as other_url:
        target = f"{other_url}/steal?token=abc"
        for status in (301, 302, 303, 307, 308):
            first = Recorder(redirect_to(target, status))
            async with (
                serving(first) as url,
                EnspaceClient(KEY, base_url=url, workspace="w") as client,
            ):
                with pytest.raises(APIError) as caught:
                    await client.request("POST", "/ws/types", json={"a": 1})
            assert caught.value.status == status
            assert "another origin" in str(caught.value)
            assert "token=abc" not in str(caught.value)
            assert first.seen[0]["key"] == KEY
    assert other.seen == []  # the second server never saw a request, let alone x-api-key


async def test_localhost_and_127_0_0_1_are_different_origins() -> None:
    async def answer(request: web.Request) -> web.StreamResponse:
        port = request.url.port
        return web.Response(status=307, headers={"Location": f"http://localhost:{port}/new"})

    server = Recorder(answer)
    async with (
        serving(server) as url,
        EnspaceClient(KEY, base_url=url, workspace="w") as client,
    ):
        with pytest.raises(APIError, match="another origin"):
            await client.request("GET", "/x")
    assert len(server.seen) == 1


async def test_same_origin_redirects_are_followed_with_the_key() -> None:
    server = Recorder(redirect_to("/new/place", 307))
    async with (
        serving(server) as url,
        EnspaceClient(KEY, base_url=url, workspace="w") as client,
    ):
        assert await client.request("PUT", "/old", json={"a": 1}) == {"method": "PUT"}
    assert [(s["method"], s["path"], s["key"]) for s in server.seen] == [
        ("PUT", "/old", KEY),
        ("PUT", "/new/place", KEY),
    ]
    assert server.seen[1]["body"] == b'{"a":1}'


async def test_a_303_becomes_a_get_without_body() -> None:
    server = Recorder(redirect_to("/new", 303))
    async with (
        serving(server) as url,
        EnspaceClient(KEY, base_url=url, workspace="w") as client,
    ):
        assert await client.request("POST", "/old", json={"a": 1}) == {"method": "GET"}
    assert server.seen[1]["body"] == b""


async def test_redirect_loops_stop_after_a_few_hops() -> None:
    server = Recorder(redirect_to("/loop", 302))
    async with (
        serving(server) as url,
        EnspaceClient(KEY, base_url=url, workspace="w") as client,
    ):
        with pytest.raises(APIError, match="more than 3 redirects"):
            await client.request("GET", "/loop")
    assert len(server.seen) == 4


async def test_the_key_is_never_sent_to_another_origin_even_by_a_middleware() -> None:
    other = Recorder()
    async with serving(other) as other_url:

        async def reroute(request: Request, call_next: Any) -> Response:
            moved = URL(other_url).with_path(request.url.path)
            result: Response = await call_next(attrs.evolve(request, url=moved))
            return result

        client = EnspaceClient(
            KEY, base_url="http://127.0.0.1:9", workspace="w", middlewares=[reroute]
        )
        async with client:
            with pytest.raises(ConfigurationError, match="refusing to send the API key"):
                await client.request("GET", "/x")
    assert other.seen == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def collect_everything() -> list[object]:
    """Provoke every kind of failure and return the errors."""

    async def answer(request: web.Request) -> web.StreamResponse:
        kind = request.path.strip("/")
        if kind == "unauthorized":
            body = {"statusCode": 401, "error": "Unauthorized", "message": "bad key"}
            return web.json_response(body, status=401)
        if kind == "fail":
            return web.json_response({"statusCode": 503, "error": "x", "message": "y"}, status=503)
        if kind == "reset":
            assert request.transport is not None
            request.transport.abort()
            return web.Response()
        if kind == "redirect":
            return web.Response(status=302, headers={"Location": "https://evil.example/x"})
        if kind == "slow":
            return web.json_response({})
        return web.json_response({"ok": True})

    errors: list[BaseException] = []
    attempts: list[Attempt] = []
    hooks = Hooks(on_request=[attempts.append], on_response=[attempts.append])
    policy = RetryPolicy(max_attempts=2, jitter=lambda: 0.0)
    async with (
        serving(Recorder(answer)) as url,
        EnspaceClient(KEY, base_url=url, workspace="w", retry=policy, hooks=hooks) as c,
    ):
        await c.request("GET", "/ok", params={"q": "x"})
        for method, path, expected in [
            ("GET", "/unauthorized", AuthenticationError),
            ("POST", "/fail", ServerError),
            ("POST", "/reset", OutcomeUnknownError),
            ("GET", "/reset", ProtocolError),
            ("GET", "/redirect", APIError),
        ]:
            with pytest.raises(expected) as caught:
                await c.request(method, path, json={"a": 1} if method == "POST" else None)
            errors.append(caught.value)
        texts = [repr(c), repr(c._session), repr(c.stats), str(c.stats.as_dict())]
        texts += [repr(c.rate_limiter), repr(policy), repr(c.items)]
    closed = f"http://127.0.0.1:{free_port()}"
    async with EnspaceClient(KEY, base_url=closed, workspace="w", retry=None) as c:
        with pytest.raises(ConnectError) as refused:
            await c.request("GET", "/x")
        errors.append(refused.value)
    for attempt in attempts:
        texts += [repr(attempt), str(dict(attempt.request.headers))]
        if attempt.response is not None:
            texts.append(str(dict(attempt.response.request.headers)))
    errors_text = [_everything_about(e) for e in errors]
    return [*errors, *texts, *errors_text]


def _everything_about(error: BaseException) -> str:
    return "\n".join(
        [
            str(error),
            repr(error),
            "".join(traceback.format_exception(error)),
            pickle.dumps(error).decode("latin-1"),
        ]
    )


async def test_the_key_never_shows_in_logs_errors_or_reprs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    found = await collect_everything()
    assert len(found) > 10
    for item in found:
        assert KEY not in str(item)
        assert KEY[3:20] not in str(item)
    assert "SUPERSECRET" not in caplog.text
    assert "GET /ok -> 200" in caplog.text  # DEBUG really was on
    assert "q=x" not in caplog.text  # no query string in logs


def test_plain_http_is_refused_for_remote_hosts() -> None:
    with pytest.raises(ConfigurationError, match="unencrypted"):
        EnspaceClient(KEY, base_url="http://api.example.com")
    with pytest.raises(ConfigurationError, match="unencrypted"):
        EnspaceClient(KEY, base_url="http://10.0.0.5:8080")
    assert EnspaceClient(KEY, base_url="http://api.example.com", allow_insecure_http=True)
    for local in ("http://127.0.0.1:8000", "http://localhost", "http://[::1]:9000"):
        assert EnspaceClient(KEY, base_url=local).base_url.scheme == "http"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


async def test_tls_is_verified_by_default(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = Recorder()
    async with serving(server, ssl_context=context) as url:
        client = EnspaceClient(KEY, base_url=url, workspace="w")
        async with client:
            with pytest.raises(TLSError, match="CERTIFICATE_VERIFY_FAILED") as caught:
                await client.request("GET", "/x")
            assert caught.value.sent is False
            assert client.stats.attempts == 1  # and never retried
        trusted = AiohttpTransport(ca_bundle=cert)
        async with EnspaceClient(KEY, base_url=url, workspace="w", transport=trusted) as client:
            assert await client.request("GET", "/x") == {"method": "GET", "body": ""}
    assert len(server.seen) == 1  # the unverified attempt never sent the request


@pytest.mark.parametrize("chunked", [False, True])
async def test_the_response_size_is_capped(chunked: bool) -> None:
    big = orjson.dumps(["x" * 100] * 50)

    async def answer(request: web.Request) -> web.StreamResponse:
        if not chunked:
            return web.Response(body=big, content_type="application/json")
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(big), 500):
            await response.write(big[start : start + 500])
        return response

    async with serving(Recorder(answer)) as url:
        transport = AiohttpTransport(max_response_size=1000)
        client = EnspaceClient(KEY, base_url=url, workspace="w", transport=transport, retry=None)
        async with client:
            with pytest.raises(ProtocolError, match="larger than max_response_size"):
                await client.request("GET", "/x")
        roomy = AiohttpTransport(max_response_size=len(big))
        async with EnspaceClient(KEY, base_url=url, workspace="w", transport=roomy) as client:
            assert len(await client.request("GET", "/x")) == 50


async def test_a_read_timeout_names_no_secret() -> None:
    release = asyncio.Event()

    async def answer(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        await response.write(b"[")
        await release.wait()  # stalls until the client gave up
        return response

    async with serving(Recorder(answer)) as url:
        client = EnspaceClient(
            KEY, base_url=url, workspace="w", retry=None, timeout=Timeout(read=0.05)
        )
        async with client:
            with pytest.raises(RequestTimeout) as caught:
                await client.request("GET", "/x")
        release.set()
    assert KEY not in _everything_about(caught.value)
