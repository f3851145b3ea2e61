"""Types' schemas, local validation of item values, and values from CSV text (see
:class:`TypeSchema`); the rule each kind follows is in :mod:`._rules`."""

from ._rules import CHECKS, closest, parse_calendar
from ._schema import Problem, SchemaField, TypeSchema
from ._text import TextFormat, from_text

__all__ = [
    "CHECKS",
    "Problem",
    "SchemaField",
    "TextFormat",
    "TypeSchema",
    "closest",
    "from_text",
    "parse_calendar",
]
