"""One module per resource; each method is a thin call through the route table.

:class:`ResourceAccess` gives :class:`~enspace_async.EnspaceClient` one attribute per resource,
created on first use and bound to that client (or view).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .items import Items
    from .types import Types

__all__ = ["ResourceAccess"]


class ResourceAccess:
    """The resource attributes of a client."""

    @cached_property
    def types(self) -> Types:
        """Types (the product's categories): ``client.types.list()`` and friends."""
        from .types import Types

        return Types(self)  # type: ignore[arg-type]

    @cached_property
    def items(self) -> Items:
        """Items of a type: ``client.items.list("contracts")`` and friends."""
        from .items import Items

        return Items(self)  # type: ignore[arg-type]
