"""Typed item values (Currency, Relation, Address, FileRef) and the integration configs."""

from __future__ import annotations

import logging
from typing import Any

import orjson
import pytest

from enspace_async import DecodeError
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
    with pytest.raises(KeyError):
        ITEM.value("missing", Currency)


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


def test_secrets_load_from_strings_and_refuse_other_types() -> None:
    assert structure({"token": None}, CertisignConfig).token is None
    with pytest.raises(DecodeError) as caught:
        structure({"token": 42}, CertisignConfig)
    assert caught.value.path == "$.token"
    assert "42" not in caught.value.message


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
