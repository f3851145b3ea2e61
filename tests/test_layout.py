"""The package's shape, checked: the drawn tree, the import graph, no hidden imports."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import enspace_async

PACKAGE = Path(enspace_async.__file__).parent
# The import circle issue 17 broke: none of these may sit on any import cycle.
UNCIRCLED = ("_client", "_resources", "_bulk")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module of the package ``path`` imports, anywhere in it (local imports and those
    under ``TYPE_CHECKING`` included: a cycle a type checker sees is a cycle)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found |= {target} | {f"{target}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {m for m in found if m.split(".")[0] == "enspace_async"}


def import_graph() -> dict[str, set[str]]:
    """Top-level part of the package → the top-level parts it imports (``_resources`` for
    any of its modules), without self-loops."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}

    def part(module: str) -> str:
        return module.split(".")[1] if "." in module else module

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        if name == "enspace_async":  # the public face imports everything on purpose
            continue
        targets = {part(m) for m in _imports(path) if m in modules and m != "enspace_async"}
        graph.setdefault(part(name), set()).update(targets - {part(name)})
    return graph


def cycle_through(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """A path ``start → … → start`` in ``graph``, or ``None``."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        for target in sorted(graph.get(node, ())):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*path, target]))
    return None


def test_client_resources_and_bulk_sit_on_no_import_cycle() -> None:
    graph = import_graph()
    cycles = {part: cycle_through(graph, part) for part in UNCIRCLED}
    assert cycles == dict.fromkeys(UNCIRCLED)


def test_the_cycle_finder_finds_a_cycle() -> None:
    # The test above could pass by finding nothing at all: show that it sees one.
    graph = {"_client": {"_resources"}, "_resources": {"_bulk"}, "_bulk": {"_client"}}
    assert cycle_through(graph, "_bulk") == ["_bulk", "_client", "_resources", "_bulk"]
    assert cycle_through(import_graph() | {"_bulk": {"_client"}}, "_bulk") is not None


def test_no_type_ignore_in_the_client_and_the_resources() -> None:
    files = [PACKAGE / "_client.py", *sorted((PACKAGE / "_resources").rglob("*.py"))]
    found = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in files
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if "type: ignore" in line
    ]
    assert found == []


def test_importing_the_package_imports_no_testing_cli_or_redis_module() -> None:
    code = (
        "import sys, enspace_async\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('redis', 'opentelemetry')\n"
        "    or m.startswith(('enspace_async.testing', 'enspace_async.cli',\n"
        "                     'enspace_async.redis', 'enspace_async._redis'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"


def drawn_tree() -> set[str]:
    """The folders and modules the package docstring draws (``_protocol/routes.py``): each
    ``├── name`` or ``└── a.py, b.py`` line, under the folder drawn above it."""
    drawn: set[str] = set()
    folders: list[str] = []
    for line in (enspace_async.__doc__ or "").split("::\n", 1)[1].splitlines():
        match = re.match(r"^    ([│ ]*)[├└]── ([^\s,]+(?:, [^\s,]+)*)", line)
        if match is None:
            continue
        depth = len(match.group(1)) // 4
        names = [name.rstrip("/") for name in match.group(2).split(", ")]
        del folders[depth:]
        drawn |= {"/".join([*folders, name]) for name in names}
        folders.append(names[0])
    return drawn


def real_tree() -> set[str]:
    """The package's folders and the modules the drawing names (private subpackages and the
    top level in full; a folder's own modules where the drawing opens it)."""
    found = set()
    for path in PACKAGE.iterdir():
        if path.name in ("__pycache__", "__main__.py") or path.name.startswith("."):
            continue
        if path.is_dir():
            found.add(path.name)
            if path.name in OPENED:
                found |= {f"{path.name}/{p.name}" for p in path.iterdir() if p.suffix == ".py"} - {
                    f"{path.name}/__init__.py"
                }
        else:
            found.add(path.name)
    return found


OPENED = ("_protocol", "_middleware")  # the folders the drawing shows module by module


def test_the_package_docstring_draws_the_folders_as_they_are() -> None:
    assert drawn_tree() == real_tree()


def drawn_error_tree() -> dict[str, str]:
    """Each class the error tree in ``_errors``' docstring draws → the class drawn above it."""
    from enspace_async import _errors

    parents: dict[str, str] = {}
    line_of: list[str] = []
    for line in (
        (_errors.__doc__ or "").split("::\n", 1)[1].split("\n\n    OriginalError")[0].splitlines()
    ):
        match = re.match(r"^    ([│ ]*)[├└]── (\w+)", line)
        if match is None:
            continue
        depth = len(match.group(1)) // 4
        parents[match.group(2)] = line_of[depth - 1] if depth else "EnspaceError"
        line_of[depth:] = [match.group(2)]
    return parents


def test_the_error_tree_drawn_in_errors_is_every_error_the_sdk_raises() -> None:
    import enspace_async.redis  # its error is drawn too: load it

    real: dict[str, str] = {}
    stack = [enspace_async.EnspaceError]
    while stack:
        parent = stack.pop()
        for cls in parent.__subclasses__():
            if cls.__module__.startswith("enspace_async") and not cls.__name__.startswith("_"):
                real[cls.__name__] = parent.__name__
                stack.append(cls)
    assert drawn_error_tree() == real
