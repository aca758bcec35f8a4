"""The import rules of docs/architecture.md, checked on the source (every import statement, at module
level or inside a function) and, for what an analysis loads, on a fresh interpreter."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "torchvision", "ultralytics")
PIXELS = ("cv2", "PIL", "skimage")
#: The subpackages of vision/ (docs/architecture.md): io and inference are what an analysis runs,
#: training is synthesis, training, self-training and labelled-folder import.
TRAINING = ("vision.training",)
INFERENCE = ("vision.io", "vision.inference")
#: Top-level vision modules shared by both sides (process-level helpers) and the batch library.
SHARED = ("vision", "vision.memory", "vision.processes", "vision.batch")


def _modules(folder: str) -> list[Path]:
    return sorted(p for p in (REPO / folder).rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path) -> set[str]:
    """Every module named by an absolute import statement of ``path`` (anywhere in it)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _breaks(paths: list[Path], banned: tuple[str, ...]) -> list[str]:
    return [
        f"{p.relative_to(REPO)} imports {m}"
        for p in paths
        for m in sorted(_imports(p))
        if any(m == b or m.startswith(b + ".") for b in banned)
    ]


def test_measure_imports_neither_torch_ultralytics_vision_nor_cli() -> None:
    assert not _breaks(_modules("measure"), (*HEAVY, "vision", "cli"))


def test_measure_needs_no_pixels() -> None:
    """Per-detection scoring on pixels lives in vision.inference.quality; measure gets columns."""
    assert not _breaks(_modules("measure"), PIXELS)


def test_nothing_but_the_tests_imports_cli() -> None:
    assert not _breaks(_modules("vision") + _modules("measure") + _modules("bench"), ("cli",))


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def test_inference_modules_import_no_training_module() -> None:
    paths = [p for p in _modules("vision") if _within(_module_name(p), INFERENCE)]
    assert len(paths) > 15
    assert not _breaks(paths, TRAINING)


def test_every_vision_module_sits_in_a_subpackage() -> None:
    modules = {_module_name(p) for p in _modules("vision")}
    loose = {m for m in modules if not _within(m, (*TRAINING, *INFERENCE)) and m not in SHARED}
    loose -= {m for m in modules if _within(m, ("vision.batch",))}
    assert not loose, f"put these in vision/io, vision/inference or vision/training: {loose}"


@pytest.mark.parametrize(
    ("entry", "banned"),
    [
        (
            "measure.exposure, measure.photos, measure.roi.features, measure.roi.fit, measure.db, measure.store",
            (*HEAVY, *PIXELS),
        ),
        ("vision.inference.analysis, vision.inference.detectors, cli.main", TRAINING),
    ],
)
def test_a_fresh_interpreter_loads_no_banned_module(entry: str, banned: tuple[str, ...]) -> None:
    code = (
        f"import sys, json; import {entry}; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {[b.split('.')[0] for b in banned]!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert not loaded & set(banned), sorted(loaded & set(banned))
