"""How the code is laid out (README, "How the code is laid out"), read from the source with `ast`: which
package may import which, SQL in storage only, and the size limits of storage, review and the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "itb_screen"
#: The packages held to the size limits here (the others keep their own).
SIZED = ("criteria", "dialogue", "storage", "review", "bot", "cli")
#: The questionnaire's declarations are data, not code to hold in one's head: their module may be long.
DECLARATIONS = {"itb_screen.criteria._catalogue", "itb_screen.criteria._vocabulary"}
#: The seed statements are quoted verbatim, one line each (ruff's per-file ignore says the same).
VERBATIM = {"itb_screen.criteria._seed"}
MAX_MODULE_LINES, MAX_FUNCTION_LINES, MAX_BRANCHES, MAX_LINE = 400, 40, 12, 110


def modules(*under: str) -> list[Path]:
    roots = [PACKAGE / name for name in under] if under else [PACKAGE]
    return sorted(p for root in roots for p in root.rglob("*.py"))


def name_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def imported(path: Path) -> set[str]:
    """Every module `path` imports, made absolute: `from ..bot import x` in itb_screen.review gives
    itb_screen.bot and itb_screen.bot.x."""
    package = name_of(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def runtime_imports(path: Path) -> set[str]:
    """As `imported`, leaving out the imports under `if TYPE_CHECKING:` (annotations only)."""
    tree = ast.parse(path.read_text())
    skipped = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
        for n in ast.walk(node)
    }
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and id(node) not in skipped:
            names.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and id(node) not in skipped and not node.level:
            names.add((node.module or "").partition(".")[0])
    return names


def test_review_never_imports_the_channels():
    for path in modules("review"):
        assert not any(m.startswith("itb_screen.bot") for m in imported(path)), name_of(path)


def test_only_the_command_line_imports_the_channels():
    for path in modules():
        if name_of(path).startswith(("itb_screen.bot", "itb_screen.cli")):
            continue
        assert not any(m.startswith("itb_screen.bot") for m in imported(path)), name_of(path)


def test_only_storage_runs_sql():
    """Outside storage: no sqlite3 or sqlite-utils at run time, and no execute() on any connection."""
    for path in modules():
        if name_of(path).startswith("itb_screen.storage"):
            continue
        assert not runtime_imports(path) & {"sqlite3", "sqlite_utils"}, name_of(path)
        calls = [
            n
            for n in ast.walk(ast.parse(path.read_text()))
            if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute)
            and n.func.attr in ("execute", "executemany", "executescript")
        ]
        assert not calls, f"{name_of(path)} line {calls[0].lineno if calls else ''}"


def branches(function: ast.AST) -> int:
    """Branches as ruff's PLR0912 counts them: if/elif/else, loops (and their else), except/else/finally."""
    count = 0
    for node in ast.iter_child_nodes(function):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.If):
            elif_ = len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If)  # counted as its own if
            count += 1 + bool(node.orelse and not elif_)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            count += 1 + bool(node.orelse)
        elif isinstance(node, ast.Try):
            count += len(node.handlers) + bool(node.orelse) + bool(node.finalbody)
        count += branches(node)
    return count


@pytest.mark.parametrize("path", modules(*SIZED), ids=name_of)
def test_modules_and_functions_stay_small(path):
    text = path.read_text()
    assert name_of(path) in DECLARATIONS or len(text.splitlines()) <= MAX_MODULE_LINES
    long_lines = [n for n, line in enumerate(text.splitlines(), 1) if len(line) > MAX_LINE]
    long_lines = [] if name_of(path) in VERBATIM else long_lines
    assert not long_lines, f"lines over {MAX_LINE} characters: {long_lines}"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            assert node.end_lineno - node.lineno + 1 <= MAX_FUNCTION_LINES, f"{node.name} is too long"
            assert branches(node) <= MAX_BRANCHES, f"{node.name} has too many branches"


def test_the_branch_count_counts_like_ruff():
    source = (
        "def f(x):\n    if x:\n        pass\n    elif x > 1:\n        pass\n    else:\n        pass\n"
        "    for _ in x:\n        pass\n    try:\n        pass\n    except ValueError:\n        pass\n"
    )
    assert branches(ast.parse(source).body[0]) == 5
