"""crm/'s modules import one another without a circle: features sit above the models and the
small generic helpers, and a feature that reacts to another is called by it, never imports back.

Every import counts, at module level and inside functions (an import moved into a function to
dodge a circle is still the circle); only `if TYPE_CHECKING:` blocks are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "crm"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The crm modules this file imports, wherever the import statement stands."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    skipped: set[int] = set()
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and is_type_checking(node):
            skipped.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from crm.x import y` imports the module crm.x.y when there is one, else crm.x.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # `import crm.a.b` -> crm.a.b
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    return {module_name(p): imports_of(p, modules) for p in paths}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def path_within(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One circle inside a component, for the failure message: a -> b -> ... -> a."""
    inside = set(component)
    start = component[0]
    trail = [start]
    seen = {start}
    while True:
        nxt = sorted(graph[trail[-1]] & inside)
        back = [n for n in nxt if n in seen]
        if back:
            return trail[trail.index(back[0]) :] + [back[0]]
        trail.append(nxt[0])
        seen.add(nxt[0])


def test_the_walk_sees_imports_inside_functions(tmp_path):
    """The walker itself: a function-level and a relative import are edges."""
    pkg = tmp_path / "crm"
    (pkg / "feature").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "feature" / "__init__.py").write_text("")
    (pkg / "feature" / "a.py").write_text("def f():\n    from crm.feature import b\n")
    (pkg / "feature" / "b.py").write_text("from .a import f\n")
    (pkg / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from crm.feature import a\n"
    )
    paths = sorted(pkg.rglob("*.py"))
    names = {str(p.relative_to(tmp_path).with_suffix("")).replace("/", ".") for p in paths}
    modules = {n.removesuffix(".__init__") for n in names}
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        graph = {module_name(p): imports_of(p, modules) for p in paths}
    finally:
        ROOT = saved
    assert graph["crm.feature.a"] == {"crm.feature.b"}
    assert graph["crm.feature.b"] == {"crm.feature.a"}
    assert graph["crm.c"] == set()
    assert cycles(graph) == [["crm.feature.a", "crm.feature.b"]]


def test_crm_has_no_import_circle():
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import circles:\n" + "\n".join(
        " -> ".join(path_within(graph, c)) + f"   ({len(c)} modules: {', '.join(c)})" for c in found
    )
