"""The settings to create an integration, one class per known provider.

Attributes are snake_case and written under the provider's wire keys (``change_keys`` →
``changeKeys``); attributes left as ``None`` are not sent; ``extra`` adds keys the class does
not know (its repr hides secret-looking keys). Secrets (``token``, ``api_key``) are held as
:class:`~enspace_async._config.Secret` (pass a plain string) and only revealed on the wire. Provider ids are documented except
Adobe Sign (2) and OpenAI (7), which are assumed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from .._config import Secret
from .._converter import unstructure
from ._enums import Environment
from ._integrations import masked
from ._wire import register, to_secret, wire_field

__all__ = [
    "AdobeSignConfig",
    "CertisignConfig",
    "ClicksignConfig",
    "D4SignConfig",
    "DocusignConfig",
    "IntegrationConfig",
    "OpenAIConfig",
    "RawIntegrationConfig",
    "SendGridConfig",
    "WhatsAppTwilioConfig",
]


def _environment(value: Environment | str | None) -> Environment | None:
    return None if value is None else Environment(value)


_SECRET = {"secret": True}


def _masked(data: Mapping[str, Any]) -> str:
    return repr(masked(data))


class _Config:
    """What every typed provider config shares."""

    integration_id: ClassVar[int]
    extra: Mapping[str, Any]

    def wire_data(self) -> dict[str, Any]:
        """Return the ``data`` object sent to ``POST /integrations``, secrets revealed."""
        result: dict[str, Any] = unstructure(self)
        return result


@register(omit_none=True)
@attrs.frozen(kw_only=True)
class CertisignConfig(_Config):
    """Certisign (provider 1): ``environment``, ``changeKeys``, ``token``, ``webhookCatcherEndpoint``."""

    integration_id: ClassVar[int] = 1
    environment: Environment | None = attrs.field(default=None, converter=_environment)
    token: Secret | None = attrs.field(default=None, converter=to_secret, metadata=_SECRET)
    change_keys: bool | None = wire_field("changeKeys", default=None)
    webhook_catcher_endpoint: str | None = wire_field("webhookCatcherEndpoint", default=None)
    extra: dict[str, Any] = attrs.field(factory=dict, repr=_masked)


@register(omit_none=True)
@attrs.frozen(kw_only=True)
class AdobeSignConfig(_Config):
    """Adobe Sign (provider 2, assumed); its settings are undocumented: pass them in ``extra``."""

    integration_id: ClassVar[int] = 2
    environment: Environment | None = attrs.field(default=None, converter=_environment)
    extra: dict[str, Any] = attrs.field(factory=dict, repr=_masked)


@register(omit_none=True)
@attrs.frozen(kw_only=True)
class D4SignConfig(_Config):
    """D4Sign (provider 3): ``environment``, ``changeKeys``."""

    integration_id: ClassVar[int] = 3
    environment: Environment | None = attrs.field(default=None, converter=_environment)
    change_keys: bool | None = wire_field("changeKeys", default=None)
    extra: dict[str, Any] = attrs.field(factory=dict, repr=_masked)


@register(omit_none=True)
@attrs.frozen(kw_only=True)
class SendGridConfig(_Config):
    """SendGrid (provider 4): ``environment``, ``api_key``, ``from_email``, ``from_name``."""

    integration_id: ClassVar[int] = 4
    environment: Environment | None = attrs.field(default=None, converter=_environment)
    api_key: Secret | None = attrs.field(default=None, converter=to_secret, metadata=_SECRET)
    from_email: str | None = None
    from_name: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, repr=_masked)


@register(omit_none=True)
@attrs.frozen(kw_only=True)
class ClicksignConfig(_Config):
    """Clicksign (provider 5): ``environment``, ``changeKeys``, ``webhookCatcherEndpoint``."""

    integration_id: ClassVar[int] = 5
    environment: Environment | None = attrs.field(default=None, converter=_environment)
    change_keys: bool | None = wire_field("changeKeys", default=None)
    webhook_catcher_endpoint: str | None = wire_field("webhookCatcherEndpoint", default=None)
    extra: dict[str, Any] = attrs.field(factory=dict, repr=_masked)


@register(omit_none=True)
@attrs.frozen(kw_only=True)
class WhatsAppTwilioConfig(_Config):
    """WhatsApp through Twilio (provider 6): the phone number and the auto-close settings."""

    integration_id: ClassVar[int] = 6
    phone_number: str | None = None
    change_keys: bool | None = wire_field("changeKeys", default=None)
    autoclose_hours: int | None = None
    autoclose_minutes: int | None = None
    send_autoclose_message_minutes: int | None = None
    autoclose_message: str | None = None
    post_autoclose_message: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, repr=_masked)


@register(omit_none=True)
@attrs.frozen(kw_only=True)
class OpenAIConfig(_Config):
    """OpenAI (provider 7, assumed): an ``api_key``; other settings go in ``extra``."""

    integration_id: ClassVar[int] = 7
    api_key: Secret | None = attrs.field(default=None, converter=to_secret, metadata=_SECRET)
    extra: dict[str, Any] = attrs.field(factory=dict, repr=_masked)


@register(omit_none=True)
@attrs.frozen(kw_only=True)
class DocusignConfig(_Config):
    """Docusign (provider 8): ``environment``, ``changeKeys``."""

    integration_id: ClassVar[int] = 8
    environment: Environment | None = attrs.field(default=None, converter=_environment)
    change_keys: bool | None = wire_field("changeKeys", default=None)
    extra: dict[str, Any] = attrs.field(factory=dict, repr=_masked)


@attrs.frozen
class RawIntegrationConfig:
    """Settings for a provider the SDK has no class for: its id and the wire ``data`` as is.

    Its repr hides the values of keys that look secret (``token``, ``api_key``, ``secret``,
    ``password``…); :class:`Secret` values in ``data`` are revealed only on the wire.
    """

    integration_id: int
    data: Mapping[str, Any] = attrs.field(factory=dict, repr=_masked)

    def wire_data(self) -> dict[str, Any]:
        """Return the ``data`` object sent to ``POST /integrations``, secrets revealed."""
        return {k: v.reveal() if isinstance(v, Secret) else v for k, v in self.data.items()}


IntegrationConfig = (
    CertisignConfig
    | AdobeSignConfig
    | D4SignConfig
    | SendGridConfig
    | ClicksignConfig
    | WhatsAppTwilioConfig
    | OpenAIConfig
    | DocusignConfig
    | RawIntegrationConfig
)
