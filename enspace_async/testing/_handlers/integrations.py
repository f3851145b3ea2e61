"""Integrations: provider settings validated, secrets (``token``, ``api_key``) kept, never echoed."""

from __future__ import annotations

from typing import Any

from .._context import Ctx, handles
from .._problems import invalid
from .._store import Row
from . import _shapes as shapes
from ._common import get_row, list_rows, new_row

__all__ = ["PROVIDERS"]


def _provider(ident: int, name: str, slug: str, category: str, keys: str) -> dict[str, Any]:
    return {
        "row": {
            "id": ident,
            "name": name,
            "description": f"{name} integration",
            "category": category,
            "slug": slug,
            "created_at": "2024-01-01T00:00:00.000Z",
            "updated_at": "2024-01-01T00:00:00.000Z",
            "media": [],
        },
        "keys": set(keys.split()) if keys else None,
    }


PROVIDERS: dict[int, dict[str, Any]] = {
    1: _provider(
        1,
        "Certisign",
        "certisign",
        "signature",
        "environment changeKeys token webhookCatcherEndpoint",
    ),
    2: _provider(2, "Adobe Sign", "adobe-sign", "signature", ""),
    3: _provider(3, "D4Sign", "d4sign", "signature", "environment changeKeys"),
    4: _provider(4, "SendGrid", "sendgrid", "email", "environment api_key from_email from_name"),
    5: _provider(
        5, "Clicksign", "clicksign", "signature", "environment changeKeys webhookCatcherEndpoint"
    ),
    6: _provider(
        6,
        "WhatsApp Twilio",
        "whatsapp-twilio",
        "messaging",
        "changeKeys phone_number autoclose_hours autoclose_minutes send_autoclose_message_minutes "
        "autoclose_message post_autoclose_message",
    ),
    7: _provider(7, "OpenAI", "openai", "ai", ""),
    8: _provider(8, "Docusign", "docusign", "signature", "environment changeKeys"),
}
SECRETS = ("token", "api_key")


@handles("integrations.list")
def list_integrations(ctx: Ctx) -> list[Row]:
    """GET /integrations."""
    return shapes.integrations(ctx, list_rows(ctx, ctx.ws.collections["integrations"]))


@handles("integrations.get")
def get_integration(ctx: Ctx) -> Row:
    """GET /integrations/{integration_id}."""
    row = get_row(ctx, ctx.ws.collections["integrations"], "integration_id", "integration")
    return shapes.integration(ctx, row)


def _check_settings(provider: dict[str, Any], data: Any) -> list[str]:
    if not isinstance(data, dict):
        return ["data must be an object"]
    keys, name = provider["keys"], provider["row"]["name"]
    errors = []
    if keys is not None:
        errors += [f"data.{k} is not a {name} setting" for k in data if k not in keys]
        errors += [f"data.{k} is required" for k in keys & {"environment", *SECRETS} - data.keys()]
    if "environment" in data and data["environment"] not in ("stage", "production"):
        errors.append("data.environment must be one of ['stage', 'production']")
    return errors


@handles("integrations.create", status=201)
def create_integration(ctx: Ctx) -> Row:
    """POST /integrations: settings are checked; ``token``/``api_key`` are kept, never echoed."""
    body = ctx.body()
    which = body.get("integration")
    ident = which.get("id") if isinstance(which, dict) else which
    provider = PROVIDERS.get(ident) if isinstance(ident, int) else None
    if provider is None:
        raise invalid(f"integration must be one of {sorted(PROVIDERS)}")
    data = body.get("data", {})
    errors = _check_settings(provider, data)
    if errors:
        raise invalid(*errors)
    public = {k: v for k, v in data.items() if k not in SECRETS}
    fields = {"data": public, "integration": provider["row"], "status": "active"}
    row = new_row(ctx.ws, "integrations", ctx.now, fields)
    ctx.ws.secrets[row["id"]] = {k: v for k, v in data.items() if k in SECRETS}
    ctx.applied(row["id"])
    return shapes.integration(ctx, row)
