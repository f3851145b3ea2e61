"""Flows, stages, stage tasks, quick tasks and scheduled tasks."""

from __future__ import annotations

from typing import Any

from .._context import Ctx, handles
from .._problems import invalid
from .._state import EmulatedWorkspace
from .._store import Row
from ._common import (
    delete_row,
    get_row,
    new_row,
    pick,
    require_str,
    serve_reads,
    update_row,
)

__all__ = ["add_flow", "add_schedule_task"]

serve_reads("flows", "flow_id", "flow", count=False)
serve_reads("stages", "stage_id", "stage", count=False)
serve_reads("tasks", "task_id", "task", count=False)
serve_reads("quick_tasks", "task_id", "task")
serve_reads("schedule_tasks", "task_id", "scheduled task", count=False)


def add_flow(ws: EmulatedWorkspace, type_slug: str, name: str, stages: list[str], now: str) -> Row:
    """Add a flow of type ``type_slug`` with one stage per name (the first is the start)."""
    state = ws.type_state(type_slug)
    if state is None:
        raise KeyError(type_slug)
    user = {"id": 1, "created_at": now, "email": "owner@example.com", "meta": {}}
    flow = new_row(
        ws,
        "flows",
        now,
        {
            "name": name,
            "status": "active",
            "item_type": dict(state.row),
            "start_type": "manual",
            "icon": None,
            "user": user,
        },
    )
    for position, stage in enumerate(stages):
        fields = {
            "name": stage,
            "status": "active",
            "progress_type": "manual",
            "is_start": position == 0,
            "hex_color": "#3366FF",
            "icon": None,
            "user": user,
            "item_type": flow["item_type"],
            "flow": {k: v for k, v in flow.items() if k != "item_type"},
            "tasks": [],
        }
        new_row(ws, "stages", now, fields)
    return flow


def add_schedule_task(ws: EmulatedWorkspace, values: dict[str, Any], now: str) -> Row:
    """Add a scheduled task (read-only through the API)."""
    fields = {
        "item_reference": None,
        "item_type_name": None,
        "flow_name": None,
        "stage_name": None,
        "task_name": None,
        "work_status": "waiting",
        "status": "active",
        "due_date": None,
        "is_overdue": "no",
        "completed_at": None,
        **values,
    }
    return new_row(ws, "schedule_tasks", now, fields)


@handles("tasks.create", status=201)
def create_task(ctx: Ctx) -> Row:
    """POST /c-stage-tasks with ``{"stage": id, "name": …}``."""
    body = ctx.body()
    require_str(body, "name")
    values = pick(body, {"stage": int, "name": str, "description": str, "order": int})
    stage = ctx.ws.collections["stages"].get(values.get("stage") or 0)
    if stage is None:
        raise invalid("stage must be the id of an existing stage")
    fields = {"description": None, "status": "active", "order": len(stage["tasks"]), **values}
    row = new_row(ctx.ws, "tasks", ctx.now, fields)
    stage["tasks"].append(row)
    ctx.applied(row["id"])
    return row


_QUICK_STATUSES = ("pending", "working", "blocked", "completed", "archived")
_QUICK_KEYS: dict[str, Any] = {
    "title": str,
    "name": str,
    "status": str,
    "assigned_to": int,
    "collaborators": list,
    "due_date": str,
    "item": str,
    "type": str,
    "priority": str,
}


def _quick_values(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    values = pick(body, _QUICK_KEYS)
    errors = []
    if values.get("status", "pending") not in _QUICK_STATUSES:
        errors.append(f"status must be one of {list(_QUICK_STATUSES)}")
    assignee = values.get("assigned_to")
    if assignee is not None and ctx.ws.collections["members"].get(assignee) is None:
        errors.append(f"assigned_to: member {assignee} does not exist")
    if errors:
        raise invalid(*errors)
    if "status" in values:
        values["completed_at"] = ctx.now if values["status"] == "completed" else None
    return values


@handles("quick_tasks.create", status=201)
def create_quick_task(ctx: Ctx) -> Row:
    """POST /ws/tasks: ``title`` (or ``name``) is required."""
    body = ctx.body()
    title = body.get("title") or body.get("name")
    require_str({"title": title}, "title")
    values = _quick_values(ctx, body)
    fields = {
        "title": title,
        "name": title,
        "status": "pending",
        "assigned_to": None,
        "creator": ctx.state.user["id"],
        "collaborators": [],
        "due_date": None,
        "completed_at": None,
        "item": None,
        "type": None,
        "priority": "normal",
        **values,
    }
    row = new_row(ctx.ws, "quick_tasks", ctx.now, fields)
    ctx.applied(row["id"])
    return row


@handles("quick_tasks.update")
def update_quick_task(ctx: Ctx) -> Row:
    """PUT /ws/tasks/{task_id}."""
    tasks = ctx.ws.collections["quick_tasks"]
    row = get_row(ctx, tasks, "task_id", "task")
    return update_row(ctx, tasks, row, _quick_values(ctx, ctx.body()))


@handles("quick_tasks.delete")
def delete_quick_task(ctx: Ctx) -> Row:
    """DELETE /ws/tasks/{task_id}."""
    tasks = ctx.ws.collections["quick_tasks"]
    return delete_row(ctx, tasks, get_row(ctx, tasks, "task_id", "task"))
