"""A type's schema (its fields, their kinds, required flags, options and relation targets) and
the local validation of item values against it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import orjson

from .._errors import ConfigurationError
from .._kinds import show
from ..models import Field
from ._rules import CHECKS, OPTION_KINDS, Check, closest
from ._text import TextFormat, from_text

__all__ = ["Problem", "SchemaField", "TypeSchema"]

_FORMAT = 1  # the version of the JSON written by TypeSchema.dump()
# Assumed (the docs are silent): a relation field names the type it links to in its config.
_TARGET_KEY = "item_type"


@attrs.frozen
class Problem:
    """What is wrong with one value of a row.

    Attributes:
        ref_id: the field's refId (the row's key).
        message: the problem, as the end of a sentence about the field (``"must be a number"``).
        value: the value that does not fit (``None`` for a missing one).
        suggestion: for an unknown refId, the field it most likely means.
    """

    ref_id: str
    message: str
    value: Any = None
    suggestion: str | None = None

    def __str__(self) -> str:
        return f"{self.ref_id} {self.detail}"

    @property
    def detail(self) -> str:
        """The problem without the refId: ``must be a number, got "many"``."""
        text = self.message
        if self.value is not None:
            text += f", got {show(self.value)}"
        if self.suggestion is not None:
            text += f" (did you mean {self.suggestion!r}?)"
        return text


def _texts(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _fields(values: Iterable[SchemaField]) -> tuple[SchemaField, ...]:
    return tuple(values)


def _options(field: Field) -> tuple[str, ...]:
    return tuple(str(o.value) for o in field.options)


def _target(config: Mapping[str, Any]) -> str | None:
    target = config.get(_TARGET_KEY)
    if isinstance(target, dict):
        target = target.get("slug")
    return target if isinstance(target, str) and target else None


@attrs.frozen(kw_only=True)
class SchemaField:
    """One field of a :class:`TypeSchema`.

    Attributes:
        ref_id: the key of its values in ``item.data``.
        kind: its type key (``"EnlNumber"``), as the API names it; unknown kinds are kept.
        required: whether an item must have a value for it.
        options: the choices of a dropdown, radio, multi-select or checkbox field, as text.
        target: for a relation field, the slug of the type it links to, when the API says.
        label: its label (its name when it has none), for messages.
        name: its name, which a CSV column may use instead of the refId.
    """

    ref_id: str
    kind: str
    required: bool = False
    options: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    target: str | None = None
    label: str | None = None
    name: str | None = None
    choices: frozenset[str] = attrs.field(init=False, eq=False, repr=False)
    rule: Check | None = attrs.field(init=False, eq=False, repr=False)

    @choices.default
    def _choices(self) -> frozenset[str]:
        return frozenset(self.options)

    @rule.default
    def _rule(self) -> Check | None:
        return CHECKS.get(self.kind)

    @classmethod
    def of(cls, field: Field) -> SchemaField:
        """The schema of a field as the API describes it."""
        return cls(
            ref_id=field.refId,
            kind=str(field.type or ""),
            required=bool(field.required),
            options=_options(field) if str(field.type) in OPTION_KINDS else (),
            target=_target(field.config),
            label=field.label or field.name,
            name=field.name,
        )

    def check(self, value: Any) -> str | None:
        """Return what is wrong with ``value`` for this field (``None`` if it fits)."""
        if value is None:
            return "is required" if self.required else None
        return None if self.rule is None else self.rule(value, self)


@attrs.frozen
class TypeSchema:
    """The fields of a type, to validate rows against before sending them.

    Get one with ``await client.types.schema("contratos")``; save it with :meth:`dump` and
    read it back offline with :meth:`load`.

    Attributes:
        slug: the type's slug.
        fields: its fields, in the API's order.
        name: the type's name.
    """

    slug: str
    fields: tuple[SchemaField, ...] = attrs.field(converter=_fields)
    name: str | None = None
    _by_ref: dict[str, SchemaField] = attrs.field(init=False, eq=False, repr=False)
    _required: tuple[SchemaField, ...] = attrs.field(init=False, eq=False, repr=False)

    @_by_ref.default
    def _index(self) -> dict[str, SchemaField]:
        return {f.ref_id: f for f in self.fields}

    @_required.default
    def _required_fields(self) -> tuple[SchemaField, ...]:
        return tuple(f for f in self.fields if f.required)

    @classmethod
    def of(cls, slug: str, fields: Iterable[Field], name: str | None = None) -> TypeSchema:
        """Build the schema of type ``slug`` from its :class:`~enspace_async.models.Field` s."""
        return cls(slug, [SchemaField.of(f) for f in fields], name)

    def field(self, ref_id: str) -> SchemaField | None:
        """Return the field ``ref_id``, or ``None``."""
        return self._by_ref.get(ref_id)

    def validate(self, row: Mapping[str, Any], *, partial: bool = False) -> list[Problem]:
        """Return every problem of ``row`` (``{refId: value}``); an empty list when it fits.

        Args:
            row: the values, as ``items.create`` takes them (wire values or the SDK's models).
            partial: the row is an update: fields it leaves out are not missing.
        """
        problems: list[Problem] = []
        by_ref = self._by_ref
        for ref_id, value in row.items():
            field = by_ref.get(ref_id)
            if field is None:
                problems.append(self._unknown(ref_id))
                continue
            if value is None:  # field.check(value), inlined: this loop is the hot path
                message = "is required" if field.required else None
            else:
                message = None if field.rule is None else field.rule(value, field)
            if message is not None:
                problems.append(self._misfit(field, message, value))
        if not partial:
            missing = [f for f in self._required if f.ref_id not in row]
            problems += [Problem(f.ref_id, "is required") for f in missing]
        return problems

    def _unknown(self, ref_id: str) -> Problem:
        message = f"is not a field of type {self.slug!r}"
        word = ref_id.lower()  # a column named by the field's label is a common mistake
        named = [
            f.ref_id for f in self.fields if word in ((f.label or "").lower(), f.ref_id.lower())
        ]
        suggestion = named[0] if named else closest(ref_id, self._by_ref)
        return Problem(ref_id, message, suggestion=suggestion)

    def _misfit(self, field: SchemaField, message: str, value: Any) -> Problem:
        suggestion = None
        if field.options and type(value) is str:
            suggestion = closest(value, field.options)
        return Problem(field.ref_id, message, value, suggestion)

    def from_text(
        self, row: Mapping[str, str | None], fmt: TextFormat | None = None
    ) -> dict[str, Any]:
        """Convert the text cells of a CSV row by their fields' kinds (empty cells are left out).

        See :mod:`enspace_async._schema._text` for what each kind reads; a column that is not a
        field stays text, for :meth:`validate` to report.
        """
        by_ref = self._by_ref
        result: dict[str, Any] = {}
        for name, cell in row.items():
            if cell:
                field = by_ref.get(name)
                result[name] = from_text(cell, field.kind if field else None, fmt)
        return result

    def dump(self) -> str:
        """Return the schema as JSON text, for :meth:`load` (the same schema, the same text)."""
        fields = [
            {
                "refId": f.ref_id,
                "type": f.kind,
                "required": f.required,
                "options": list(f.options),
                "target": f.target,
                "label": f.label,
                "name": f.name,
            }
            for f in self.fields
        ]
        body = {"enspace_schema": _FORMAT, "slug": self.slug, "name": self.name, "fields": fields}
        return orjson.dumps(body, option=orjson.OPT_INDENT_2).decode() + "\n"

    @classmethod
    def load(cls, text: str | bytes) -> TypeSchema:
        """Read a schema written by :meth:`dump`.

        Raises:
            ConfigurationError: the text is not such a schema (the message says what is wrong).
        """
        try:
            body = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise ConfigurationError(f"a saved schema must be JSON ({exc.msg})") from None
        if not isinstance(body, dict) or body.get("enspace_schema") != _FORMAT:
            raise ConfigurationError(
                f'not a saved schema: expected an object with "enspace_schema": {_FORMAT} '
                "(write one with TypeSchema.dump())"
            )
        try:
            fields = [_loaded_field(f) for f in body["fields"]]
            return cls(body["slug"], fields, body.get("name"))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigurationError(f"a saved schema is damaged: {exc!r}") from None


def _loaded_field(body: dict[str, Any]) -> SchemaField:
    kind, ref_id = body["type"], body["refId"]
    if not isinstance(ref_id, str) or not isinstance(kind, str):
        raise TypeError(f"refId and type must be strings in {body!r}")
    return SchemaField(
        ref_id=ref_id,
        kind=kind,
        required=bool(body.get("required")),
        options=[str(o) for o in body.get("options") or ()],
        target=body.get("target"),
        label=body.get("label"),
        name=body.get("name"),
    )
