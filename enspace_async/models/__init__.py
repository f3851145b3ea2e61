"""Frozen attrs models of every ENSPACE response shape; field names match the wire.

Also here: the enums, the typed item values (:class:`Currency`, :class:`Relation`,
:class:`Address`, :class:`FileRef`) and the integration settings (``CertisignConfig``…).
"""

from ._catalog import Item, ItemType
from ._enums import (
    Environment,
    FieldType,
    IntegrationStatus,
    MemberStatus,
    MemberType,
    QuickTaskStatus,
    WorkStatus,
)
from ._fields import Field, FieldOption, Form
from ._flows import Flow, QuickTask, ScheduleTask, Stage, Task
from ._integration_configs import (
    AdobeSignConfig,
    CertisignConfig,
    ClicksignConfig,
    D4SignConfig,
    DocusignConfig,
    IntegrationConfig,
    OpenAIConfig,
    RawIntegrationConfig,
    SendGridConfig,
    WhatsAppTwilioConfig,
)
from ._integrations import Integration, IntegrationProvider
from ._people import Member, MemberGroup, Permission, Role, User, UserMeta
from ._values import Address, Currency, FileRef, Relation
from ._workspace import (
    ApiKey,
    RequestLogEntry,
    Workspace,
    WorkspaceContext,
    WorkspaceDeletionPreview,
    WorkspaceStats,
)

__all__ = [
    "Address",
    "AdobeSignConfig",
    "ApiKey",
    "CertisignConfig",
    "ClicksignConfig",
    "Currency",
    "D4SignConfig",
    "DocusignConfig",
    "Environment",
    "Field",
    "FieldOption",
    "FieldType",
    "FileRef",
    "Flow",
    "Form",
    "Integration",
    "IntegrationConfig",
    "IntegrationProvider",
    "IntegrationStatus",
    "Item",
    "ItemType",
    "Member",
    "MemberGroup",
    "MemberStatus",
    "MemberType",
    "OpenAIConfig",
    "Permission",
    "QuickTask",
    "QuickTaskStatus",
    "RawIntegrationConfig",
    "Relation",
    "RequestLogEntry",
    "Role",
    "ScheduleTask",
    "SendGridConfig",
    "Stage",
    "Task",
    "User",
    "UserMeta",
    "WhatsAppTwilioConfig",
    "WorkStatus",
    "Workspace",
    "WorkspaceContext",
    "WorkspaceDeletionPreview",
    "WorkspaceStats",
]
