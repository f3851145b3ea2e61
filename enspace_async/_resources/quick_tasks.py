"""``client.quick_tasks`` and ``client.schedule_tasks``: the workspace's to-dos."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from .._paging import AsyncPaginator
from .._protocol.query import MAX_PAGE_SIZE
from ..models import QuickTask, QuickTaskStatus, ScheduleTask
from ._base import Resource, drop_none, query_of

__all__ = ["QuickTasks", "ScheduleTasks"]


class QuickTasks(Resource):
    """The quick tasks of the client's workspace."""

    def list(
        self,
        *,
        filters: Mapping[str, Any] | None = None,
        sort: str | Iterable[str] | None = None,
        q: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        start: int = 0,
    ) -> AsyncPaginator[QuickTask]:
        """Iterate over the quick tasks.

        Args:
            filters: ``{"status": "pending", "assigned_to": 7}`` and the other operators.
            sort: ``"due_date:asc"`` or several keys.
            q: full-text search.
            page_size: rows per request, 1 to 100.
            start: the offset to begin at (to resume).

        Returns:
            An :class:`AsyncPaginator` of :class:`QuickTask`.
        """
        query = query_of(filters, sort, q)
        return self._paginate(
            "quick_tasks.list", QuickTask, query=query, page_size=page_size, start=start
        )

    async def count(self, *, filters: Mapping[str, Any] | None = None, q: str | None = None) -> int:
        """Return how many quick tasks match the filters."""
        return await self._count("quick_tasks.count", query=query_of(filters, None, q))

    async def get(self, task_id: int) -> QuickTask:
        """Return one quick task.

        Raises:
            NotFoundError: there is no such task.
        """
        path = {"task_id": task_id}
        return await self._client._call("quick_tasks.get", path, into=QuickTask)

    async def create(
        self,
        *,
        title: str,
        status: QuickTaskStatus | str | None = None,
        assigned_to: int | None = None,
        due_date: datetime | date | None = None,
        item: str | None = None,
        priority: str | None = None,
        **extra: Any,
    ) -> QuickTask:
        """Create a quick task; ``extra`` passes other wire keys (``collaborators=[…]``).

        Args:
            title: what to do.
            assigned_to: the assignee's member id.
            item: the reference of the item it is about.

        Raises:
            BadRequestError: the values were refused (an unknown assignee, say).
        """
        body = drop_none(title=title, status=status, assigned_to=assigned_to, due_date=due_date)
        body |= drop_none(item=item, priority=priority) | extra
        return await self._client._call("quick_tasks.create", json=body, into=QuickTask)

    async def update(self, task_id: int, **changes: Any) -> QuickTask:
        """Change the given wire keys of a quick task (``status=``, ``title=``…) and return it.

        Raises:
            NotFoundError: there is no such task.
            BadRequestError: the values were refused.
        """
        path = {"task_id": task_id}
        return await self._client._call("quick_tasks.update", path, json=changes, into=QuickTask)

    async def delete(self, task_id: int) -> None:
        """Delete a quick task.

        Raises:
            NotFoundError: there is no such task.
        """
        await self._client._call("quick_tasks.delete", {"task_id": task_id})


class ScheduleTasks(Resource):
    """The tasks scheduled for items in flow stages (read-only)."""

    def list(
        self,
        *,
        filters: Mapping[str, Any] | None = None,
        sort: str | Iterable[str] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        start: int = 0,
    ) -> AsyncPaginator[ScheduleTask]:
        """Iterate over the scheduled tasks.

        Args:
            filters: ``{"work_status": "waiting"}`` and the other operators of the API.
            sort: ``"due_date:asc"`` or several keys.
            page_size: rows per request, 1 to 100.
            start: the offset to begin at (to resume).

        Returns:
            An :class:`AsyncPaginator` of :class:`ScheduleTask`.
        """
        query = query_of(filters, sort, None)
        return self._paginate(
            "schedule_tasks.list", ScheduleTask, query=query, page_size=page_size, start=start
        )

    async def get(self, task_id: int) -> ScheduleTask:
        """Return one scheduled task.

        Raises:
            NotFoundError: there is no such task.
        """
        path = {"task_id": task_id}
        return await self._client._call("schedule_tasks.get", path, into=ScheduleTask)
