"""The fields of a type, and its forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from .._kinds import Misfit, kind_of
from ._enums import FieldType
from ._wire import register, wire_field

__all__ = ["Field", "FieldOption", "Form"]

_CHOICE = (str, int, float, bool)


@register
@attrs.frozen(kw_only=True)
class FieldOption:
    """One choice of a dropdown, radio, multi-select or checkbox field."""

    value: str | int | float | bool
    label: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


def _load_options(value: Any) -> list[FieldOption]:
    # Observed: a list of {value, label}; documented: {"choices": ["electronics", ...]}.
    choices = value.get("choices") if type(value) is dict else value
    if type(choices) is not list:
        raise Misfit('a list of options or {"choices": [...]}', value)
    load = kind_of(FieldOption)
    return [FieldOption(value=c) if type(c) in _CHOICE else load(c) for c in choices]


@register
@attrs.frozen(kw_only=True)
class Field:
    """One field of a type: the key and kind of an item value.

    Attributes:
        refId: the key of the field's value in ``Item.data`` (read from ``slug`` when the
            server sends that instead, as the create-field page does).
        type: a :class:`FieldType`, or a plain string for a kind the SDK does not know.
        options: the choices, from a list of ``{value, label}`` or ``{"choices": [...]}``.
        config: the field's settings, as the API sends them.
        default_value: ``defaultValue`` on the wire.
        extra: every other key of the response, and raw values that did not fit.
    """

    id: int
    refId: str = wire_field(alt="slug")  # the wire name
    type: FieldType | str | None = None
    name: str | None = None
    label: str | None = None
    required: bool | None = None
    options: list[FieldOption] = wire_field(load=_load_options, factory=list)  # noqa: RUF009 - an attrs field
    config: dict[str, Any] = attrs.field(factory=dict)
    order: int | None = None
    default_value: str | int | float | bool | None = wire_field("defaultValue", default=None)
    position: int | None = None
    active: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@register
@attrs.frozen(kw_only=True)
class Form:
    """A form of a type: which fields are shown, in which layout.

    Attributes:
        type: the slug of the type it belongs to.
        for_create: whether it is offered when creating an item.
        fields: the form's fields (``refId`` strings or layout objects, as the API sends them).
        extra: every other key of the response, and raw values that did not fit.
    """

    id: int
    name: str | None = None
    description: str | None = None
    type: str | None = None
    for_create: bool | None = None
    fields: list[Any] = attrs.field(factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)
