"""The public API is controlled: sorted, complete ``__all__`` in every public module, each name
naming one thing."""

from __future__ import annotations

import importlib
import inspect
import itertools
import types

import pytest

PUBLIC_MODULES = [
    "enspace_async",
    "enspace_async.models",
    "enspace_async.otel",
    "enspace_async.sync",
    "enspace_async.testing",
    "enspace_async.transports",
]


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_all_is_sorted_unique_and_importable(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    # isort's order (ruff's RUF022): constants, then classes, then functions; dunders last.
    assert exported == sorted(exported, key=_isort_order)
    assert len(set(exported)) == len(exported)
    for member in exported:
        assert hasattr(module, member), f"{name}.{member} is in __all__ but missing"


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_every_public_name_is_exported(name: str) -> None:
    module = importlib.import_module(name)
    public = {
        member
        for member, value in vars(module).items()
        if not member.startswith("_")
        and not isinstance(value, types.ModuleType)
        and getattr(value, "__module__", name).startswith("enspace_async")
    }
    assert public <= set(module.__all__)


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_public_callables_have_docstrings(name: str) -> None:
    module = importlib.import_module(name)
    for member in module.__all__:
        value = getattr(module, member)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), f"{name}.{member} has no docstring"


def _isort_order(name: str) -> tuple[int, str]:
    if name.startswith("_"):
        return (3, name)
    if name.isupper() and len(name) > 1:
        return (0, name)
    return (1 if name[0].isupper() else 2, name)


def test_no_public_name_means_two_things() -> None:
    # One name per thing: the emulator's classes never share a name with the SDK's.
    names = {
        module: set(importlib.import_module(module).__all__)
        for module in [*PUBLIC_MODULES, "enspace_async.redis"]
    }
    shared = [
        (name, a, b)
        for a, b in itertools.combinations(sorted(names), 2)
        for name in sorted(names[a] & names[b])
        if getattr(importlib.import_module(a), name)
        is not getattr(importlib.import_module(b), name)
    ]
    assert shared == []
