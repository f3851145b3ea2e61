"""The route handlers, one module per group of resources; importing registers them."""

from . import items, people, types, work, workspaces

__all__ = ["items", "people", "types", "work", "workspaces"]
