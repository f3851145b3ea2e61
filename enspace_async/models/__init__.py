"""Frozen attrs models of every ENSPACE response shape; field names match the wire."""

from ._catalog import Item, ItemType

__all__ = ["Item", "ItemType"]
