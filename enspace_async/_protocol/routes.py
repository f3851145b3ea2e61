"""Every ENSPACE route, as data: one row each, named ``"<resource>.<operation>"``.

The public reference documents only part of the API (see ``enspace-api.md`` §5); ``source`` says
whether a path is documented (D), observed (O) or assumed (A), so that correcting an assumed
route is a one-line change here. Resources and the emulator both read this table.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Mapping
from typing import Literal
from urllib.parse import quote

import attrs
from yarl import URL

from .._errors import ConfigurationError

__all__ = ["ROUTES", "Route", "route"]

Source = Literal["D", "O", "A"]
_FIELDS = re.compile(r"\{(\w+)\}")
# Control characters (C0, DEL, C1) and lone surrogates, which UTF-8 cannot encode.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# The resources' argument names, where the placeholder is named otherwise.
_LABELS = {"slug": "type_slug", "ref": "reference"}
# Unreserved characters, sent as they are: the string for str.strip (which tells "only these
# characters" without the regex engine), the pattern for the slow path.
_SAFE_CHARACTERS = string.ascii_letters + string.digits + "-._~"
_SAFE = re.compile(f"[{re.escape(_SAFE_CHARACTERS)}]+")


@attrs.frozen
class Route:
    """One endpoint.

    Attributes:
        name: ``"<resource>.<operation>"``.
        method: the HTTP method.
        template: the path with ``{name}`` placeholders.
        workspace_scoped: whether the ``en-workspace`` header is sent.
        source: D documented, O observed, A assumed.
    """

    name: str
    method: str
    template: str
    workspace_scoped: bool = True
    source: Source = "A"

    _pieces: tuple[str, tuple[tuple[str, str], ...]] = attrs.field(init=False, eq=False, repr=False)
    # The template split once: the text before the first placeholder, then each placeholder
    # with the text that follows it (filling concatenates; no format machinery per call).

    def __attrs_post_init__(self) -> None:
        parts = _FIELDS.split(self.template)  # text, name, text, name, ..., text
        pairs = tuple(zip(parts[1::2], parts[2::2], strict=True))
        object.__setattr__(self, "_pieces", (parts[0], pairs))

    @property
    def params(self) -> tuple[str, ...]:
        """The placeholder names of the template, in order."""
        return tuple(name for name, _ in self._pieces[1])

    def path(self, **values: str | int) -> str:
        """Fill the template with percent-encoded values.

        Raises:
            ConfigurationError: a value is missing or of the wrong type, is empty, holds ``/``,
                ``..``, a control character or a lone surrogate (see :func:`encode_segment`).
        """
        return self.fill(values)

    def fill(self, values: Mapping[str, object]) -> str:
        """:meth:`path` with the values in a mapping (the client's call path: no keywords)."""
        path, pairs = self._pieces
        for name, text in pairs:
            path += encode_segment(name, values.get(name)) + text
        return path

    def match(self, path: str) -> dict[str, str] | None:
        """Return the placeholder values if ``path`` fits this route, else ``None``."""
        found = _pattern(self.template).fullmatch(path)
        if found is None:
            return None
        return {
            k: URL.build(path="/" + v, encoded=True).path[1:] for k, v in found.groupdict().items()
        }


@functools.cache
def _pattern(template: str) -> re.Pattern[str]:
    return re.compile(_FIELDS.sub(r"(?P<\1>[^/]+)", template))


def encode_segment(name: str, value: object) -> str:
    """Percent-encode one path segment, refusing values that could change the path.

    A placeholder ending in ``_id`` takes a non-negative integer; the others (a type slug, an
    item reference) a string or an integer. Nothing that could climb out of the segment
    (``/``, ``..``), break the request line (control characters) or fail to encode (a lone
    surrogate) is sent.

    Raises:
        ConfigurationError: naming the argument and what to fix.
    """
    # The common case first: a string of unreserved characters is sent as it is (ASCII
    # letters and digits, told at C speed; else strip() leaves nothing of it).
    if type(value) is str and not name.endswith("_id"):
        if value.isalnum() and value.isascii():
            return value
        if value and not value.strip(_SAFE_CHARACTERS) and ".." not in value:
            return value
    label = _LABELS.get(name, name)
    if value is None:
        raise ConfigurationError(f"{label} is required")
    if name.endswith("_id"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigurationError(f"{label} must be a non-negative integer, got {value!r}")
        return str(value)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ConfigurationError(
            f"{label} must be a string or an integer, got {type(value).__name__}"
        )
    text = str(value)
    if not text.strip():
        raise ConfigurationError(f"{label} must not be empty, got {text!r}")
    if "/" in text or ".." in text or _UNSAFE.search(text):
        raise ConfigurationError(
            f"{label} must not contain '/', '..', control characters or lone surrogates: {text!r}"
        )
    return text if _SAFE.fullmatch(text) else quote(text, safe="")


def _r(name: str, method: str, template: str, source: Source = "A", *, ws: bool = True) -> Route:
    return Route(name, method, template, ws, source)


_TABLE = [
    _r("types.list", "GET", "/ws/types"),
    _r("types.count", "GET", "/ws/types/count"),
    _r("types.get", "GET", "/ws/types/{slug}"),
    _r("types.create", "POST", "/ws/types"),
    _r("types.update", "PUT", "/ws/types/{slug}"),
    _r("types.delete", "DELETE", "/ws/types/{slug}"),
    _r("fields.list", "GET", "/ws/types/{slug}/fields", "O"),
    _r("fields.create", "POST", "/ws/types/{slug}/fields", "D"),
    _r("fields.get", "GET", "/ws/types/{slug}/fields/{field_id}"),
    _r("fields.update", "PUT", "/ws/types/{slug}/fields/{field_id}", "D"),
    _r("fields.delete", "DELETE", "/ws/types/{slug}/fields/{field_id}"),
    _r("items.list", "GET", "/ws/types/{slug}/items", "O"),
    _r("items.count", "GET", "/ws/types/{slug}/items/count", "O"),
    _r("items.create", "POST", "/ws/types/{slug}/items", "D"),
    _r("items.get", "GET", "/ws/types/{slug}/items/{ref}", "D"),
    _r("items.update", "PUT", "/ws/types/{slug}/items/{ref}", "D"),
    _r("items.delete", "DELETE", "/ws/types/{slug}/items/{ref}", "D"),
    _r("flows.list", "GET", "/c-flows"),
    _r("flows.get", "GET", "/c-flows/{flow_id}"),
    _r("stages.list", "GET", "/c-flow-stages", "D"),
    _r("stages.get", "GET", "/c-flow-stages/{stage_id}", "D"),
    _r("tasks.list", "GET", "/c-stage-tasks", "O"),
    _r("tasks.get", "GET", "/c-stage-tasks/{task_id}"),
    _r("tasks.create", "POST", "/c-stage-tasks"),
    _r("forms.list", "GET", "/ws/types/{slug}/forms"),
    _r("forms.list_for_create", "GET", "/ws/types/{slug}/forms/create"),
    _r("forms.get", "GET", "/ws/types/{slug}/forms/{form_id}"),
    _r("members.list", "GET", "/ws/members"),
    _r("members.count", "GET", "/ws/members/count"),
    _r("members.get", "GET", "/ws/members/{member_id}"),
    _r("members.create", "POST", "/ws/members", "D"),
    _r("members.update", "PUT", "/ws/members/{member_id}", "D"),
    _r("members.delete", "DELETE", "/ws/members/{member_id}"),
    _r("roles.list", "GET", "/ws/roles"),
    _r("roles.count", "GET", "/ws/roles/count"),
    _r("roles.get", "GET", "/ws/roles/{role_id}"),
    _r("roles.create", "POST", "/ws/roles"),
    _r("roles.update", "PUT", "/ws/roles/{role_id}"),
    _r("roles.delete", "DELETE", "/ws/roles/{role_id}"),
    _r("roles.list_permissions", "GET", "/ws/roles/{role_id}/permissions"),
    _r("roles.add_permission", "POST", "/ws/roles/{role_id}/permissions"),
    _r("roles.remove_permission", "DELETE", "/ws/roles/{role_id}/permissions/{permission_id}"),
    _r("member_groups.list", "GET", "/ws/mgroups"),
    _r("member_groups.create", "POST", "/ws/mgroups"),
    _r("member_groups.get", "GET", "/ws/mgroups/{group_id}"),
    _r("member_groups.update", "PUT", "/ws/mgroups/{group_id}"),
    _r("member_groups.delete", "DELETE", "/ws/mgroups/{group_id}"),
    _r("member_groups.add_users", "POST", "/ws/mgroups/{group_id}/users"),
    _r("member_groups.remove_users", "DELETE", "/ws/mgroups/{group_id}/users"),
    _r("quick_tasks.list", "GET", "/ws/tasks", "O"),
    _r("quick_tasks.count", "GET", "/ws/tasks/count"),
    _r("quick_tasks.get", "GET", "/ws/tasks/{task_id}"),
    _r("quick_tasks.create", "POST", "/ws/tasks"),
    _r("quick_tasks.update", "PUT", "/ws/tasks/{task_id}"),
    _r("quick_tasks.delete", "DELETE", "/ws/tasks/{task_id}"),
    _r("schedule_tasks.list", "GET", "/c-flow-item-tasks", "O"),
    _r("schedule_tasks.get", "GET", "/c-flow-item-tasks/{task_id}"),
    _r("integrations.list", "GET", "/integrations", "D"),
    _r("integrations.get", "GET", "/integrations/{integration_id}", "D"),
    _r("integrations.create", "POST", "/integrations", "D"),
    _r("workspaces.list", "GET", "/workspaces", ws=False),
    _r("workspaces.create", "POST", "/workspaces", ws=False),
    _r("workspaces.context", "GET", "/ws/context"),
    _r("workspaces.stats", "GET", "/ws/stats"),
    _r("workspaces.deletion_preview", "GET", "/ws/deletion-preview"),
    _r("workspaces.leave", "POST", "/ws/leave"),
    _r("workspaces.delete", "DELETE", "/ws"),
    _r("user.request_log", "GET", "/users/me/request-logs", ws=False),
    _r("user.api_keys", "GET", "/users/me/api-keys", ws=False),
]

ROUTES: dict[str, Route] = {r.name: r for r in _TABLE}


def route(name: str) -> Route:
    """Return the route called ``name``; a typo fails loudly."""
    return ROUTES[name]
