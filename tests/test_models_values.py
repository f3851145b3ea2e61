"""Typed item values (Currency, Relation, Address, FileRef) and the integration configs."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import orjson
import pytest

from enspace_async import ConfigurationError, DecodeError
from enspace_async._config import Secret
from enspace_async._converter import dumps, structure, unstructure
from enspace_async.models import (
    Address,
    AdobeSignConfig,
    CertisignConfig,
    ClicksignConfig,
    Currency,
    D4SignConfig,
    DocusignConfig,
    Environment,
    FileRef,
    Integration,
    Item,
    OpenAIConfig,
    RawIntegrationConfig,
    Relation,
    SendGridConfig,
    WhatsAppTwilioConfig,
)

CURRENCY = {"currency": "USD", "value": 3750.25, "originalValue": 3750.25}
RELATION = {"id": 43887, "display": "Fornecedor X", "reference": "FORNC55D9212D9"}
ADDRESS = {
    "street": "Rua A",
    "number": "10",
    "complement": "apto 2",
    "neighborhood": "Centro",
    "city": "Recife",
    "state": "PE",
    "zip": "50000-000",
    "country": "BR",
}
FILE = {
    "url": "https://f.example/x.pdf",
    "filename": "x.pdf",
    "mime": "application/pdf",
    "size": 12,
}
ITEM = Item(
    id=11,
    reference="DEM11",
    data={
        "preco": CURRENCY,
        "fornecedor": RELATION,
        "outros": [RELATION, {"id": 2, "reference": "R2"}],
        "endereco": ADDRESS,
        "contrato": FILE,
        "nome": "Ana",
    },
)


def test_values_read_back_from_item_data() -> None:
    assert ITEM.value("preco", Currency) == Currency(
        currency="USD", value=3750.25, original_value=3750.25
    )
    assert ITEM.value("fornecedor", Relation) == Relation(
        id=43887, reference="FORNC55D9212D9", display="Fornecedor X"
    )
    assert ITEM.value("outros", list[Relation])[1] == Relation(id=2, reference="R2")
    assert ITEM.value("endereco", Address).city == "Recife"
    assert ITEM.value("contrato", FileRef).size == 12


def test_a_value_of_the_wrong_shape_raises_decode_error_with_its_path() -> None:
    with pytest.raises(DecodeError) as caught:
        ITEM.value("fornecedor", Currency)
    assert caught.value.path == "$.data.fornecedor.currency"
    assert "DEM11" in str(caught.value)
    with pytest.raises(DecodeError) as caught:
        ITEM.value("outros", list[Currency])
    assert caught.value.path.startswith("$.data.outros[0]")
    with pytest.raises(DecodeError, match="absent") as caught:
        ITEM.value("missing", Currency)
    assert caught.value.path == "$.data.missing"


@pytest.mark.parametrize("kind", [Currency, Relation, Address, FileRef])
@pytest.mark.parametrize("raw", [None, 3750.25, "43887x", True, [1]])
def test_a_value_that_is_no_object_raises_with_its_path(kind: type, raw: Any) -> None:
    item = Item(id=1, reference="R1", data={"v": raw})
    with pytest.raises(DecodeError) as caught:
        item.value("v", kind)
    assert caught.value.path == "$.data.v"
    assert orjson.dumps(raw).decode() in caught.value.message


@pytest.mark.parametrize("kind", [Currency, Address, FileRef])
def test_a_bare_id_is_no_currency_address_or_file(kind: type) -> None:
    with pytest.raises(DecodeError) as caught:
        Item(id=1, reference="R1", data={"v": 43887}).value("v", kind)
    assert caught.value.path == "$.data.v"


def test_a_relation_may_be_a_bare_id() -> None:
    item = Item(id=1, reference="R1", data={"a": 43887, "b": "43887", "c": [7, {"id": 8}]})
    assert item.value("a", Relation) == Relation(id=43887)
    assert item.value("b", Relation) == Relation(id=43887)
    assert item.value("c", list[Relation]) == [Relation(id=7), Relation(id=8)]
    assert unstructure(Relation(id=7)) == {"id": 7}


def test_files_keep_mime_type_and_a_list_decodes_as_a_list() -> None:
    one = {"url": "https://f/a.png", "filename": "a.png", "mimeType": "image/png", "size": 9}
    item = Item(id=1, reference="R1", data={"foto": one, "anexos": [one, FILE]})
    assert item.value("foto", FileRef).mime == "image/png"
    files = item.value("anexos", list[FileRef])
    assert [f.mime for f in files] == ["image/png", "application/pdf"]


def test_money_is_sent_exactly_as_a_decimal_and_read_back_as_one() -> None:
    price = Currency(currency="BRL", value=Decimal("3750.10"))
    body = dumps({"data": {"preco": price, "taxa": Decimal("0.1"), "big": Decimal("1E+2")}})
    assert body == (
        b'{"data":{"preco":{"currency":"BRL","value":3750.10,"originalValue":3750.10},'
        b'"taxa":0.1,"big":1E+2}}'
    )
    read = Item(id=1, reference="R1", data=orjson.loads(body)["data"]).value("preco", Currency)
    assert read.amount == Decimal("3750.1")
    assert Currency(currency="BRL", value=0.1 + 0.2).amount == Decimal("0.30000000000000004")
    assert structure(CURRENCY, Currency).amount == Decimal("3750.25")


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity"), object(), 1j])
def test_what_json_cannot_hold_is_a_configuration_error(bad: Any) -> None:
    with pytest.raises(ConfigurationError, match="cannot send") as caught:
        dumps({"data": {"x": bad}})
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


def test_values_write_their_wire_form() -> None:
    data = {
        "preco": Currency(currency="BRL", value=10),
        "fornecedor": Relation(id=1, reference="R1", display="ignored on write"),
        "outros": [Relation(id=2, reference="R2")],
        "endereco": Address(city="Recife", number=10),
        "contrato": FileRef(url="https://f/x"),
    }
    assert orjson.loads(dumps({"data": data})) == {
        "data": {
            "preco": {"currency": "BRL", "value": 10, "originalValue": 10},
            "fornecedor": {"id": 1, "reference": "R1"},
            "outros": [{"id": 2, "reference": "R2"}],
            "endereco": {"city": "Recife", "number": 10},
            "contrato": {"url": "https://f/x"},
        }
    }


@pytest.mark.parametrize("wire", [CURRENCY, ADDRESS, FILE])
def test_value_helpers_round_trip(wire: dict[str, Any]) -> None:
    kind = {3: Currency, 8: Address, 4: FileRef}[len(wire)]
    assert unstructure(structure(wire, kind)) == wire


CONFIGS: list[tuple[Any, int, dict[str, Any]]] = [
    (
        CertisignConfig(
            environment="stage",
            change_keys=True,
            token="tok-123",
            webhook_catcher_endpoint="https://hook",
        ),
        1,
        {
            "environment": "stage",
            "changeKeys": True,
            "token": "tok-123",
            "webhookCatcherEndpoint": "https://hook",
        },
    ),
    (AdobeSignConfig(extra={"clientId": "c"}), 2, {"clientId": "c"}),
    (D4SignConfig(environment=Environment.PRODUCTION), 3, {"environment": "production"}),
    (
        SendGridConfig(environment="production", api_key="SG.k", from_email="a@b.c", from_name="A"),
        4,
        {"environment": "production", "api_key": "SG.k", "from_email": "a@b.c", "from_name": "A"},
    ),
    (
        ClicksignConfig(environment="stage", change_keys=False, webhook_catcher_endpoint="h"),
        5,
        {"environment": "stage", "changeKeys": False, "webhookCatcherEndpoint": "h"},
    ),
    (
        WhatsAppTwilioConfig(
            phone_number="+5581",
            change_keys=True,
            autoclose_hours=1,
            autoclose_minutes=30,
            send_autoclose_message_minutes=5,
            autoclose_message="bye",
            post_autoclose_message="closed",
        ),
        6,
        {
            "phone_number": "+5581",
            "changeKeys": True,
            "autoclose_hours": 1,
            "autoclose_minutes": 30,
            "send_autoclose_message_minutes": 5,
            "autoclose_message": "bye",
            "post_autoclose_message": "closed",
        },
    ),
    (OpenAIConfig(api_key="sk-1", extra={"model": "gpt"}), 7, {"api_key": "sk-1", "model": "gpt"}),
    (
        DocusignConfig(environment="stage", change_keys=True),
        8,
        {"environment": "stage", "changeKeys": True},
    ),
    (
        RawIntegrationConfig(42, {"region": "sa", "password": "pw"}),
        42,
        {"region": "sa", "password": "pw"},
    ),
]


@pytest.mark.parametrize(("config", "ident", "wire"), CONFIGS)
def test_configs_write_wire_keys_with_the_provider_id(
    config: Any, ident: int, wire: dict[str, Any]
) -> None:
    assert config.integration_id == ident
    assert orjson.loads(orjson.dumps(config.wire_data())) == wire


@pytest.mark.parametrize(("config", "ident", "wire"), CONFIGS[:-1])
def test_typed_configs_round_trip(config: Any, ident: int, wire: dict[str, Any]) -> None:
    assert structure(wire, type(config)) == config


@pytest.mark.parametrize(
    "config",
    [
        CertisignConfig(environment="stage", token="tok-123"),
        SendGridConfig(api_key="tok-123"),
        OpenAIConfig(api_key="tok-123"),
        AdobeSignConfig(extra={"clientSecret": "tok-123", "integrationKey": "tok-123"}),
        RawIntegrationConfig(
            9, {"token": "tok-123", "api_key": "tok-123", "clientSecret": "tok-123"}
        ),
        structure({"id": 1, "data": {"token": "tok-123"}}, Integration),
    ],
)
def test_secrets_never_show_in_repr_str_or_logs(
    config: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").debug("config %s %r", config, config)
    for text in (repr(config), str(config), caplog.text):
        assert "tok-123" not in text


def test_secret_attributes_hold_secrets() -> None:
    config = SendGridConfig(api_key="SG.k")
    assert isinstance(config.api_key, Secret)
    assert config.api_key.reveal() == "SG.k"
    assert SendGridConfig(api_key=Secret("SG.k")) == config


def test_environment_is_checked() -> None:
    with pytest.raises(ValueError, match="qa"):
        D4SignConfig(environment="qa")


def test_secrets_load_from_strings_and_keep_other_types_raw_and_masked() -> None:
    assert structure({"token": None}, CertisignConfig).token is None
    assert structure({"token": "t"}, CertisignConfig).token == Secret("t")
    odd = structure({"token": 42}, CertisignConfig)
    assert (odd.token, odd.extra) == (None, {"token": 42})
    assert "42" not in repr(odd)


def test_a_relation_drops_its_display_on_write_only() -> None:
    relation = structure(RELATION, Relation)
    assert relation.display == "Fornecedor X"
    assert unstructure(relation) == {"id": 43887, "reference": "FORNC55D9212D9"}


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("token", True),
        ("api_key", True),
        ("apiKey", True),
        ("clientSecret", True),
        ("password", True),
        ("integrationKey", True),
        ("changeKeys", False),
        ("webhookCatcherEndpoint", False),
        ("from_email", False),
    ],
)
def test_which_keys_look_secret(key: str, secret: bool) -> None:
    shown = repr(RawIntegrationConfig(1, {key: "tok-123"}))
    assert ("tok-123" not in shown) is secret
