"""The shape of the code, checked so it holds without anyone watching (docs/architecture.md):

- no import circle among Confetti's modules;
- core imports nothing of web/, bots/ or workers/;
- no import inside a function that dodges a circle (one whose module reaches back to the caller);
- a domain's service.py never imports orchestration (flows.py);
- queries are built in core only: outside it, no SQLAlchemy but the session's type, and no
  session.execute/get;
- a core domain's errors live in its errors.py;
- CSV is written only by core/csv_text.py, which quotes cells a spreadsheet would run;
- no module outside tests is over 400 lines.
"""

import ast
import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "web", "bots", "workers")
GENERATED = ROOT / "core" / "migrations" / "versions"
MAX_LINES = 400
QUERY_CALLS = {"execute", "scalar", "scalars", "stream", "get", "get_one"}


@dataclass
class Module:
    name: str
    path: Path
    tree: ast.Module
    top_level: set[str] = field(default_factory=set)
    in_functions: set[tuple[str, int]] = field(default_factory=set)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources(*packages: str) -> list[Path]:
    return sorted(
        path
        for package in packages
        for path in (ROOT / package).rglob("*.py")
        if GENERATED not in path.parents
    )


def _targets(node: ast.Import | ast.ImportFrom, known: set[str]) -> list[str]:
    """The first-party modules an import statement loads (a name imported from a package may
    be a module of its own)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.split(".")[0] in PACKAGES]
    if node.level or not node.module or node.module.split(".")[0] not in PACKAGES:
        return []
    return [
        f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in known else node.module
        for alias in node.names
    ]


def _collect() -> dict[str, Module]:
    modules = {
        _module_name(path): Module(_module_name(path), path, ast.parse(path.read_text()))
        for path in _sources(*PACKAGES)
    }
    known = set(modules)
    for module in modules.values():
        functions = [
            node
            for node in ast.walk(module.tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        local = {
            id(n)
            for f in functions
            for n in ast.walk(f)
            if isinstance(n, ast.Import | ast.ImportFrom)
        }
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in _targets(node, known):
                    if id(node) in local:
                        module.in_functions.add((target, node.lineno))
                    else:
                        module.top_level.add(target)
    return modules


MODULES = _collect()


def _reaches(start: str, goal: str) -> bool:
    seen, stack = set(), [start]
    while stack:
        name = stack.pop()
        if name == goal:
            return True
        if name in seen or name not in MODULES:
            continue
        seen.add(name)
        stack.extend(MODULES[name].top_level)
    return False


def test_no_import_circles() -> None:
    circles = sorted(
        f"{name} -> {target}"
        for name, module in MODULES.items()
        for target in module.top_level
        # A package's __init__ importing its own modules is how packages work, not a circle.
        if target != name and not target.startswith(name + ".") and _reaches(target, name)
    )
    assert circles == [], "import circles:\n" + "\n".join(circles)


def test_core_imports_nothing_outside_core() -> None:
    outward = sorted(
        f"{name} imports {target}"
        for name, module in MODULES.items()
        if name.startswith("core")
        for target in module.top_level | {t for t, _ in module.in_functions}
        if not target.startswith("core")
    )
    assert outward == []


def test_no_function_local_import_dodges_a_circle() -> None:
    dodges = sorted(
        f"{module.path.relative_to(ROOT)}:{line} imports {target}"
        for module in MODULES.values()
        for target, line in module.in_functions
        if _reaches(target, module.name)
    )
    assert dodges == [], "move these imports up and break the circle instead:\n" + "\n".join(dodges)


def test_services_never_import_orchestration() -> None:
    found = sorted(
        f"{name} imports {target}"
        for name, module in MODULES.items()
        if name.endswith(".service")
        for target in module.top_level
        if target.endswith(".flows")
    )
    assert found == []


def _final_name(node: ast.expr) -> str:
    """`session` for `session`, `conv.session` or `self.session`; '' for anything else."""
    if isinstance(node, ast.Name):
        return node.id.lower()
    return node.attr.lower() if isinstance(node, ast.Attribute) else ""


def _queries_outside_core(module: Module) -> list[str]:
    found = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            names = {alias.name for alias in node.names}
            if node.module != "sqlalchemy.ext.asyncio" or names != {"AsyncSession"}:
                found.append(f"line {node.lineno}: from {node.module} import {sorted(names)}")
        elif isinstance(node, ast.Import) and any(
            alias.name.startswith("sqlalchemy") for alias in node.names
        ):
            found.append(f"line {node.lineno}: import sqlalchemy")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in QUERY_CALLS
            and "session" in _final_name(node.func.value)
        ):
            found.append(f"line {node.lineno}: {ast.unparse(node.func)}(...)")
    return found


def _found_in(names: Callable[[str], bool], finder: Callable[[Module], list[str]]) -> list[str]:
    """What `finder` reports in each module whose name `names` accepts, by file."""
    return sorted(
        f"{module.path.relative_to(ROOT)} {problem}"
        for name, module in MODULES.items()
        if names(name)
        for problem in finder(module)
    )


def test_queries_are_built_in_core_only() -> None:
    found = _found_in(lambda name: not name.startswith("core"), _queries_outside_core)
    assert found == [], "call a core service instead:\n" + "\n".join(found)


def test_a_domains_errors_live_in_its_errors_module() -> None:
    misplaced = []
    for name in MODULES:
        parts = name.split(".")
        if (
            parts[0] != "core"
            or len(parts) < 3
            or parts[-1] == "errors"
            or parts[1] == "migrations"
        ):
            continue
        module = importlib.import_module(name)
        misplaced += [
            f"{name}.{cls.__name__}"
            for cls in vars(module).values()
            if inspect.isclass(cls) and issubclass(cls, BaseException) and cls.__module__ == name
        ]
    assert sorted(misplaced) == []


CSV_WRITERS = {"writer", "DictWriter"}
CSV_MODULE = "core.csv_text"


def _csv_writers(module: Module) -> list[str]:
    found = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ImportFrom) and node.module == "csv":
            found += [f"line {node.lineno}: from csv import {a.name}" for a in node.names]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in CSV_WRITERS
            and isinstance(node.value, ast.Name)
            and node.value.id == "csv"
        ):
            found.append(f"line {node.lineno}: csv.{node.attr}")
    return found


def test_csv_is_written_only_through_the_module_that_quotes_formulas() -> None:
    found = _found_in(lambda name: name != CSV_MODULE, _csv_writers)
    assert found == [], "write CSV with core.csv_text.csv_text instead:\n" + "\n".join(found)


def test_no_module_outside_tests_is_over_400_lines() -> None:
    long = sorted(
        f"{path.relative_to(ROOT)}: {lines} lines"
        for path in _sources(*PACKAGES, "bench")
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    )
    assert long == [], "split these along their seams:\n" + "\n".join(long)
