"""`sponsorlens train` through the real CLI: a tiny CPU run from the ultralytics yaml."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import make_yaml_model
from typer.testing import CliRunner

from cli.main import app
from measure.hashing import sha256_file
from vision.inference.detector import LogoDetector
from vision.inference.modelcard import WeightsError

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()


#: torch's thread count at the start of each epoch of the ``trained`` fixture's real training
THREADS_SEEN: list[int] = []


def _record_threads(trainer: object) -> None:
    import torch

    THREADS_SEEN.append(torch.get_num_threads())


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("train")
    logos = root / "logos"
    logos.mkdir()
    for sponsor in ("Apexa", "Glint"):
        shutil.copy(REPO / "weights" / "demo_artwork" / f"{sponsor}.png", logos / f"{sponsor}.png")
    out = root / "weights"
    args = [
        "train",
        str(logos),
        "--name",
        "tiny",
        "--out",
        str(out),
        "--epochs",
        "1",
        "--imgsz",
        "64",
        "--images",
        "12",
        "--batch",
        "4",
        "--device",
        "cpu",
        "--workdir",
        str(root / "work"),
    ]
    from ultralytics.utils.callbacks.base import default_callbacks

    # a spy among ultralytics' own callbacks: every model built during the training gets it
    default_callbacks["on_train_epoch_start"].append(_record_threads)
    try:
        res = runner.invoke(app, args)
    finally:
        default_callbacks["on_train_epoch_start"].remove(_record_threads)
    assert res.exit_code == 0, res.output
    return out / "tiny.pt"


def test_training_decides_mixed_precision_without_a_download(trained: Path) -> None:
    # ultralytics' own check downloads yolo26n.pt on a GPU; training replaces it before it runs
    import torch
    import ultralytics.engine.trainer as engine

    from vision.training.train import _amp_on_cuda

    assert engine.check_amp is _amp_on_cuda

    class _ModelOn:
        """Test double of a model: its parameters live on ``device`` (no GPU needed to say so)."""

        def __init__(self, device: str) -> None:
            self.device = torch.device(device)

        def parameters(self) -> Iterator[_ModelOn]:
            yield self

    assert _amp_on_cuda(_ModelOn("cuda")) is True  # as ultralytics decides offline: AMP on a GPU
    assert _amp_on_cuda(_ModelOn("cpu")) is False


def test_train_writes_a_loadable_model_with_a_verified_card(trained: Path) -> None:
    card = json.loads(trained.with_suffix(".json").read_text())
    assert card["sha256"] == sha256_file(trained)
    assert card["classes"] == ["Apexa", "Glint"] and card["task"] == "detect" and card["imgsz"] == 64
    assert set(card["validation"]) >= {"map50", "map50_95", "precision", "recall"}
    assert card["synthesis"]["n_train"] + card["synthesis"]["n_val"] == 12
    assert card["hardware"].startswith("CPU") and card["training_s"] > 0 and card["date"]
    assert set(card["artwork"]) == {"Apexa", "Glint"}
    det = LogoDetector(trained, imgsz=64, device="cpu")
    assert det.names == ["Apexa", "Glint"] and det.sha256 == card["sha256"]


def test_a_relative_workdir_and_out_are_where_the_user_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logos = tmp_path / "logos"
    logos.mkdir()
    shutil.copy(REPO / "weights" / "demo_artwork" / "Apexa.png", logos / "Apexa.png")
    monkeypatch.chdir(tmp_path)
    args = ["train", "logos", "--name", "rel", "--out", "w", "--workdir", "work", "--device", "cpu"]
    res = runner.invoke(app, [*args, "--epochs", "1", "--imgsz", "64", "--images", "6", "--batch", "2"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "w" / "rel.pt").is_file() and (tmp_path / "work" / "run" / "weights").is_dir()
    assert not (tmp_path / "runs").exists()  # not ultralytics' own runs/detect/work


def test_a_tampered_model_is_refused(trained: Path, tmp_path: Path) -> None:
    bad = tmp_path / "tiny.pt"
    shutil.copy(trained, bad)
    shutil.copy(trained.with_suffix(".json"), bad.with_suffix(".json"))
    data = bytearray(bad.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="does not match its model card"):
        LogoDetector(bad, device="cpu")
    bad.with_suffix(".json").unlink()
    with pytest.raises(WeightsError, match="no model card"):
        LogoDetector(bad, device="cpu")


def test_train_continues_from_an_earlier_model(trained: Path, tmp_path: Path) -> None:
    logos = tmp_path / "logos"
    logos.mkdir()
    for sponsor in ("Apexa", "Glint"):
        shutil.copy(REPO / "weights" / "demo_artwork" / f"{sponsor}.png", logos / f"{sponsor}.png")
    args = [
        "train",
        str(logos),
        "--name",
        "tiny2",
        "--out",
        str(tmp_path),
        "--epochs",
        "1",
        "--imgsz",
        "64",
        "--images",
        "8",
        "--batch",
        "4",
        "--device",
        "cpu",
        "--seed",
        "1",
        "--init",
        str(trained),
    ]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    card = json.loads((tmp_path / "tiny2.json").read_text())
    assert card["initialised_from"]["sha256"] == sha256_file(trained)
    # the weights continue from the earlier model rather than starting again from random
    before, after = (_first_conv(p) for p in (trained, tmp_path / "tiny2.pt"))
    fresh = _first_conv(make_yaml_model(tmp_path / "fresh.pt", ["Apexa", "Glint"]))
    assert _cosine(before, after) > 0.9 > 0.5 > abs(_cosine(before, fresh))
    assert card["initialised_from"]["transfer"] == "all"
    res = runner.invoke(app, [*args, "--task", "obb"])  # a detect model cannot start an obb one
    assert res.exit_code == 4 and "task" in res.output


def _first_conv(path: Path) -> np.ndarray:
    from ultralytics import YOLO

    return next(iter(YOLO(str(path)).model.state_dict().values())).float().numpy().ravel()


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_train_rejects_bad_input(tmp_path: Path) -> None:
    res = runner.invoke(app, ["train", str(tmp_path / "none"), "--name", "x", "--out", str(tmp_path)])
    assert res.exit_code == 3 and "Traceback" not in res.output
    res = runner.invoke(app, ["train", str(tmp_path), "--name", "../evil", "--out", str(tmp_path)])
    assert res.exit_code == 3 and "--name" in res.output


def test_cpu_training_uses_every_core(trained: Path) -> None:
    """ultralytics trains on CPU with one core left free; the trainer callback takes them all, as
    seen from inside the real training of the ``trained`` fixture."""
    import os

    assert THREADS_SEEN and set(THREADS_SEEN) == {os.cpu_count() or 1}, THREADS_SEEN


def test_the_library_refuses_names_that_leave_the_output_folder(tmp_path: Path) -> None:
    from vision.training.adapt import adapt
    from vision.training.train import train

    logos = tmp_path / "logos"
    logos.mkdir()
    shutil.copy(REPO / "weights" / "demo_artwork" / "Apexa.png", logos / "Apexa.png")
    out = tmp_path / "out" / "models"
    for name in ("../x", "a/b", ".", "", "/abs"):
        with pytest.raises(ValueError, match="letters, digits"):
            train(logos, name, out, images=4, epochs=1, imgsz=64, device="cpu")
        with pytest.raises(ValueError, match="letters, digits"):
            adapt([tmp_path], REPO / "weights" / "demo.pt", logos, name, out, tmp_path / "work")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["logos"]  # nothing written anywhere


def test_train_onboards_exactly_the_catalogue_sponsors(tmp_path: Path) -> None:
    logos = tmp_path / "logos"
    logos.mkdir()
    for sponsor in ("apexa", "Glint", "Helix"):  # file names need not match the catalogue's case
        shutil.copy(
            REPO / "weights" / "demo_artwork" / f"{sponsor.capitalize()}.png", logos / f"{sponsor}.png"
        )
    common = ["train", str(logos), "--out", str(tmp_path / "w"), "--device", "cpu"]
    res = runner.invoke(app, [*common, "--name", "bad", "--sponsors", "Apexa,Emirates"])
    assert res.exit_code == 3 and "no artwork for Emirates" in res.output  # refused before any training
    assert not (tmp_path / "w" / "bad.pt").exists()
    tiny = ["--epochs", "1", "--imgsz", "64", "--images", "8", "--batch", "4"]
    res = runner.invoke(app, [*common, *tiny, "--name", "two", "--sponsors", "Apexa,Helix"])
    assert res.exit_code == 0, res.output
    card = json.loads((tmp_path / "w" / "two.json").read_text())
    assert card["classes"] == ["Apexa", "Helix"]  # Glint left out; named as the catalogue spells them
    assert set(card["artwork"]) == {"Apexa", "Helix"}
