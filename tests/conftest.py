"""Shared fixtures: a real YOLO model file built from the ultralytics yaml in this test session."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEMO_WEIGHTS = REPO / "weights" / "demo.pt"


@pytest.fixture(scope="session")
def yaml_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained yolo11n detect model with classes Acme and Bolt, with its model card."""
    from vision.modelcard import write_card
    from vision.train import init_model

    path = init_model(["Acme", "Bolt"], tmp_path_factory.mktemp("model") / "acme.pt", task="detect")
    write_card(path, {"name": "acme", "task": "detect", "classes": ["Acme", "Bolt"]})
    return path


@pytest.fixture(scope="session")
def yaml_obb_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained yolo11n-obb model with classes Acme and Bolt, with its model card."""
    from vision.modelcard import write_card
    from vision.train import init_model

    path = init_model(["Acme", "Bolt"], tmp_path_factory.mktemp("obb") / "acme-obb.pt", task="obb")
    write_card(path, {"name": "acme-obb", "task": "obb", "classes": ["Acme", "Bolt"]})
    return path
