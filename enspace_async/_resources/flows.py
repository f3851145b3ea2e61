"""``client.flows``, ``client.stages`` and ``client.tasks``: workflows, their stages and tasks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._paging import AsyncPaginator
from .._protocol.query import MAX_PAGE_SIZE
from ..models import Flow, Stage, Task
from ._base import Resource, drop_none, query_of

__all__ = ["Flows", "Stages", "Tasks"]


class Flows(Resource):
    """The flows of the client's workspace."""

    def list(
        self,
        *,
        type_slug: str | None = None,
        filters: Mapping[str, Any] | None = None,
        sort: str | Iterable[str] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        start: int = 0,
    ) -> AsyncPaginator[Flow]:
        """Iterate over the flows, optionally only those of one type.

        Args:
            type_slug: only the flows of this type (sent as ``item_type=<slug>``).
            filters: more filters, with the operators of the API.
            sort: ``"name:asc"`` or several keys.
            page_size: rows per request, 1 to 100.
            start: the offset to begin at (to resume).

        Returns:
            An :class:`AsyncPaginator` of :class:`Flow`.
        """
        query = query_of(filters, sort, None, item_type=type_slug)
        return self._paginate("flows.list", Flow, query=query, page_size=page_size, start=start)

    async def get(self, flow_id: int) -> Flow:
        """Return one flow.

        Raises:
            NotFoundError: there is no such flow.
        """
        return await self._client._call("flows.get", {"flow_id": flow_id}, into=Flow)


class Stages(Resource):
    """The stages of the flows of the client's workspace."""

    def list(
        self,
        *,
        flow_id: int | None = None,
        filters: Mapping[str, Any] | None = None,
        sort: str | Iterable[str] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        start: int = 0,
    ) -> AsyncPaginator[Stage]:
        """Iterate over the stages, optionally only those of one flow.

        Args:
            flow_id: only the stages of this flow (sent as ``flow=<id>``).
            filters: more filters, with the operators of the API.
            sort: ``"id:asc"`` or several keys.
            page_size: rows per request, 1 to 100.
            start: the offset to begin at (to resume).

        Returns:
            An :class:`AsyncPaginator` of :class:`Stage`.
        """
        query = query_of(filters, sort, None, flow=flow_id)
        return self._paginate("stages.list", Stage, query=query, page_size=page_size, start=start)

    async def get(self, stage_id: int) -> Stage:
        """Return one stage with its tasks.

        Raises:
            NotFoundError: there is no such stage.
        """
        return await self._client._call("stages.get", {"stage_id": stage_id}, into=Stage)


class Tasks(Resource):
    """The tasks of flow stages."""

    def list(
        self,
        *,
        stage_id: int | None = None,
        filters: Mapping[str, Any] | None = None,
        sort: str | Iterable[str] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        start: int = 0,
    ) -> AsyncPaginator[Task]:
        """Iterate over stage tasks, optionally only those of one stage.

        Args:
            stage_id: only the tasks of this stage (sent as ``stage=<id>``).
            filters: more filters, with the operators of the API.
            sort: ``"order:asc"`` or several keys.
            page_size: rows per request, 1 to 100.
            start: the offset to begin at (to resume).

        Returns:
            An :class:`AsyncPaginator` of :class:`Task`.
        """
        query = query_of(filters, sort, None, stage=stage_id)
        return self._paginate("tasks.list", Task, query=query, page_size=page_size, start=start)

    async def get(self, task_id: int) -> Task:
        """Return one stage task.

        Raises:
            NotFoundError: there is no such task.
        """
        return await self._client._call("tasks.get", {"task_id": task_id}, into=Task)

    async def create(
        self,
        *,
        stage_id: int,
        name: str,
        description: str | None = None,
        order: int | None = None,
    ) -> Task:
        """Add a task to a stage (assumed body: ``stage``, ``name``, ``description``, ``order``).

        Returns:
            The new :class:`Task`.

        Raises:
            BadRequestError: the values were refused (no such stage, say).
        """
        body = drop_none(stage=stage_id, name=name, description=description, order=order)
        return await self._client._call("tasks.create", json=body, into=Task)
