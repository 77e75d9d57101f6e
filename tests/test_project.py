"""Project-level guards: dependency lists agree, notebooks are committed clean, CI runs the README's commands."""

from __future__ import annotations

import importlib
import json
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _normalise(requirement: str) -> tuple[str, str]:
    requirement = requirement.split(";")[0].strip()
    match = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", requirement)
    assert match, f"cannot parse requirement {requirement!r}"
    name, spec = match.groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    listed = list(project["dependencies"]) + list(project["optional-dependencies"]["dev"])
    return dict(_normalise(r) for r in listed)


def _environment_requirements() -> dict[str, str]:
    lines = (ROOT / "environment.yml").read_text(encoding="utf-8").splitlines()
    start = lines.index("dependencies:")
    found = {}
    for line in lines[start + 1 :]:
        item = re.match(r"^\s+-\s+([^#\s][^#]*?)\s*(#.*)?$", line)
        if item is None:
            continue
        name, spec = _normalise(item.group(1))
        if name not in {"python", "pip"}:
            found[name] = spec
    return found


def test_environment_yml_and_pyproject_list_the_same_dependencies():
    assert _environment_requirements() == _pyproject_requirements()


def test_dependency_parser_sees_every_package():
    # Guards the guard: an environment.yml that lost its entries must not pass as "agreeing".
    assert {"pandas", "scikit-learn", "papermill", "pytest"} <= set(_environment_requirements())


def _notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.name)
def test_committed_notebooks_carry_no_outputs(path: Path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    dirty = [
        i
        for i, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs; strip them before committing"


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.name)
def test_notebooks_have_a_parameters_cell_first(path: Path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    code_cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code_cells, f"{path.name} has no code"
    assert "parameters" in code_cells[0].get("metadata", {}).get("tags", []), (
        f"{path.name}: the first code cell must be tagged 'parameters'"
    )


def _readme_block(heading: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(heading, 1)[1]
    return re.search(r"```(?:bash|sh)?\n(.*?)```", section, re.S).group(1).strip()


def test_ci_installs_and_tests_exactly_as_the_readme_says():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    setup = _readme_block("## Set up")
    tests = _readme_block("## Run the tests")
    assert setup.splitlines()[-1] in ci
    assert ci.strip().splitlines()[-1] == tests


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.name)
def test_papermill_documents_every_parameter(path: Path):
    # `papermill --help-notebook` and `-p` checks rely on papermill parsing each line of the cell.
    import papermill

    notebook = json.loads(path.read_text(encoding="utf-8"))
    cell = next(c for c in notebook["cells"] if c["cell_type"] == "code")
    source = "".join(cell["source"])
    declared = {m.group(1) for m in re.finditer(r"^(\w+)\s*(?::[^=]+)?=", source, re.M)}
    inferred = set(papermill.inspect_notebook(str(path)))
    assert declared and declared == inferred, f"papermill cannot parse: {sorted(declared - inferred)}"
    for name in ("data_source", "as_of", "seed", "output_dir", "show_pii", "lang", "engine"):
        assert name in inferred, f"{path.name} lacks the standard parameter {name!r}"


def test_readme_names_only_code_that_exists():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    dotted = set(re.findall(r"`(crm_analysis(?:\.\w+)+)", readme))
    dotted |= {f"{m}.{n}" for m, n in re.findall(r"from (crm_analysis[\w.]*) import (\w+)", readme)}
    assert "crm_analysis.features.rfm_summary_duckdb" in dotted  # guard the guard: the search finds names
    for name in sorted(dotted):
        module, _, attribute = name.rpartition(".")
        try:
            importlib.import_module(name)
        except ImportError:
            assert hasattr(importlib.import_module(module), attribute), f"README names {name}, which does not exist"


def test_readme_lays_out_every_subpackage():
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## How the code is laid out", 1)[1]
    section = section.split("\n## ", 1)[0]
    package = ROOT / "crm_analysis"
    subpackages = [*sorted(p.name for p in package.iterdir() if (p / "__init__.py").is_file()), "locale"]
    assert len(subpackages) >= 10
    for name in subpackages:
        assert f"`{name}/`" in section, f"README's layout section does not describe {name}/"
