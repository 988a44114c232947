"""The package is laid out by concern (README, "How it is built"): sub-packages whose imports follow
the pipeline, no import cycle (imports inside functions and under TYPE_CHECKING included), no module
past 450 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import site_builder

PACKAGE = Path(site_builder.__file__).parent
MAX_LINES = 450
LEAVES = {"errors", "config", "i18n", "urls", "model", "sources", "memo", "slugs", "typography"}
"""Modules every stage may import; they import nothing of the package but each other."""
STAGES = ("content", "site", "render", "output")
"""The stages' sub-packages, in pipeline order: each imports only leaves and the stages before it
(`output` not even `render`: it writes what render made), never the reuse layer or the preview."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """Every module of the package that `name` imports, wherever the import statement is."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {module for module in found if module in MODULES and module != name}


GRAPH = {name: imports_of(name) for name in MODULES}


def short(name: str) -> str:
    return name.removeprefix("site_builder.") if name != "site_builder" else "site_builder"


def group(name: str) -> str:
    """The sub-package a module belongs to, or its own name at the top."""
    return short(name).split(".")[0]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.append(member)
                if member == node:
                    break
            if len(members) > 1:
                found.append(sorted(members))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_cycles_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_among_the_modules() -> None:
    assert cycles(GRAPH) == []


def test_no_import_cycle_among_the_sub_packages() -> None:
    packages: dict[str, set[str]] = {}
    for name, targets in GRAPH.items():
        packages.setdefault(group(name), set()).update(group(t) for t in targets if group(t) != group(name))
    assert cycles(packages) == []


def test_leaves_import_only_leaves() -> None:
    wrong = {short(name): sorted(short(t) for t in targets if group(t) not in LEAVES | {"site_builder"})
             for name, targets in GRAPH.items() if group(name) in LEAVES}
    assert {name: targets for name, targets in wrong.items() if targets} == {}


def test_stages_import_only_leaves_and_earlier_stages() -> None:
    wrong = {}
    for name, targets in GRAPH.items():
        if group(name) not in STAGES:
            continue
        allowed = LEAVES | {"site_builder", *STAGES[: STAGES.index(group(name)) + 1]}
        if group(name) == "output":
            allowed -= {"render"}
        bad = sorted(short(t) for t in targets if group(t) not in allowed)
        if bad:
            wrong[short(name)] = bad
    assert wrong == {}


def test_at_least_four_sub_packages_by_concern() -> None:
    packages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    assert {"content", "site", "render", "output", "reuse"} <= packages


def test_no_module_over_450_lines() -> None:
    long = {short(name): n for name, path in MODULES.items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_no_test_module_imports_another() -> None:
    """Shared scenarios live in helpers (tests/scenarios.py, tests/helpers.py…), not in a test module."""
    tests = Path(__file__).parent
    found = []
    for path in sorted(tests.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{path.name} imports {n}" for n in names if n.startswith("tests.test_")]
    assert found == []


def test_build_reads_as_its_stages_in_at_most_60_lines() -> None:
    tree = ast.parse(MODULES["site_builder.build"].read_text(encoding="utf-8"))
    build = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "build")
    assert build.end_lineno is not None and build.end_lineno - build.lineno + 1 <= 60
