"""What Lambda runs is what was tested: the function's layer (build/lambda-deps, built by
`make lambda-deps`) holds exactly the pins of requirements-lambda.txt and constraints.txt, the
versions .venv runs the tests with, as wheels for the function's arm64 / CPython 3.13.

These read the built directory, not a synthesized stack; a missing or stale one fails with
the command that builds it.
"""

from __future__ import annotations

import importlib.metadata
import itertools
import re
from collections import deque
from email.parser import Parser
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from packaging.markers import Environment
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

from infra import lambda_deps
from infra.bytecode import find_compiler
from infra.constructs.function import ship_dependencies
from infra.lambda_deps import BuiltDependencies, DependenciesNotBuiltError
from tests.infra.conftest import placeholder_function
from tests.support.bytecode import assert_every_module_has_unchecked_313_bytecode, bytecode_in

ROOT = Path(__file__).resolve().parents[2]
# How pip evaluates environment markers for the function: Lambda's python3.13 on arm64.
LAMBDA_MARKERS: Environment = {
    "implementation_name": "cpython",
    "implementation_version": "3.13.0",
    "os_name": "posix",
    "platform_machine": "aarch64",
    "platform_python_implementation": "CPython",
    "platform_release": "",
    "platform_system": "Linux",
    "platform_version": "",
    "python_full_version": "3.13.0",
    "python_version": "3.13",
    "sys_platform": "linux",
}
BINARY_TAG = re.compile(r"cp313-cp313-manylinux(2014|_2_(1[7-9]|2[0-9]|3[0-4]))_aarch64")
# Lambda counts a function's code and all its layers, unzipped, against 250 MB.
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024


def requirement_lines(path: Path) -> list[str]:
    """The requirement lines of a pip requirements file, `-r` includes followed."""
    lines: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r "):
            lines += requirement_lines(path.parent / line.removeprefix("-r ").strip())
        elif line and not line.startswith("-"):
            lines.append(line)
    return lines


def pins(path: Path) -> dict[NormalizedName, str]:
    """{project: version} of a file that pins every line exactly (`name[extras]==X`)."""
    found: dict[NormalizedName, str] = {}
    for line in requirement_lines(path):
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{path.name}: {line!r} is not an exact pin"
        found[canonicalize_name(requirement.name)] = specifier.version
    return found


LAMBDA_PINS = pins(lambda_deps.REQUIREMENTS)
CONSTRAINT_PINS = pins(lambda_deps.CONSTRAINTS)


class Distribution:
    """One *.dist-info of the layer: its METADATA and WHEEL files."""

    def __init__(self, dist_info: Path) -> None:
        self.path = dist_info
        self.metadata = Parser().parsestr((dist_info / "METADATA").read_text(encoding="utf-8"))
        self.wheel = Parser().parsestr((dist_info / "WHEEL").read_text(encoding="utf-8"))
        self.name = canonicalize_name(self.metadata["Name"])
        self.version: str = self.metadata["Version"]

    @property
    def requires(self) -> list[Requirement]:
        return [Requirement(line) for line in self.metadata.get_all("Requires-Dist") or []]

    @property
    def purelib(self) -> bool:
        return str(self.wheel["Root-Is-Purelib"]).strip().lower() == "true"

    @property
    def tags(self) -> list[str]:
        return [str(tag).strip() for tag in self.wheel.get_all("Tag") or []]


@pytest.fixture(scope="module")
def layer() -> Path:
    try:
        return lambda_deps.built().path / "python"
    except DependenciesNotBuiltError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="module")
def shipped(layer: Path) -> dict[NormalizedName, Distribution]:
    distributions = [Distribution(path) for path in sorted(layer.glob("*.dist-info"))]
    found = {distribution.name: distribution for distribution in distributions}
    assert len(found) == len(distributions), "one project installed twice"
    return found


def test_the_function_pins_have_one_source() -> None:
    """requirements.txt (.venv) and requirements-py313.txt (.venv313) include
    requirements-lambda.txt instead of repeating its pins, and constraints.txt agrees."""
    for name in ("requirements.txt", "requirements-py313.txt"):
        text = (ROOT / name).read_text(encoding="utf-8")
        assert "-r requirements-lambda.txt" in text.splitlines(), name
        own = {
            canonicalize_name(Requirement(line).name)
            for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith(("#", "-"))
        }
        assert not own & set(LAMBDA_PINS), f"{name} pins a project of requirements-lambda.txt"
    for project, version in LAMBDA_PINS.items():
        assert CONSTRAINT_PINS.get(project) == version, project


def test_every_shipped_project_is_at_its_pin(shipped: dict[NormalizedName, Distribution]) -> None:
    for project, distribution in shipped.items():
        assert project in CONSTRAINT_PINS, f"{project} is shipped but pinned nowhere"
        assert distribution.version == CONSTRAINT_PINS[project], project
    for project, version in LAMBDA_PINS.items():
        assert shipped[project].version == version, project


def test_the_layer_is_exactly_the_closure_of_the_function_pins(
    shipped: dict[NormalizedName, Distribution],
) -> None:
    """Every dependency (with the extras asked for, markers as on Lambda's python3.13 arm64)
    of every requirement is shipped, and nothing else is."""
    queue = deque(Requirement(line) for line in requirement_lines(lambda_deps.REQUIREMENTS))
    reached: set[NormalizedName] = set()
    while queue:
        requirement = queue.popleft()
        project = canonicalize_name(requirement.name)
        assert project in shipped, f"{requirement} is required but not shipped"
        distribution = shipped[project]
        assert requirement.specifier.contains(distribution.version, prereleases=True)
        if project in reached and not requirement.extras:
            continue
        reached.add(project)
        extras = {"", *requirement.extras}
        for dependency in distribution.requires:
            marker = dependency.marker
            if marker is None or any(
                marker.evaluate({**LAMBDA_MARKERS, "extra": extra}) for extra in extras
            ):
                queue.append(dependency)
    assert reached == set(shipped)


def test_tests_run_the_shipped_versions(shipped: dict[NormalizedName, Distribution]) -> None:
    """The interpreter running these tests (.venv) has the same version of each."""
    for project, distribution in shipped.items():
        assert importlib.metadata.version(project) == distribution.version, project


def test_wheels_are_for_cpython_313_on_arm64(
    shipped: dict[NormalizedName, Distribution], layer: Path
) -> None:
    binary = {project for project, distribution in shipped.items() if not distribution.purelib}
    # pydantic-core and wrapt compile to extension modules; a pure-Python fallback would be
    # another program than the one tested.
    assert {"pydantic-core", "wrapt"} <= binary
    for project, distribution in shipped.items():
        assert distribution.tags, project
        if distribution.purelib:
            assert all(tag.endswith("-none-any") for tag in distribution.tags), project
            assert "py3-none-any" in distribution.tags, project
        else:
            assert all(BINARY_TAG.fullmatch(tag) for tag in distribution.tags), distribution.tags
    extensions = [path.name for path in layer.rglob("*.so")]
    assert extensions
    assert all(name.endswith(".cpython-313-aarch64-linux-gnu.so") for name in extensions)


def test_layer_holds_no_scripts_or_build_leftovers(layer: Path) -> None:
    assert sorted(path.name for path in layer.parent.iterdir()) == ["python"]
    assert not (layer / "bin").exists()
    assert not list(layer.rglob("*.pyo"))


def test_with_a_313_every_module_ships_its_unchecked_hash_bytecode(layer: Path) -> None:
    """Issue 17: built where a CPython 3.13 is (make lambda-deps rebuilds when one appears),
    every module has the bytecode the function's Python reads, valid without the source's
    timestamp; built where none is, the layer holds sources only."""
    assert len(list(layer.rglob("*.py"))) > 500
    if find_compiler() is None:
        assert bytecode_in(layer) == [], "no CPython 3.13 here, yet the layer holds bytecode"
        return
    assert_every_module_has_unchecked_313_bytecode(layer)


def test_bytecode_or_not_is_part_of_the_layer_s_key() -> None:
    """A layer built without bytecode is rebuilt once a 3.13 is there, and publishes anew."""
    assert lambda_deps.input_key(bytecode=True) != lambda_deps.input_key(bytecode=False)


def test_layer_fits_lambdas_size_limit_with_room(layer: Path) -> None:
    unzipped = sum(path.stat().st_size for path in layer.rglob("*") if path.is_file())
    assert unzipped < LAMBDA_UNZIPPED_LIMIT / 4


def test_a_missing_or_stale_directory_names_the_command(tmp_path: Path) -> None:
    build_dir, stamp = tmp_path / "lambda-deps", tmp_path / "lambda-deps.stamp"
    with pytest.raises(DependenciesNotBuiltError, match=r"does not exist\. Run `make lambda-deps`"):
        lambda_deps.built(build_dir, stamp)
    (build_dir / "python").mkdir(parents=True)
    with pytest.raises(DependenciesNotBuiltError, match="no stamp"):
        lambda_deps.built(build_dir, stamp)
    stamp.write_text("built-from-older-pins\n", encoding="utf-8")
    with pytest.raises(DependenciesNotBuiltError, match="other pins"):
        lambda_deps.built(build_dir, stamp)
    # The key this machine builds with: with bytecode where a CPython 3.13 is.
    here = lambda_deps.input_key(bytecode=find_compiler() is not None)
    stamp.write_text(here + "\n", encoding="utf-8")
    assert lambda_deps.built(build_dir, stamp).path == build_dir
    # Up to date: `make lambda-deps` does nothing (no pip run, no network).
    assert lambda_deps.build(build_dir, stamp) is False


def test_the_key_follows_the_pins(tmp_path: Path) -> None:
    requirements, constraints = tmp_path / "requirements.txt", tmp_path / "constraints.txt"
    requirements.write_text("boto3==1.44.8\n", encoding="utf-8")
    constraints.write_text("botocore==1.44.8\n", encoding="utf-8")
    key = lambda_deps.input_key(requirements, constraints)
    assert lambda_deps.input_key(requirements, constraints) == key
    constraints.write_text("botocore==1.44.9\n", encoding="utf-8")
    assert lambda_deps.input_key(requirements, constraints) != key


def test_pip_fetches_binary_wheels_for_the_function_platform() -> None:
    arguments = lambda_deps.pip_arguments(Path("/target"))
    pairs = dict(itertools.pairwise(arguments))
    assert pairs["--platform"] == "manylinux2014_aarch64"
    assert pairs["--python-version"] == "3.13"
    assert pairs["--implementation"] == "cp"
    assert pairs["--abi"] == "cp313"
    assert pairs["-r"] == str(lambda_deps.REQUIREMENTS)
    assert pairs["-c"] == str(lambda_deps.CONSTRAINTS)
    assert {"--only-binary=:all:", "--no-compile"} <= set(arguments)


def _version_logical_id(layer_dir: Path, key: str, outdir: Path) -> str:
    app = App(outdir=str(outdir))
    stack = Stack(app, "Versions")
    function = placeholder_function(stack)
    ship_dependencies(stack, function, BuiltDependencies(path=layer_dir, key=key))
    function.current_version  # noqa: B018  (creates the version, as the alias does)
    resources = app.synth().get_stack_by_name("Versions").template["Resources"]
    (version,) = [name for name, res in resources.items() if res["Type"] == "AWS::Lambda::Version"]
    return str(version)


def test_new_pins_publish_a_new_version(tmp_path: Path) -> None:
    """The alias (SnapStart) must move to a version with the new dependencies."""
    layer_dir = tmp_path / "layer"
    (layer_dir / "python").mkdir(parents=True)
    (layer_dir / "python" / "placeholder.py").write_text("", encoding="utf-8")
    first, same, other = (
        _version_logical_id(layer_dir, key, tmp_path / f"out{index}")
        for index, key in enumerate(("a" * 64, "a" * 64, "b" * 64))
    )
    assert first == same
    assert first != other
