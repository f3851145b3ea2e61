"""Which field each column of a file fills, decided from the header before anything is sent.

A column is a field's refId, or its name or label (case and spacing aside: ``Valor Total``
fills ``valor_total`` when that field is labelled so). The item columns ``enspace export``
writes (``reference``, ``id``, ``status``, timestamps) are left out unless a field has that
name. Any other column is an error naming the valid refIds, unless it is ignored
(``--ignore-unknown-columns``); a column without a name is left out while its cells are empty.
"""

from __future__ import annotations

from collections.abc import Iterable

from .._schema import TypeSchema, closest
from ._running import UserError

__all__ = ["ITEM_COLUMNS", "Columns"]

ITEM_COLUMNS = ("reference", "id", "status", "created_at", "updated_at")


def _word(text: str) -> str:
    return " ".join(text.split()).casefold()


class Columns:
    """The columns of a file mapped to refIds (``None``: a column to leave out).

    Args:
        schema: the type's schema (``client.types.schema``: its fields, names and labels).
        ignore_unknown: leave out columns that are not fields instead of refusing them.
    """

    def __init__(self, schema: TypeSchema, *, ignore_unknown: bool = False):
        self._slug, self._ignore = schema.slug, ignore_unknown
        self._refs = [f.ref_id for f in schema.fields]
        self._words: dict[str, set[str]] = {}
        for f in schema.fields:
            for word in {f.ref_id, f.name, f.label} - {None}:
                self._words.setdefault(_word(str(word)), set()).add(f.ref_id)
        self._known: dict[str, str | None] = {}
        self.ignored: list[str] = []  # the unknown columns left out, in order of appearance

    def resolve(self, columns: Iterable[str]) -> dict[str, str | None]:
        """Map ``columns`` (a header, or a JSON row's keys) to refIds.

        Raises:
            UserError: a column is not a field (unless ignored), could be two fields, or
                fills the same field as another column.
        """
        unknown = [c for c in columns if c not in self._known and self._learn(c)]
        if unknown and not self._ignore:
            raise UserError(self._unknown_message(unknown))
        self.ignored += unknown
        mapping = {c: self._known.get(c) for c in columns}
        self._check_distinct(mapping)
        return mapping

    def _learn(self, column: str) -> bool:
        """Record what ``column`` fills; return whether it is unknown."""
        found = {column} if column in self._refs else self._words.get(_word(column), set())
        if len(found) > 1:
            raise UserError(
                f"column {column!r} could be any of the fields {', '.join(sorted(found))} of "
                f"type {self._slug!r}: name the column by the refId"
            )
        blank = not column.strip() or (column in ITEM_COLUMNS and not found)
        self._known[column] = next(iter(found), None)
        return not found and not blank

    def _unknown_message(self, unknown: list[str]) -> str:
        names = ", ".join(repr(c) for c in unknown)
        hints = [f"{c!r} → {s!r}" for c in unknown if (s := closest(c, self._refs))]
        hint = f" (did you mean {', '.join(hints)}?)" if hints else ""
        return (
            f"unknown column{'s' * (len(unknown) > 1)} {names} for type {self._slug!r}{hint}: "
            f"columns must be the refIds {', '.join(self._refs)} (or the fields' names or "
            "labels); pass --ignore-unknown-columns to leave the others out"
        )

    def _check_distinct(self, mapping: dict[str, str | None]) -> None:
        by_ref: dict[str, str] = {}
        for column, ref in mapping.items():
            if ref is None:
                continue
            if ref in by_ref:
                raise UserError(
                    f"columns {by_ref[ref]!r} and {column!r} both fill the field {ref!r}"
                )
            by_ref[ref] = column
