"""``enspace codegen``: a Python module of typed item models from types' schemas.

One frozen attrs class per type, one attribute per field, typed by the field's kind (see
:data:`ANNOTATIONS`), ``Literal[...]`` of a dropdown's options, optional (``| None = None``)
unless the field is required; the refIds are kept in ``__enspace_fields__`` and the type in
``__enspace_type__`` (see :mod:`enspace_async._typed` for how they load and dump). The same
schemas always give the same text, which ``ruff format`` leaves as it is and ``mypy --strict``
accepts.
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._errors import ConfigurationError
from ._schema import SchemaField, TypeSchema
from ._schema._rules import OPTION_KINDS, TEXT_KINDS

if TYPE_CHECKING:
    from ._client import EnspaceClient

__all__ = ["ANNOTATIONS", "class_name", "generate", "generate_for", "identifier", "parse_type"]

#: The annotation of each field kind; option kinds get a ``Literal`` instead of ``str``.
ANNOTATIONS: dict[str, str] = {
    **dict.fromkeys(TEXT_KINDS, "str"),
    "email": "str",
    "EnlNumber": "Decimal",
    "EnCurrency": "Currency",
    "EnlDropdown": "str",
    "radioButton": "str",
    "multiSelect": "list[str]",
    "checkbox": "list[str]",
    "EnlChips": "list[str]",
    "inputSwitch": "bool",
    "EnlCheckbox": "bool",
    "EnlCalendar": "date | datetime",
    "EnRel": "Relation",
    "EnRelMulti": "list[Relation]",
    "EnAddress": "Address",
    "uploadFile": "FileRef",
    "uploadImage": "FileRef",
    "EnPDF": "FileRef",
    "group": "dict[str, Any]",
    "EnRepeater": "list[dict[str, Any]]",
}
_MODELS = ("Address", "Currency", "FileRef", "Relation")
# Names an attribute may not take: the model's own, and the names its annotations use
# (in a class body an attribute ``date`` would hide the type ``date`` from the next lines).
_RESERVED = frozenset({"reference", "extra", "attrs", "date", "datetime"}) | {
    "str", "int", "float", "bool", "list", "dict", "type", "match", "case"
}  # fmt: skip
_WIDTH = 100
_LONGEST = 40  # characters of an attribute name, so that its line fits in _WIDTH


def identifier(ref_id: str) -> str:
    """A snake_case Python identifier made of a refId (``dataInício`` → ``data_inicio``)."""
    plain = unicodedata.normalize("NFKD", ref_id).encode("ascii", "ignore").decode()
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", plain).lower()
    name = re.sub(r"[^a-z0-9]+", "_", snake)[:_LONGEST].strip("_") or "field"
    if name[0].isdigit():
        name = f"f_{name}"
    return f"{name}_" if keyword.iskeyword(name) or name in _RESERVED else name


def class_name(slug: str) -> str:
    """A class name made of a type slug, singular where a plain ``s`` ends it
    (``contratos`` → ``Contrato``, ``purchase-orders`` → ``PurchaseOrder``)."""
    plain = unicodedata.normalize("NFKD", slug).encode("ascii", "ignore").decode()
    words = [w for w in re.split(r"[^A-Za-z0-9]+", plain) if w]
    if words and re.search(r"[^su]s$", words[-1], re.IGNORECASE) and len(words[-1]) > 3:
        words[-1] = words[-1][:-1]
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Item"
    return f"Type{name}" if name[0].isdigit() else name


def _text(value: str) -> str:
    """A string literal as ``ruff format`` writes it (double quotes unless that needs more
    escapes)."""
    quoted = repr(value)
    if quoted.startswith("'") and '"' not in value:
        return '"' + quoted[1:-1].replace("\\'", "'") + '"'
    return quoted


class _Module:
    """The text of the generated module, built type by type."""

    def __init__(self) -> None:
        self.aliases: list[str] = []
        self.classes: list[str] = []
        self.names: list[str] = []
        self.uses: set[str] = set()

    def add(self, schema: TypeSchema, name: str) -> None:
        if name in self.names:
            raise ConfigurationError(
                f"two types would make the class {name}: name one with slug=Name"
            )
        self.names.append(name)
        attributes = _attribute_names(schema.fields)
        lines = [
            "@attrs.frozen(kw_only=True)",
            f"class {name}:",
            f'    """An item of type ``{schema.slug}``{_title(schema)}."""',
            "",
            _fitted("    __enspace_type__: ClassVar[str] = ", _text(schema.slug)),
            *_mapping(schema.fields, attributes),
            "",
        ]
        for field, attribute in zip(schema.fields, attributes, strict=True):
            lines.append(_attribute(attribute, *self._annotation(name, attribute, field)))
        lines += [
            "    reference: str | None = None",
            "    extra: dict[str, Any] = attrs.field(factory=dict)",
        ]
        self.classes.append("\n".join(lines))

    def _annotation(self, owner: str, attribute: str, field: SchemaField) -> tuple[str, bool]:
        base = ANNOTATIONS.get(field.kind, "Any")
        if field.kind in OPTION_KINDS and field.options:
            alias = owner + "".join(w.title() for w in attribute.split("_"))
            self.aliases.append(_literal(alias, field.options))
            base = f"list[{alias}]" if base.startswith("list") else alias
        self.uses.update(re.findall(r"[A-Za-z]+", base))
        return base, field.required

    def text(self, command: str) -> str:
        imports = ["from __future__ import annotations", ""]
        stdlib = [("datetime", ["date", "datetime"]), ("decimal", ["Decimal"])]
        for module, names in stdlib:
            if used := [n for n in names if n in self.uses]:
                imports.append(f"from {module} import {', '.join(used)}")
        typing = ["Any", "ClassVar", *(["Literal"] if self.aliases else [])]
        imports += [f"from typing import {', '.join(typing)}", "", "import attrs"]
        if models := [m for m in _MODELS if m in self.uses]:
            imports.append(f"from enspace_async.models import {', '.join(models)}")
        exported = [_text(n) for n in sorted(self.names)]
        head = [
            '"""ENSPACE item models generated from the types\' fields: do not edit.',
            "",
            "Made by (run it again after the fields change):",
            "",
            f"    {command}",
            '"""',
            "",
            *imports,
            "",
            _wrapped("__all__ = [", exported, "]"),
            "",
        ]
        text = "\n".join(head) + "\n"
        if self.aliases:
            text += "\n" + "\n".join(self.aliases) + "\n"
        return text + "".join(f"\n\n{c}\n" for c in self.classes)


def generate(types: Sequence[tuple[TypeSchema, str | None]], command: str) -> str:
    """Return the module text for ``types`` (each a schema and its class name, or ``None``
    for the one :func:`class_name` makes), headed by the ``command`` that made it.

    Raises:
        ConfigurationError: two types would make one class name.
    """
    module = _Module()
    for schema, name in types:
        module.add(schema, name or class_name(schema.slug))
    return module.text(command)


def _attribute(name: str, annotation: str, required: bool) -> str:
    """One attribute line: required ones have no default; ``| None`` only where it says more."""
    if required:
        return f"    {name}: {annotation}"
    if annotation == "Any":
        return f"    {name}: Any = None"
    line = f"    {name}: {annotation} | None = None"
    if len(line) <= _WIDTH:
        return line
    inner = f"        {annotation} | None"  # ruff format's wrapping of a long annotation
    if len(inner) > _WIDTH:
        inner = f"        {annotation}\n        | None"
    return f"    {name}: (\n{inner}\n    ) = None"


def _fitted(start: str, value: str) -> str:
    """``start value``, or the value in parentheses on a line of its own when too long."""
    line = start + value
    return line if len(line) <= _WIDTH else f"{start}(\n        {value}\n    )"


def _title(schema: TypeSchema) -> str:
    return f" ({schema.name})" if schema.name and '"' not in schema.name else ""


def _attribute_names(fields: Sequence[SchemaField]) -> list[str]:
    names: list[str] = []
    for field in fields:
        name, n = identifier(field.ref_id), 2
        while name in names:
            name, n = f"{identifier(field.ref_id)}_{n}", n + 1
        names.append(name)
    return names


def _mapping(fields: Sequence[SchemaField], attributes: Sequence[str]) -> list[str]:
    pairs = [f"{_text(a)}: {_text(f.ref_id)}" for f, a in zip(fields, attributes, strict=True)]
    opening = "    __enspace_fields__: ClassVar[dict[str, str]] = {"
    return _wrapped(opening, pairs, "}", indent="    ").split("\n")


def _literal(alias: str, options: Sequence[str]) -> str:
    return _wrapped(f"{alias} = Literal[", [_text(o) for o in options], "]")


def _wrapped(opening: str, items: Sequence[str], closing: str, indent: str = "") -> str:
    """``opening items closing`` on one line, or one item a line as ``ruff format`` does."""
    line = f"{opening}{', '.join(items)}{closing}"
    if len(line) <= _WIDTH:
        return line
    inner = "".join(f"{indent}    {item},\n" for item in items)
    return f"{opening}\n{inner}{indent}{closing}"


def parse_type(text: str) -> tuple[str, str | None]:
    """Read ``slug`` or ``slug=ClassName`` (``enspace codegen --type``).

    Raises:
        ConfigurationError: the class name is not a Python identifier.
    """
    slug, _, name = text.partition("=")
    if name and not (name.isidentifier() and not keyword.iskeyword(name)):
        raise ConfigurationError(f"--type {text!r}: {name!r} is not a valid class name")
    return slug, name or None


async def generate_for(client: EnspaceClient, specs: Sequence[str], command: str) -> str:
    """Fetch the schema of each type in ``specs`` (``slug`` or ``slug=ClassName``) and return
    the module :func:`generate` writes for them."""
    wanted = [parse_type(spec) for spec in specs]
    schemas = [(await client.types.schema(slug), name) for slug, name in wanted]
    return generate(schemas, command)
