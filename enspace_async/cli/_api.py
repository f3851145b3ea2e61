"""``enspace api METHOD PATH``: any route through ``client.request``, the answer as JSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson
from yarl import URL

from .._client import EnspaceClient
from ._running import UserError

__all__ = ["call_api", "read_body"]


def read_body(data: str | None) -> Any:
    """The JSON body ``--data`` gives: the text itself, ``@FILE``, or ``@-`` (standard input)."""
    if data is None:
        return None
    where = "--data"
    text: str | bytes = data
    if data.startswith("@"):
        where = f"--data {data}"
        try:
            text = sys.stdin.buffer.read() if data == "@-" else Path(data[1:]).read_bytes()
        except OSError as exc:
            raise UserError(f"{where}: cannot read {data[1:]}: {exc.strerror}") from None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise UserError(f"{where} is not JSON: {exc.msg} (line {exc.lineno})") from None


async def call_api(client: EnspaceClient, method: str, path: str, body: Any) -> Any:
    """Send ``method path`` (its query string as parameters) with ``body``; return the JSON."""
    try:
        route: URL | None = URL(path)
    except ValueError:
        route = None
    if route is None or route.is_absolute() or route.scheme:
        raise UserError(f"PATH must be a route such as /ws/types (the host is --url), got {path!r}")
    if not route.raw_path.startswith("/"):
        route = URL(f"/{path}")
    params = {name: route.query.getall(name) for name in route.query}
    return await client.request(
        method,
        route.raw_path,
        params=params or None,
        json=body,
        workspace_scoped=client.workspace is not None,
    )
