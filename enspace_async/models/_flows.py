"""Flows, their stages and tasks, quick tasks and scheduled tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from ._catalog import Item, ItemType
from ._enums import QuickTaskStatus, WorkStatus
from ._people import Member, User
from ._wire import register

__all__ = ["Flow", "QuickTask", "ScheduleTask", "Stage", "Task"]


@register
@attrs.frozen(kw_only=True)
class Flow:
    """A workflow that a type's items move through, stage by stage."""

    id: int
    name: str | None = None
    status: str | None = None
    item_type: ItemType | int | None = None
    start_type: str | None = None
    icon: str | None = None
    user: User | int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@register
@attrs.frozen(kw_only=True)
class Task:
    """A task of a flow stage.

    Attributes:
        stage: the stage it belongs to, or only its id.
    """

    id: int
    name: str | None = None
    description: str | None = None
    stage: Stage | int | None = None
    order: int | None = None
    status: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@register
@attrs.frozen(kw_only=True)
class Stage:
    """One stage of a flow, with its tasks.

    Attributes:
        flow: the flow, or its id when the server does not embed it.
        is_start: whether items enter the flow here.
        tasks: its tasks; a list holding a task without its id (the docs' own example sends
            ``[{}]``) stays raw in ``extra["tasks"]``.
    """

    id: int
    name: str | None = None
    status: str | None = None
    progress_type: str | None = None
    is_start: bool | None = None
    hex_color: str | None = None
    icon: str | None = None
    user: User | int | None = None
    item_type: ItemType | int | None = None
    flow: Flow | int | None = None
    tasks: list[Task] = attrs.field(factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@register
@attrs.frozen(kw_only=True)
class QuickTask:
    """A to-do of the workspace, optionally about an item (observed shape).

    Attributes:
        status: a :class:`QuickTaskStatus`, or a plain string if new.
        assigned_to: the assignee (a member), or only its id.
        item: the item it is about: the item, its id, or its reference.
    """

    id: int
    title: str | None = None
    name: str | None = None
    status: QuickTaskStatus | str | None = None
    assigned_to: Member | int | None = None
    creator: User | int | None = None
    collaborators: list[User | int] = attrs.field(factory=list)
    due_date: datetime | None = None
    completed_at: datetime | None = None
    item: Item | int | str | None = None
    type: str | None = None
    priority: str | int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@register
@attrs.frozen(kw_only=True)
class ScheduleTask:
    """A task scheduled for an item in a flow stage (observed shape).

    Attributes:
        work_status: a :class:`WorkStatus`, or a plain string if new.
        is_overdue: the server's text flag, kept as sent.
    """

    id: int
    item_reference: str | None = None
    item_type_name: str | None = None
    flow_name: str | None = None
    stage_name: str | None = None
    task_name: str | None = None
    work_status: WorkStatus | str | None = None
    status: str | None = None
    due_date: datetime | None = None
    is_overdue: str | bool | None = None
    completed_at: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)
