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
#: Training modules: synthesis, training, self-training and labelled-folder import. (Sampling the
#: user's footage, ``vision.footage``, serves ``review`` as well as ``adapt``: it is shared.)
TRAINING = (
    "vision.train",
    "vision.adapt",
    "vision.teacher",
    "vision.synth",
    "vision.scenes",
    "vision.compose",
    "vision.degrade",
    "vision.labelled",
    "vision.clip",
)
#: Inference modules: everything an analysis runs, from decoding to the report blocks.
INFERENCE = (
    "vision.sources",
    "vision.images",
    "vision.discovery",
    "vision.detector",
    "vision.detectors",
    "vision.reader",
    "vision.text_match",
    "vision.artwork_text",
    "vision.checking",
    "vision.tracker",
    "vision.shots",
    "vision.pipeline",
    "vision.photo_analysis",
    "vision.analysis",
    "vision.export",
    "vision.modelcard",
)


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


def test_nothing_but_the_tests_imports_cli() -> None:
    assert not _breaks(_modules("vision") + _modules("measure") + _modules("bench"), ("cli",))


def test_inference_modules_import_no_training_module() -> None:
    paths = [REPO / (m.replace(".", "/") + ".py") for m in INFERENCE]
    assert all(p.is_file() for p in paths), [str(p) for p in paths if not p.is_file()]
    assert not _breaks(paths, TRAINING)


def test_the_classification_covers_every_vision_module() -> None:
    modules = {".".join(p.relative_to(REPO).with_suffix("").parts) for p in _modules("vision")}
    modules = {m.removesuffix(".__init__") for m in modules}
    shared = {
        "vision",
        "vision.artwork",
        "vision.demo_artwork",
        "vision.real_artwork",
        "vision.memory",
        "vision.footage",
    }
    shared |= {"vision.processes"} | {m for m in modules if m.startswith("vision.batch")}
    unclassified = modules - set(TRAINING) - set(INFERENCE) - shared
    assert not unclassified, (
        f"classify these as inference or training in tests/test_layering.py: {unclassified}"
    )


@pytest.mark.parametrize(
    ("entry", "banned"),
    [
        ("measure.exposure, measure.photos, measure.features, measure.roi, measure.db, measure.store", HEAVY),
        ("vision.analysis, vision.detectors, cli.main", TRAINING),
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
