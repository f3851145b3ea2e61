"""The fields of a type, and its forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from ._enums import FieldType

__all__ = ["Field", "FieldOption", "Form"]


@attrs.frozen(kw_only=True)
class FieldOption:
    """One choice of a dropdown, radio, multi-select or checkbox field."""

    value: str | int | float | bool
    label: str | None = None


@attrs.frozen(kw_only=True)
class Field:
    """One field of a type: the key and kind of an item value.

    Attributes:
        refId: the key of the field's value in ``Item.data``.
        type: a :class:`FieldType`, or a plain string for a kind the SDK does not know.
        config: the field's settings, as the API sends them.
    """

    id: int
    refId: str
    type: FieldType | str
    name: str | None = None
    label: str | None = None
    required: bool = False
    options: list[FieldOption] = attrs.field(factory=list)
    config: dict[str, Any] = attrs.field(factory=dict)
    order: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class Form:
    """A form of a type: which fields are shown, in which layout.

    Attributes:
        type: the slug of the type it belongs to.
        for_create: whether it is offered when creating an item.
        fields: the form's fields (``refId`` strings or layout objects, as the API sends them).
    """

    id: int
    name: str | None = None
    description: str | None = None
    type: str | None = None
    for_create: bool | None = None
    fields: list[Any] = attrs.field(factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
