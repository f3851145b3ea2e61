"""The route handlers, one module per group of resources; importing registers them."""

from . import integrations, items, people, types, work, workspaces

__all__ = ["integrations", "items", "people", "types", "work", "workspaces"]
