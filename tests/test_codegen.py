"""``enspace codegen``: typed models for a type with every field kind, deterministic, clean under
``ruff`` and ``mypy --strict``, and round-tripping items through the emulator."""

from __future__ import annotations

import asyncio
import importlib.util
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import pytest_asyncio
from typer.testing import CliRunner

from enspace_async import ConfigurationError, DecodeError, SchemaField, TypeSchema
from enspace_async._codegen import class_name, generate, identifier
from enspace_async.cli._app import app
from enspace_async.models import Address, Currency, FieldType, FileRef, Relation
from enspace_async.testing import EnspaceEmulator

OPTIONS = [{"value": "baixa"}, {"value": "alta"}, {"value": 'it\'s "odd"'}]
SPECIAL = {"EnlDropdown", "radioButton", "multiSelect", "checkbox"}
REQUIRED = {"inputText", "EnlNumber", "EnlDropdown", "EnRel"}
# Every kind, refIds as users write them (accents, camelCase, spaces, keywords).
FIELDS = [
    {
        "name": f"campo {kind.value}",
        "slug": f"{kind.value}Campo",
        "type": kind.value,
        "required": kind.value in REQUIRED,
        **({"options": OPTIONS} if kind.value in SPECIAL else {}),
    }
    for kind in FieldType
] + [
    {"name": "número", "slug": "número", "type": "inputText"},
    {"name": "class", "slug": "class", "type": "EnlNumber"},
    {"name": "date", "slug": "date", "type": "EnlCalendar"},
    {"name": "future", "slug": "kindFromTheFuture", "type": "EnHologram"},
]
COMMAND = ["codegen", "--type", "contratos", "--type", "firms=Firm"]


pytestmark = pytest.mark.emulator(
    seed=11, types={"firms": {"name": "inputText"}, "contratos": FIELDS}
)


async def invoke(emu: EnspaceEmulator, *args: str) -> Any:
    env = {
        "ENSPACE_API_KEY": emu.api_key,
        "ENSPACE_API_URL": emu.url,
        "ENSPACE_WORKSPACE_ID": "acme",
    }
    runner = CliRunner(env=env)
    async with asyncio.timeout(30):
        return await asyncio.to_thread(runner.invoke, app, list(args))


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # get_type_hints reads the module's names from here
    spec.loader.exec_module(module)
    return module


@pytest_asyncio.fixture
async def generated(emu: EnspaceEmulator, tmp_path: Path) -> AsyncIterator[tuple[Path, ModuleType]]:
    path = tmp_path / "models_contratos.py"
    result = await invoke(emu, *COMMAND, "-o", str(path))
    assert result.exit_code == 0, result.output
    assert f"wrote {path} (2 types)" in result.output
    yield path, load(path)
    sys.modules.pop(path.stem, None)


async def test_codegen_twice_writes_the_same_file(
    emu: EnspaceEmulator, generated: tuple[Path, ModuleType], tmp_path: Path
) -> None:
    path, _ = generated
    second = tmp_path / "again" / path.name
    second.parent.mkdir()
    again = await invoke(emu, *COMMAND, "-o", str(second))
    assert again.exit_code == 0, again.output
    assert second.read_bytes() == path.read_bytes()
    printed = await invoke(emu, *COMMAND)  # to standard output: the same, but for the command
    assert printed.stdout == path.read_text(encoding="utf-8").replace(" -o models_contratos.py", "")
    text = path.read_text(encoding="utf-8")
    assert "enspace codegen --type contratos --type firms=Firm -o models_contratos.py" in text
    for line in [
        "class Contrato:",
        "class Firm:",
        'ContratoEnlDropdownCampo = Literal["baixa", "alta", \'it\\\'s "odd"\']',
        "    input_text_campo: str",
        "    enl_number_campo: Decimal",
        "    en_currency_campo: Currency | None = None",
        "    enl_dropdown_campo: ContratoEnlDropdownCampo",
        "    multi_select_campo: list[ContratoMultiSelectCampo] | None = None",
        "    enl_chips_campo: list[str] | None = None",
        "    enl_calendar_campo: date | datetime | None = None",
        "    en_rel_campo: Relation",
        "    en_rel_multi_campo: list[Relation] | None = None",
        "    en_address_campo: Address | None = None",
        "    upload_file_campo: FileRef | None = None",
        "    en_repeater_campo: list[dict[str, Any]] | None = None",
        "    kind_from_the_future: Any = None",
        '        "numero": "número",',
        '        "class_": "class",',
        '        "date_": "date",',
    ]:
        assert line in text.splitlines(), line


def test_the_generated_file_passes_ruff_and_mypy_strict(generated: tuple[Path, ModuleType]) -> None:
    path, _ = generated
    rules = ["--isolated", "--line-length", "100", "--target-version", "py311"]
    lint = [*rules, "--select", "E,F,W,I,B,UP,RUF,SIM,C4,RET,PT,ASYNC", "--ignore", "E501"]
    for args in (["format", "--check", *rules], ["check", *lint]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *args, path.name],
            cwd=path.parent,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    typed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert typed.returncode == 0, typed.stdout + typed.stderr


async def test_items_round_trip_through_the_emulator_as_models(
    emu: EnspaceEmulator, generated: tuple[Path, ModuleType]
) -> None:
    _, models = generated
    Contrato, Firm = models.Contrato, models.Firm
    async with emu.client() as client, asyncio.timeout(10):
        firm_item = await client.items.create("firms", Firm(name="Acme"))
        firm = await client.items.get_as("firms", firm_item.reference, Firm)
        assert (firm.name, firm.reference) == ("Acme", firm_item.reference)
        link = Relation(id=firm_item.id, reference=firm_item.reference)
        contrato = Contrato(
            input_text_campo="C-1",
            en_text_area_campo="long\ntext",
            email_campo="a@b.co",
            enl_number_campo=Decimal("3750.25"),
            en_currency_campo=Currency(currency="BRL", value=Decimal("10.50")),
            enl_dropdown_campo="alta",
            radio_button_campo='it\'s "odd"',
            multi_select_campo=["baixa", "alta"],
            checkbox_campo=[],
            enl_chips_campo=["x", "y"],
            input_switch_campo=True,
            enl_checkbox_campo=False,
            enl_calendar_campo=date(2026, 3, 12),
            en_rel_campo=link,
            en_rel_multi_campo=[link],
            en_address_campo=Address(city="Recife", number="12"),
            upload_file_campo=FileRef(url="https://f/x.txt", filename="x.txt"),
            group_campo={"a": 1},
            en_repeater_campo=[{"a": 1}],
            numero="12/2026",
            class_=Decimal(7),
            date_=datetime(2026, 3, 12, 9, 30, tzinfo=UTC),
            kind_from_the_future=[1, "two"],
        )
        item = await client.items.create("contratos", contrato)
        stored = emu.item(item.reference)
        assert stored is not None
        assert stored["data"]["número"] == "12/2026"
        assert stored["data"]["EnlCalendarCampo"] == "2026-03-12"
        assert stored["data"]["date"] == "2026-03-12T09:30:00.000Z"
        assert "EnTextAreaCampo" in stored["data"]
        assert "EnlMaskCampo" not in stored["data"]  # None is left out
        back = await client.items.get_as("contratos", item.reference, Contrato)
        listed = await client.items.list_as("contratos", Contrato).collect()
    expected = attrs_evolve(
        contrato,
        reference=item.reference,
        en_rel_campo=Relation(id=firm_item.id, reference=firm_item.reference, display="Acme"),
        en_rel_multi_campo=[
            Relation(id=firm_item.id, reference=firm_item.reference, display="Acme")
        ],
    )
    assert back == expected
    assert listed == [expected]
    assert type(back.enl_number_campo) is Decimal


def attrs_evolve(model: Any, **changes: Any) -> Any:
    import attrs

    return attrs.evolve(model, **changes)


async def test_values_that_no_longer_fit_are_kept_and_required_ones_are_named(
    emu: EnspaceEmulator, generated: tuple[Path, ModuleType]
) -> None:
    _, models = generated
    async with emu.client() as client, asyncio.timeout(10):
        firm = await client.items.create("firms", {"name": "Acme"})
        # Since codegen: a new option, a new field, and a field made required.
        dropdown = next(
            f
            for f in await client.fields.list("contratos").collect()
            if f.refId == "radioButtonCampo"
        )
        await client.fields.update("contratos", dropdown.id, options=[*OPTIONS, {"value": "nova"}])
        await client.fields.create("contratos", name="novo", slug="novo", type="inputText")
        base = {
            "inputTextCampo": "C-2",
            "EnlNumberCampo": 1,
            "EnlDropdownCampo": "baixa",
            "EnRelCampo": {"id": firm.id, "reference": firm.reference},
        }
        item = await client.items.create(
            "contratos", {**base, "radioButtonCampo": "nova", "novo": "x"}
        )
        loaded = await client.items.get_as("contratos", item.reference, models.Contrato)
        assert loaded.radio_button_campo is None
        assert loaded.extra == {"radioButtonCampo": "nova", "novo": "x"}
        again = await client.items.create("contratos", loaded)  # written back as it was read
        assert emu.item(again.reference)["data"]["radioButtonCampo"] == "nova"  # type: ignore[index]

        emu.item(item.reference)["data"].pop("EnlNumberCampo")  # type: ignore[index] # stored before it was required
        with pytest.raises(DecodeError, match=r"data\.EnlNumberCampo has no value") as missing:
            await client.items.get_as("contratos", item.reference, models.Contrato)
        assert missing.value.path == "$.data.EnlNumberCampo"
        with pytest.raises(ConfigurationError, match="generated for type 'firms', not 'contratos'"):
            await client.items.get_as("contratos", item.reference, models.Firm)
        with pytest.raises(ConfigurationError, match="generated for type 'contratos'"):
            await client.items.create("firms", loaded)


async def test_codegen_errors_are_one_line(emu: EnspaceEmulator) -> None:
    for args, text in [
        (["codegen", "--type", "ghosts"], "404"),
        (["codegen", "--type", "firms=not a name"], "is not a valid class name"),
        (["codegen", "--type", "firms", "--type", "firms"], "two types would make the class Firm"),
    ]:
        result = await invoke(emu, *args)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        assert text in result.output


@pytest.mark.parametrize(
    ("ref_id", "expected"),
    [
        ("dataInício", "data_inicio"),
        ("EnPDFCampo", "en_pdf_campo"),
        ("Valor Total (R$)", "valor_total_r"),
        ("2via", "f_2via"),
        ("class", "class_"),
        ("reference", "reference_"),
        ("extra", "extra_"),
        ("date", "date_"),
        ("___", "field"),
        ("x" * 60, "x" * 40),
    ],
)
def test_identifiers_from_refids(ref_id: str, expected: str) -> None:
    assert identifier(ref_id) == expected


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("contratos", "Contrato"),
        ("purchase-orders", "PurchaseOrder"),
        ("status", "Status"),
        ("2024", "Type2024"),
    ],
)
def test_class_names_from_slugs(slug: str, expected: str) -> None:
    assert class_name(slug) == expected


def test_two_fields_with_one_identifier_get_two_attributes() -> None:
    schema = TypeSchema(
        "x",
        [SchemaField(ref_id="a-b", kind="inputText"), SchemaField(ref_id="a_b", kind="inputText")],
    )
    text = generate([(schema, "X")], "enspace codegen --type x")
    assert '{"a_b": "a-b", "a_b_2": "a_b"}' in text
