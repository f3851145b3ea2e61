"""Item ``data`` checked against the type's fields; messages name ``data.<refId>``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from ._state import TypeState, Workspace
from ._store import Row

__all__ = ["validate_data"]

Check = Callable[[Any, Row, Workspace], str | None]
_TEXT = ("inputText", "EnTextArea", "EnHtml", "EnNotes", "EnlMask", "EnlTimeRange")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value: Any, field: Row, ws: Workspace) -> str | None:
    return None if isinstance(value, str) else "must be a string"


def _email(value: Any, field: Row, ws: Workspace) -> str | None:
    ok = isinstance(value, str) and "@" in value.strip("@")
    return None if ok else "must be an email address"


def _number(value: Any, field: Row, ws: Workspace) -> str | None:
    return None if _is_number(value) else "must be a number"


def _switch(value: Any, field: Row, ws: Workspace) -> str | None:
    return None if isinstance(value, bool) else "must be a boolean"


def _choices(field: Row) -> set[str]:
    return {str(o.get("value")) for o in field.get("options") or [] if isinstance(o, dict)}


def _choice(value: Any, field: Row, ws: Workspace) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    options = _choices(field)
    return None if not options or value in options else f"must be one of {sorted(options)}"


def _choice_list(value: Any, field: Row, ws: Workspace) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return "must be a list of strings"
    options = _choices(field)
    if options and field["type"] != "EnlChips" and not set(value) <= options:
        return f"must only hold values of {sorted(options)}"
    return None


def _calendar(value: Any, field: Row, ws: Workspace) -> str | None:
    if isinstance(value, str):
        try:
            (datetime if "T" in value else date).fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return None
    return "must be an ISO date or date-time string"


def _currency(value: Any, field: Row, ws: Workspace) -> str | None:
    if isinstance(value, dict) and _is_number(value.get("value")):
        return None
    return "must be an object with a numeric value"


def _relation(value: Any, field: Row, ws: Workspace) -> str | None:
    if not isinstance(value, dict) or ("id" not in value and "reference" not in value):
        return "must be an object with an id or a reference"
    reference = value.get("reference")
    if reference is not None and reference not in ws.references:
        return f"refers to an unknown item {reference!r}"
    return None


def _relations(value: Any, field: Row, ws: Workspace) -> str | None:
    if not isinstance(value, list):
        return "must be a list of relations"
    return next((e for e in (_relation(v, field, ws) for v in value) if e), None)


def _object(value: Any, field: Row, ws: Workspace) -> str | None:
    return None if isinstance(value, dict) else "must be an object"


def _objects(value: Any, field: Row, ws: Workspace) -> str | None:
    ok = isinstance(value, list) and all(isinstance(v, dict) for v in value)
    return None if ok else "must be a list of objects"


CHECKS: dict[str, Check] = {
    **dict.fromkeys(_TEXT, _text),
    "email": _email,
    "EnlNumber": _number,
    "EnCurrency": _currency,
    "EnlDropdown": _choice,
    "radioButton": _choice,
    "multiSelect": _choice_list,
    "checkbox": _choice_list,
    "EnlChips": _choice_list,
    "inputSwitch": _switch,
    "EnlCheckbox": _switch,
    "EnlCalendar": _calendar,
    "EnRel": _relation,
    "EnRelMulti": _relations,
    "EnAddress": _object,
    "uploadFile": _object,
    "uploadImage": _object,
    "EnPDF": _object,
    "group": _object,
    "EnRepeater": _objects,
}


def validate_data(
    data: Any, state: TypeState, ws: Workspace, *, partial: bool
) -> tuple[dict[str, Any], list[str]]:
    """Return ``data`` with relations expanded, and the list of what is wrong with it."""
    if not isinstance(data, dict):
        return {}, ["data must be an object"]
    errors: list[str] = []
    result: dict[str, Any] = {}
    for ref_id, value in data.items():
        field = state.fields.find(ref_id)
        if field is None:
            errors.append(f"data.{ref_id} is not a field of type {state.row['slug']!r}")
            continue
        if value is None:
            if field["required"]:
                errors.append(f"data.{ref_id} is required")
            result[ref_id] = None
            continue
        check = CHECKS.get(field["type"])
        problem = check(value, field, ws) if check else None
        if problem:
            errors.append(f"data.{ref_id} {problem}")
        result[ref_id] = _expand(value, field["type"], ws)
    if not partial:
        errors += [
            f"data.{f['refId']} is required"
            for f in state.fields
            if f["required"] and f["refId"] not in data
        ]
    return result, errors


def _expand(value: Any, kind: str, ws: Workspace) -> Any:
    if kind == "EnRel" and isinstance(value, dict):
        return _expand_one(value, ws)
    if kind == "EnRelMulti" and isinstance(value, list):
        return [_expand_one(v, ws) for v in value]
    return value


def _expand_one(value: dict[str, Any], ws: Workspace) -> dict[str, Any]:
    target = ws.references.get(value.get("reference", ""))
    if target is None:
        return value
    return {"id": target["id"], "display": _display(target), "reference": target["reference"]}


def _display(item: Row) -> str:
    text = next((v for v in item["data"].values() if isinstance(v, str) and v), None)
    return text or str(item["reference"])
