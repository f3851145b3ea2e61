"""Whether a value fits its field's kind: the one rule, for the SDK and for the emulator.

A check takes a value and the field, and returns ``None`` when the value fits, or the problem
as the end of a sentence that starts with the field (``"must be a number"``). It accepts the
wire form (what JSON holds) and the SDK's own values (:class:`~enspace_async.models.Currency`,
:class:`~enspace_async.models.Relation`, ``Decimal``, ``date``…), so it runs before encoding.

Local validation must never refuse what the server accepts (a false refusal has no work-around
but ``validate=False``), so each check asks only for the shape the API notes show per kind
(``enspace-api.md`` §6) and is lenient where they are silent: a currency code, the parts of an
address, a relation's target type are not checked. A kind the SDK does not know is not checked.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..models import Address, Currency, FileRef, Relation

if TYPE_CHECKING:
    from ._schema import SchemaField

__all__ = [
    "CHECKS",
    "LIST_KINDS",
    "Check",
    "OPTION_KINDS",
    "TEXT_KINDS",
    "closest",
    "parse_calendar",
]

Check = Callable[[Any, "SchemaField"], str | None]

TEXT_KINDS = frozenset({"inputText", "EnTextArea", "EnHtml", "EnNotes", "EnlMask", "EnlTimeRange"})
#: Kinds whose options restrict the value (EnlChips lists free words).
OPTION_KINDS = frozenset({"EnlDropdown", "radioButton", "multiSelect", "checkbox"})
LIST_KINDS = frozenset({"multiSelect", "checkbox", "EnlChips"})


def _is_number(value: Any) -> bool:
    return type(value) in (int, float) or (isinstance(value, Decimal) and value.is_finite())


def _text(value: Any, field: SchemaField) -> str | None:
    return None if type(value) is str else "must be a string"


def _email(value: Any, field: SchemaField) -> str | None:
    ok = type(value) is str and "@" in value.strip("@")
    return None if ok else "must be an email address"


def _number(value: Any, field: SchemaField) -> str | None:
    return None if _is_number(value) else "must be a number"


def _switch(value: Any, field: SchemaField) -> str | None:
    return None if type(value) is bool else "must be a boolean"


def _not_an_option(value: Any, field: SchemaField) -> str | None:
    if not field.options or value in field.choices:
        return None
    return f"must be one of {list(field.options)}"


def _choice(value: Any, field: SchemaField) -> str | None:
    if type(value) is not str:
        return "must be a string"
    return _not_an_option(value, field)


def _choice_list(value: Any, field: SchemaField) -> str | None:
    if type(value) is not list or not all(type(v) is str for v in value):
        return "must be a list of strings"
    if field.kind == "EnlChips" or not field.options or field.choices.issuperset(value):
        return None
    return f"must only hold values of {list(field.options)}"


def parse_calendar(text: str) -> date | datetime:
    """Read an ``EnlCalendar`` string: a date, or a date-time when it holds a ``T``.

    Raises:
        ValueError: not ISO-8601.
    """
    if "T" in text:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    return date.fromisoformat(text)


def _calendar(value: Any, field: SchemaField) -> str | None:
    if isinstance(value, date):  # a datetime is a date too
        return None
    if type(value) is str:
        try:
            parse_calendar(value)
        except ValueError:
            pass
        else:
            return None
    return "must be an ISO date or date-time string"


def _currency(value: Any, field: SchemaField) -> str | None:
    if isinstance(value, Currency):
        return None
    if type(value) is dict and _is_number(value.get("value")):
        code = value.get("currency")
        return None if code is None or type(code) is str else "currency must be a string code"
    return "must be an object with a numeric value"


def _relation(value: Any, field: SchemaField) -> str | None:
    if isinstance(value, Relation):
        return None
    if type(value) is dict:
        ident, reference = value.get("id"), value.get("reference")
        good_id = type(ident) is int or (type(ident) is str and ident.isdigit())
        good_ref = type(reference) is str and reference != ""
        if (good_id or ident is None) and (good_ref or reference is None) and (good_id or good_ref):
            return None
    return "must be an object with an id or a reference"


def _relations(value: Any, field: SchemaField) -> str | None:
    if type(value) is not list:
        return "must be a list of relations"
    return next((p for p in (_relation(v, field) for v in value) if p), None)


def _object_of(model: type) -> Check:
    def check(value: Any, field: SchemaField) -> str | None:
        return None if type(value) is dict or isinstance(value, model) else "must be an object"

    return check


def _object(value: Any, field: SchemaField) -> str | None:
    return None if type(value) is dict else "must be an object"


def _objects(value: Any, field: SchemaField) -> str | None:
    ok = type(value) is list and all(type(v) is dict for v in value)
    return None if ok else "must be a list of objects"


#: The check of each field kind the SDK knows; other kinds hold anything.
CHECKS: dict[str, Check] = {
    **dict.fromkeys(TEXT_KINDS, _text),
    "email": _email,
    "EnlNumber": _number,
    "EnCurrency": _currency,
    "EnlDropdown": _choice,
    "radioButton": _choice,
    **dict.fromkeys(LIST_KINDS, _choice_list),
    "inputSwitch": _switch,
    "EnlCheckbox": _switch,
    "EnlCalendar": _calendar,
    "EnRel": _relation,
    "EnRelMulti": _relations,
    "EnAddress": _object_of(Address),
    "uploadFile": _object_of(FileRef),
    "uploadImage": _object_of(FileRef),
    "EnPDF": _object_of(FileRef),
    "group": _object,
    "EnRepeater": _objects,
}


def closest(word: str, candidates: Collection[str]) -> str | None:
    """The candidate most like ``word`` (case aside), if any is close enough to be a typo."""
    lowered = {c.lower(): c for c in candidates}
    found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[found[0]] if found else None
