"""The one aiohttp handler: route lookup, faults, auth, rate limit, dispatch, request log.

Order of checks for one request: route (404) → injected fault → key (401) → rate limit (429)
→ missing ``en-workspace`` (400) → scope and workspace permission (403) → unknown workspace
(404) → the route's handler. Every answer carries ``x-request-id``.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
from aiohttp import web

from .._protocol.routes import ROUTES, Route
from .._time import Sleep
from ._context import HANDLERS, Ctx
from ._faults import Fault, Faults
from ._problems import Problem, error_body
from ._ratelimit import EmulatedRateLimiter
from ._state import EmulatedApiKey, EmulatedWorkspace, RequestRecord, State

__all__ = ["Dispatcher"]

_SCOPE = {"GET": "read", "HEAD": "read", "POST": "write", "PUT": "write", "DELETE": "delete"}
_JSON = "application/json"


def _routes_by_method() -> dict[str, list[Route]]:
    table: dict[str, list[Route]] = {}
    for r in ROUTES.values():
        table.setdefault(r.method, []).append(r)
    return table


class Dispatcher:
    """Answer every request from the state, the faults and the rate limiter."""

    def __init__(
        self, state: State, faults: Faults, limiter: EmulatedRateLimiter | None, sleep: Sleep
    ):
        self.state = state
        self.faults = faults
        self.limiter = limiter
        self.sleep = sleep
        self._routes = _routes_by_method()

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """Return the route of ``method`` and the encoded ``path``, with its parameters."""
        for candidate in self._routes.get(method, ()):
            params = candidate.match(path)
            if params is not None:
                return candidate, params
        return None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Answer one request."""
        started = time.perf_counter()
        state = self.state
        state.request_count += 1
        record = RequestRecord(
            state.request_count,
            request.method,
            request.path,
            request.query_string,
            request.headers.get("en-workspace"),
        )
        state.record(record)
        headers = {"x-request-id": f"emu-{state.seed}-{record.id:08x}"}
        fault: Fault | None = None
        try:
            found = self.match(request.method, request.raw_path.partition("?")[0])
            if found is None:
                raise Problem(404, f"Cannot {request.method} {request.path}")
            route, params = found
            record.route = route.name
            if self.faults.active:
                delay, fault = self.faults.pick(route.name)
                if delay:
                    await self.sleep(delay)
                if fault is not None:
                    record.fault = fault.kind
                    if not fault.applied:
                        return self._before(request, record, fault, headers)
            raw = await request.read() if request.can_read_body else b""
            status, result = self._dispatch(request, route, params, raw, record, headers)
            if fault is not None and fault.kind == "drop_rows" and isinstance(result, list):
                self.faults.drop(result, fault.rows)
            payload = orjson.dumps(result)
        except Problem as problem:
            status, payload = problem.status, _error(problem.status, problem.message)
        except Exception as exc:  # an emulator bug: answer like a server would, with the cause
            status, payload = 500, _error(500, f"{type(exc).__name__}: {exc}")
        record.status = status
        record.duration = time.perf_counter() - started
        if fault is not None and fault.kind in ("reset_after", "truncated", "malformed"):
            return await self._after(request, record, fault, status, payload, headers)
        return web.Response(body=payload, status=status, headers=headers, content_type=_JSON)

    def _dispatch(
        self,
        request: web.Request,
        route: Route,
        params: dict[str, str],
        raw: bytes,
        record: RequestRecord,
        headers: dict[str, str],
    ) -> tuple[int, Any]:
        key = self._authenticate(request, record)
        record.key_id = key.id
        if self.limiter is not None and self.limiter.take(key.id, headers) is not None:
            raise Problem(429, "Too many requests")
        ws = self._authorize(route, key, record.workspace)
        handler, status = HANDLERS[route.name]
        ctx = Ctx(self.state, route.name, params, request.query, raw, key, ws)
        return status, handler(ctx)

    def _authenticate(self, request: web.Request, record: RequestRecord) -> EmulatedApiKey:
        key = self.state.keys.get(request.headers.get("x-api-key", ""))
        if key is None:
            raise Problem(401, "Invalid or missing API key")
        key.last_used_at = record.created_at
        return key

    def _authorize(
        self, route: Route, key: EmulatedApiKey, slug: str | None
    ) -> EmulatedWorkspace | None:
        if route.workspace_scoped and not slug:
            raise Problem(400, "Missing en-workspace header")
        if _SCOPE.get(route.method, "write") not in key.scopes:
            raise Problem(403, f"API key lacks the {_SCOPE.get(route.method)!r} scope")
        if not route.workspace_scoped:
            return None
        assert slug is not None
        if not key.may_use(slug):
            raise Problem(403, "API key is not authorized for this workspace")
        ws = self.state.workspaces.get(slug)
        if ws is None:
            raise Problem(404, f"workspace {slug!r} not found")
        return ws

    def _before(
        self, request: web.Request, record: RequestRecord, fault: Fault, headers: dict[str, str]
    ) -> web.StreamResponse:
        if fault.kind == "reset_before":
            return _reset(request)
        if fault.kind == "redirect":
            target = (fault.location or "{path}").replace("{path}", str(request.rel_url))
            record.status = fault.status
            headers["Location"] = target
            return web.Response(status=fault.status, headers=headers)
        status = int(fault.kind)
        if status == 429 and fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        record.status = status
        body = _error(status, "injected fault")
        return web.Response(body=body, status=status, headers=headers, content_type=_JSON)

    async def _after(
        self,
        request: web.Request,
        record: RequestRecord,
        fault: Fault,
        status: int,
        payload: bytes,
        headers: dict[str, str],
    ) -> web.StreamResponse:
        if fault.kind == "reset_after":
            return _reset(request)
        if fault.kind == "malformed":
            body = b'{"statusCode": 200, "data": ' + payload[: len(payload) // 2]
            return web.Response(body=body, status=200, headers=headers, content_type=_JSON)
        response = web.StreamResponse(status=status, headers=headers)
        response.content_type = _JSON
        response.content_length = len(payload) + 16
        await response.prepare(request)
        await response.write(payload[: len(payload) // 2])
        _abort(request)
        return response


def _error(status: int, message: str | list[str]) -> bytes:
    return orjson.dumps(error_body(status, message))


def _abort(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort()


def _reset(request: web.Request) -> web.StreamResponse:
    _abort(request)
    return web.Response(status=500)
