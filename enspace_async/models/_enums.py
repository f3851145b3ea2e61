"""The enumerations of the API.

Where the server may add values, models type the attribute as ``Enum | str`` (an "open" enum):
a value the SDK does not know loads as the plain string instead of failing.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "Environment",
    "FieldType",
    "IntegrationStatus",
    "MemberStatus",
    "MemberType",
    "QuickTaskStatus",
    "WorkStatus",
]


class MemberType(StrEnum):
    """A member's access level; only ``full``, ``standard`` and ``viewer`` can be given."""

    OWNER = "owner"
    FULL = "full"
    STANDARD = "standard"
    VIEWER = "viewer"


class MemberStatus(StrEnum):
    """Whether a member can use the workspace."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    BLOCKED = "blocked"


class IntegrationStatus(StrEnum):
    """Whether an integration is switched on."""

    ACTIVE = "active"
    INACTIVE = "inactive"


class Environment(StrEnum):
    """Which environment of a provider an integration talks to."""

    STAGE = "stage"
    PRODUCTION = "production"


class QuickTaskStatus(StrEnum):
    """The progress of a quick task (observed values)."""

    PENDING = "pending"
    WORKING = "working"
    BLOCKED = "blocked"
    COMPLETED = "completed"
    ARCHIVED = "archived"


class WorkStatus(StrEnum):
    """The progress of a scheduled task (observed values)."""

    WAITING = "waiting"
    WORKING = "working"
    COMPLETE = "complete"
    REMOVED = "removed"


class FieldType(StrEnum):
    """The kind of a field, which decides the shape of its item values (see ``Item.value``)."""

    INPUT_TEXT = "inputText"
    TEXT_AREA = "EnTextArea"
    HTML = "EnHtml"
    NOTES = "EnNotes"
    MASK = "EnlMask"
    EMAIL = "email"
    NUMBER = "EnlNumber"
    CURRENCY = "EnCurrency"
    DROPDOWN = "EnlDropdown"
    RADIO_BUTTON = "radioButton"
    MULTI_SELECT = "multiSelect"
    CHECKBOX = "checkbox"
    ENL_CHECKBOX = "EnlCheckbox"
    SWITCH = "inputSwitch"
    CHIPS = "EnlChips"
    CALENDAR = "EnlCalendar"
    TIME_RANGE = "EnlTimeRange"
    RELATION = "EnRel"
    RELATION_MULTI = "EnRelMulti"
    TREE_SELECT = "EnTreeSelect"
    PERSON = "EnPerson"
    ADDRESS = "EnAddress"
    UPLOAD_FILE = "uploadFile"
    UPLOAD_IMAGE = "uploadImage"
    PDF = "EnPDF"
    ONLYOFFICE = "EnOnlyoffice"
    E_SIGN = "EnESign"
    REPEATER = "EnRepeater"
    GROUP = "group"
    CHATS = "EnChats"
    CUSTOM_CODE = "EnCustomCode"
