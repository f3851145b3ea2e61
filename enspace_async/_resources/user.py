"""``client.user``: the caller's own request log and API keys (no workspace needed)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._paging import AsyncPaginator
from .._protocol.query import MAX_PAGE_SIZE
from ..models import ApiKey, RequestLogEntry
from ._base import Resource, query_of

__all__ = ["CurrentUser"]


class CurrentUser(Resource):
    """What belongs to the owner of the API key."""

    def request_log(
        self,
        *,
        filters: Mapping[str, Any] | None = None,
        sort: str | Iterable[str] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        start: int = 0,
    ) -> AsyncPaginator[RequestLogEntry]:
        """Iterate over the requests made with the caller's key.

        Reading the log adds to it (each page fetched is logged), so iterating it all with a
        small ``page_size`` chases its own tail: filter it, or use ``collect(limit=...)``.

        Args:
            filters: ``{"status_gte": 400, "workspace": "acme"}`` and the other operators.
            sort: ``"created_at:desc"`` or several keys.
            page_size: rows per request, 1 to 100.
            start: the offset to begin at (to resume).

        Returns:
            An :class:`AsyncPaginator` of :class:`RequestLogEntry`.
        """
        query = query_of(filters, sort, None)
        return self._paginate(
            "user.request_log", RequestLogEntry, query=query, page_size=page_size, start=start
        )

    async def api_keys(self) -> list[ApiKey]:
        """Return every API key of the caller (never the secrets).

        Raises:
            AuthenticationError: the key is invalid.
        """
        return await self._paginate("user.api_keys", ApiKey).collect()
