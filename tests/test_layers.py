"""The package keeps one-way layering: a module imports only from its own room or the rooms below it."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"
# Bottom to top. Rooms on one floor may not import each other (report and lifecycle share nothing but
# what is below them, except drift's use of the report's statistics, which sits on a lower floor).
FLOORS = {
    "config": 0,
    "errors": -2,  # the user-facing errors: imported by every room, importing none
    "defaults": -1,  # where the packaged params.yaml and themes.yaml are
    "imports": -1,  # spaCy and skops imported without torch (below privacy, which reads its stop words)
    "privacy": 0,
    "resources": -1,  # data files (the name lists privacy reads), no code
    "language": 1,
    "data": 2,
    "modelling": 3,
    "report": 4,
    "feedback": 4.5,  # the officers' decisions: above the report (whose tables it renders), below drift and serving
    "lifecycle": 5,
    "serving": 6,
    "console_views": 7,  # what the CLI prints, built from the stages' results
    "spark": 7,  # the Spark engine: runs the serving and report stages on a cluster (only the CLI imports it)
    "cli": 8,
    "__main__": 9,
}


def room(module: str) -> str:
    """``pipeline.data.files`` -> ``data``; ``pipeline.cli`` -> ``cli``."""
    return module.split(".")[1]


def imports_of(path: Path) -> list[tuple[str, int]]:
    """Every pipeline module imported by ``path`` (at any depth, lazy imports included), with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline"):
            names = [node.module] if node.module != "pipeline" else [f"pipeline.{a.name}" for a in node.names]
            found += [(name, node.lineno) for name in names]
        elif isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.startswith("pipeline.")]
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_room_has_a_floor():
    rooms = {room("pipeline." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts)) for p in MODULES}
    assert rooms - {"__init__"} <= set(FLOORS), rooms - set(FLOORS)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_upwards(path: Path):
    module = "pipeline." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    if module.endswith("__init__") and module.count(".") == 1:
        return
    mine = room(module)
    upward = [
        f"line {line}: {name}"
        for name, line in imports_of(path)
        if name.count(".") >= 1 and room(name) != mine and FLOORS[room(name)] >= FLOORS[mine]
    ]
    assert not upward, f"{module} ({mine}, floor {FLOORS[mine]}) imports from its own floor or above: {upward}"


def test_the_fake_upward_import_is_caught(tmp_path: Path):
    """The check itself can fail: a data module importing the CLI is found."""
    bad = tmp_path / "bad.py"
    bad.write_text("from pipeline.cli import app\n", encoding="utf-8")
    assert imports_of(bad) == [("pipeline.cli", 1)]
    assert FLOORS[room("pipeline.cli")] > FLOORS["data"]
