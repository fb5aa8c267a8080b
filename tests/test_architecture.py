"""The rules of docs/architecture.md that import-linter cannot see.

A new feature module that marks a button action but is missing from the composition root
would leave its buttons dead; a service function that takes a ``Turn`` would tie domain rules
to the chat again. These tests name the module that breaks a rule.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import bot
from bot import composition
from bot.platform.wiring import DATA_ATTRIBUTES, marks_of

ROOT = Path(__file__).resolve().parents[1]
# Leaves and composition: not features, so not wired and free to take a Turn.
NOT_FEATURES = ("bot.bot_api_double", "bot.demo", "bot.cli", "bot.migrations", "bot.chat")
CHAT_TYPES = {"Turn", "Outcome", "Screen"}
LONG = 500


def _feature_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(bot.__path__, "bot."):
        if info.ispkg or info.name.startswith(NOT_FEATURES) or info.name.count(".") < 2:
            continue
        names.append(info.name)
    return sorted(names)


def _is_chat_module(name: str) -> bool:
    leaf = name.rsplit(".", 1)[1]
    return leaf.endswith("_chat") or leaf in ("chat", "views")


def test_every_module_that_marks_something_is_wired() -> None:
    wired = {module.__name__ for module in composition.FEATURES}
    missing = []
    for name in _feature_modules():
        module = importlib.import_module(name)
        marked = any(
            marks_of(value) and getattr(value, "__module__", None) == name
            for value in vars(module).values()
        )
        declares = any(hasattr(module, attribute) for attribute in DATA_ATTRIBUTES)
        if (marked or declares) and name not in wired:
            missing.append(name)
    assert missing == [], f"add these to bot/composition.py FEATURES: {missing}"


def test_only_chat_modules_take_a_turn_or_return_screens() -> None:
    offenders = []
    for name in _feature_modules():
        if _is_chat_module(name):
            continue
        path = ROOT / Path(*name.split(".")).with_suffix(".py")
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            annotations = [a.annotation for a in node.args.args + node.args.kwonlyargs]
            annotations.append(node.returns)
            used = {
                n.id
                for a in annotations
                if a is not None
                for n in ast.walk(a)
                if isinstance(n, ast.Name)
            }
            if used & CHAT_TYPES:
                offenders.append(f"{name}.{node.name}")
    assert offenders == [], f"move these to the feature's *_chat module: {offenders}"


def test_bot_holds_only_the_composition_modules() -> None:
    top = sorted(p.name for p in (ROOT / "bot").glob("*.py"))
    assert len(top) <= 8, top


def test_long_modules_say_they_are_one_concept() -> None:
    long = []
    for path in sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "flows").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        text = path.read_text()
        doc = ast.get_docstring(ast.parse(text)) or ""
        if len(text.splitlines()) > LONG and "One concept" not in doc:
            long.append(str(path.relative_to(ROOT)))
    assert long == [], f"split these, or say in the docstring why they are one concept: {long}"


def test_the_production_process_never_loads_the_bot_api_double() -> None:
    probe = (
        "import sys\n"
        "from bot.cli import main\n"
        "from bot import app, runner, scheduler, composition\n"
        "composition.build_wiring(); composition.build_flows()\n"
        "main.build_parser()\n"
        "leaves = ('bot.bot_api_double', 'bot.demo', 'selenium')\n"
        "print(sorted(m for m in sys.modules if m.startswith(leaves)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_every_table_module_is_seen_by_the_migrations() -> None:
    """A model module that ``bot/models/__init__.py`` does not import is missing from the
    metadata, so ``make migration`` would silently leave its table out."""
    init = ROOT / "bot" / "models" / "__init__.py"
    imported = {
        name.asname or name.name
        for node in ast.walk(ast.parse(init.read_text()))
        if isinstance(node, ast.ImportFrom) and node.module in ("bot.models", None)
        for name in node.names
    } | {
        (node.module or "").rsplit(".", 1)[1]
        for node in ast.walk(ast.parse(init.read_text()))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot.models.")
    }
    modules = {p.stem for p in (ROOT / "bot" / "models").glob("*.py")} - {"__init__"}
    assert sorted(modules - imported) == [], "import these in bot/models/__init__.py"
