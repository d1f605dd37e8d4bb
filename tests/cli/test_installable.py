"""`pip install .` into an empty environment gives a working `dfss`: the package declares every
third-party module it imports, at the pins the project tests with (constraints.txt)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The distribution that provides each importable top-level module dfss may use.
DISTRIBUTIONS = {"boto3": "boto3", "botocore": "botocore"}


def imported_top_level_modules() -> set[str]:
    modules: set[str] = set()
    for source in (ROOT / "cli" / "dfss").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules


def declared() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = (re.fullmatch(r"([A-Za-z0-9_.-]+)==([^\s;]+)", d) for d in project["dependencies"])
    return {pin[1].lower(): pin[2] for pin in pins if pin}


def test_every_third_party_import_is_a_declared_dependency() -> None:
    third_party = imported_top_level_modules() - set(sys.stdlib_module_names) - {"dfss"}
    assert third_party <= set(DISTRIBUTIONS), f"not declared in pyproject: {third_party}"
    assert {DISTRIBUTIONS[module] for module in third_party} <= set(declared())


def test_the_declared_pins_are_the_tested_pins() -> None:
    constraints = dict(
        line.split("==", 1)
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    dependencies = declared()
    assert dependencies, "pyproject.toml [project] dependencies is empty"
    assert {name: constraints.get(name) for name in dependencies} == dependencies
