"""Integrations: the provider catalogue entry, a workspace's integration, and how to read one.

The settings to *create* one live in :mod:`._integration_configs`. Secrets (``token``,
``api_key``) are never echoed back by the server; should one ever appear in ``data``, the
repr of :class:`Integration` still hides it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._enums import IntegrationStatus
from ._wire import register

__all__ = ["Integration", "IntegrationProvider", "looks_secret", "masked"]

# token, secret, password anywhere; "key" at the end (api_key, apiKey, integrationKey), so
# that "changeKeys" (a flag) stays visible.
_SECRET = re.compile(r"token|secret|password|key$", re.IGNORECASE)


def looks_secret(key: str) -> bool:
    """Whether a settings key names a secret (``token``, ``api_key``, ``clientSecret``…)."""
    return bool(_SECRET.search(key))


def masked(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``data`` with the values of secret-looking keys replaced by ``'********'``."""
    return {k: "********" if looks_secret(k) else v for k, v in data.items()}


def _repr_data(data: Mapping[str, Any]) -> str:
    return repr(masked(data))


@register
@attrs.frozen(kw_only=True)
class IntegrationProvider:
    """A kind of integration ENSPACE offers (Certisign, SendGrid…).

    Attributes:
        id: what ``integration`` is set to when creating one (see the config classes).
    """

    id: int
    name: str | None = None
    slug: str | None = None
    description: str | None = None
    category: str | None = None
    media: list[Any] = attrs.field(factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@register
@attrs.frozen(kw_only=True)
class Integration:
    """A workspace's integration with a provider.

    Attributes:
        integration: the provider, or only its id when the server does not embed it.
        data: the provider settings as the server echoes them (never the secrets).
        status: an :class:`IntegrationStatus`, or a plain string if new.
        extra: every other key of the response, and raw values that did not fit (its repr
            hides secret-looking keys, like ``data``'s).
    """

    id: int
    integration: IntegrationProvider | int | None = None
    data: dict[str, Any] = attrs.field(factory=dict, repr=_repr_data)
    status: IntegrationStatus | str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, repr=_repr_data)

    @property
    def provider_id(self) -> int | None:
        """The provider's id, whether the server embedded the provider or not."""
        if isinstance(self.integration, IntegrationProvider):
            return self.integration.id
        return self.integration
