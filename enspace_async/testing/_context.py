"""What a handler gets (:class:`Ctx`), and the registry of handlers by route name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from multidict import MultiMapping

from ._problems import Problem, invalid, not_found
from ._state import EmulatedApiKey, EmulatedWorkspace, State, TypeState
from ._store import now_iso

__all__ = ["HANDLERS", "Ctx", "handles"]

Handler = Callable[["Ctx"], Any]
HANDLERS: dict[str, tuple[Handler, int]] = {}


def handles(*names: str, status: int = 200) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of the routes ``names``."""

    def register(fn: Handler) -> Handler:
        for name in names:
            HANDLERS[name] = (fn, status)
        return fn

    return register


class Ctx:
    """One request as a handler sees it."""

    __slots__ = ("_body", "_raw", "key", "now", "params", "query", "route", "state", "ws")

    def __init__(
        self,
        state: State,
        route: str,
        params: dict[str, str],
        query: MultiMapping[str],
        raw: bytes,
        key: EmulatedApiKey,
        ws: EmulatedWorkspace | None,
    ):
        self.state = state
        self.route = route
        self.params = params
        self.query = query
        self._raw = raw
        self._body: dict[str, Any] | None = None
        self.key = key
        self.ws: EmulatedWorkspace = ws  # type: ignore[assignment]
        self.now = now_iso()

    def body(self) -> dict[str, Any]:
        """The JSON object sent, or a 400 if the body is missing, not JSON or not an object."""
        if self._body is None:
            try:
                body = orjson.loads(self._raw) if self._raw.strip() else None
            except orjson.JSONDecodeError:
                raise invalid("the body must be JSON") from None
            if not isinstance(body, dict):
                raise invalid("the body must be a JSON object")
            self._body = body
        return self._body

    def int_param(self, name: str) -> int:
        """The path parameter ``name`` as an integer (a 404 if it is not one)."""
        try:
            return int(self.params[name])
        except ValueError:
            raise not_found(f"{name} {self.params[name]!r}") from None

    def type_state(self) -> TypeState:
        """The type named by the ``slug`` path parameter, or a 404."""
        found = self.ws.type_state(self.params["slug"])
        if found is None:
            raise Problem(404, f"type {self.params['slug']!r} not found")
        return found

    def applied(self, key: object) -> None:
        """Count this write as applied to the resource ``key``."""
        self.state.mark_applied(self.route, key)
