"""``client.integrations``: the workspace's integrations with outside providers."""

from __future__ import annotations

from .._paging import AsyncPaginator
from .._protocol.query import MAX_PAGE_SIZE
from ..models import Integration, IntegrationConfig
from ._base import Resource

__all__ = ["Integrations"]


class Integrations(Resource):
    """The integrations of the client's workspace."""

    def list(
        self, *, page_size: int = MAX_PAGE_SIZE, start: int = 0
    ) -> AsyncPaginator[Integration]:
        """Iterate over the integrations.

        Args:
            page_size: rows per request, 1 to 100.
            start: the offset to begin at (to resume).

        Returns:
            An :class:`AsyncPaginator` of :class:`Integration`.
        """
        return self._paginate("integrations.list", Integration, page_size=page_size, start=start)

    async def get(self, integration_id: int) -> Integration:
        """Return one integration (its settings without the secrets).

        Raises:
            NotFoundError: there is no such integration.
        """
        path = {"integration_id": integration_id}
        return await self._client._call("integrations.get", path, into=Integration)

    async def create(self, config: IntegrationConfig) -> Integration:
        """Set up an integration from a provider config (``SendGridConfig(...)``, or
        ``RawIntegrationConfig(id, data)`` for a provider the SDK does not know).

        Returns:
            The new :class:`Integration`; the server never echoes secrets.

        Raises:
            BadRequestError: the provider or its settings were refused.
        """
        body = {"integration": config.integration_id, "data": config.wire_data()}
        return await self._client._call("integrations.create", json=body, into=Integration)
