"""`sponsorlens analyze` through the real path: OpenCV decode, a real YOLO model file, the real CLI."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli.main import app
from measure.exposure import SEGMENT_COLUMNS, SPONSOR_COLUMNS
from measure.records import CONTEXT_COLUMNS, DETECTION_COLUMNS, QUALITY_COLUMNS

runner = CliRunner()


def write_pitch_clip(
    path: Path, frames: int = 30, fps: float = 10.0, size: tuple[int, int] = (320, 180)
) -> Path:
    """A logo-free clip: green pitch with a moving white blob (a player), written with OpenCV."""
    w, h = size
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for i in range(frames):
        img = np.zeros((h, w, 3), np.uint8)
        img[:] = (40, 140, 40)
        cv2.circle(img, (20 + 8 * i % w, h // 2), 6, (255, 255, 255), -1)
        out.write(img)
    out.release()
    return path


def test_analyze_writes_every_output_and_zero_exposure_without_logos(
    tmp_path: Path, yaml_model: Path
) -> None:
    video = write_pitch_clip(tmp_path / "pitch.mp4")
    out = tmp_path / "out"
    res = runner.invoke(
        app, ["analyze", str(video), "--out", str(out), "--weights", str(yaml_model), "--imgsz", "160"]
    )
    assert res.exit_code == 0, res.output
    report = json.loads((out / "report.json").read_text())
    assert set(report) >= {"source", "model", "settings", "sponsors", "segments", "tool", "stopped"}
    src = report["source"]
    assert src["frames"] == 30 and src["analysed_frames"] == 30
    assert src["fps"] == pytest.approx(10.0)
    assert src["duration_s"] == pytest.approx(3.0, abs=0.11)
    assert (src["width"], src["height"]) == (320, 180)
    assert report["model"]["classes"] == ["Acme", "Bolt"] and report["model"]["task"] == "detect"
    assert len(report["model"]["sha256"]) == 64
    for key in ("min_clarity", "min_side_px", "max_gap_s", "min_exposure_s", "sample_fps", "conf", "imgsz"):
        assert key in report["settings"]
    assert report["stopped"] is None
    assert [s["sponsor"] for s in report["sponsors"]] == ["Acme", "Bolt"]
    for row in report["sponsors"]:
        assert list(row)[: len(SPONSOR_COLUMNS)] == SPONSOR_COLUMNS[: len(row)]
        assert row["exposure_s"] == 0 and row["exposures"] == 0 and row["media_value"] == 0
    assert report["segments"] == []
    sponsors = pd.read_csv(out / "sponsors.csv")
    assert list(sponsors.columns) == SPONSOR_COLUMNS
    assert list(pd.read_csv(out / "segments.csv").columns) == SEGMENT_COLUMNS
    dets = pd.read_parquet(out / "detections.parquet")
    assert set(DETECTION_COLUMNS) | set(QUALITY_COLUMNS) | set(CONTEXT_COLUMNS) <= set(dets.columns)
    assert len(dets) == 0
    # the context table: every sponsor, dimension and value, all zero
    assert len(report["context"]) == 2 * 9 and all(r["exposure_s"] == 0 for r in report["context"])
    assert not list(tmp_path.glob(".out.*")), "no temporary directory may be left behind"


def test_analyze_sample_fps_analyses_fewer_frames(tmp_path: Path, yaml_model: Path) -> None:
    video = write_pitch_clip(tmp_path / "pitch.mp4", frames=40, fps=20.0)
    out = tmp_path / "out"
    res = runner.invoke(
        app,
        [
            "analyze",
            str(video),
            "-o",
            str(out),
            "--weights",
            str(yaml_model),
            "--imgsz",
            "160",
            "--sample-fps",
            "5",
        ],
    )
    assert res.exit_code == 0, res.output
    src = json.loads((out / "report.json").read_text())["source"]
    assert src["analysed_frames"] == 10


@pytest.mark.parametrize("content", [b"", b"not a video at all" * 100, bytes(range(256)) * 64])
def test_corrupt_input_exits_non_zero_and_leaves_no_dir(
    tmp_path: Path, yaml_model: Path, content: bytes
) -> None:
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(content)
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(bad), "--out", str(out), "--weights", str(yaml_model)])
    assert res.exit_code == 3, res.output
    assert "broken.mp4" in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1
    assert not out.exists()
    assert not list(tmp_path.glob(".out.*"))


def test_missing_input_and_bad_flags_are_one_line_errors(tmp_path: Path, yaml_model: Path) -> None:
    out = tmp_path / "out"
    res = runner.invoke(
        app, ["analyze", str(tmp_path / "nope.mp4"), "--out", str(out), "--weights", str(yaml_model)]
    )
    assert res.exit_code == 3 and "nope.mp4" in res.output and not out.exists()
    video = write_pitch_clip(tmp_path / "pitch.mp4", frames=5)
    res = runner.invoke(
        app, ["analyze", str(video), "--out", str(out), "--weights", str(yaml_model), "--sample-fps", "0"]
    )
    assert res.exit_code != 0 and "sample" in res.output.lower() and not out.exists()


def test_tampered_weights_are_refused_unless_trusted(tmp_path: Path, yaml_model: Path) -> None:
    weights = tmp_path / "acme.pt"
    shutil.copy(yaml_model, weights)
    shutil.copy(yaml_model.with_suffix(".json"), weights.with_suffix(".json"))
    with open(weights, "ab") as f:
        f.write(b"\0")
    video = write_pitch_clip(tmp_path / "pitch.mp4", frames=5)
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(video), "--out", str(out), "--weights", str(weights)])
    assert res.exit_code == 4 and "sha256" in res.output and not out.exists()
    res = runner.invoke(
        app,
        [
            "analyze",
            str(video),
            "--out",
            str(out),
            "--weights",
            str(weights),
            "--trust-weights",
            "--imgsz",
            "160",
        ],
    )
    assert res.exit_code == 0, res.output


def test_config_with_unknown_sponsor_or_bad_field_is_refused(tmp_path: Path, yaml_model: Path) -> None:
    video = write_pitch_clip(tmp_path / "pitch.mp4", frames=5)
    out = tmp_path / "out"
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('[rate_card]\ncurrency = "EUR"\n[rate_card.rates]\nNobody = 10.0\n')
    res = runner.invoke(
        app,
        ["analyze", str(video), "--out", str(out), "--weights", str(yaml_model), "--config", str(unknown)],
    )
    assert res.exit_code == 5 and "Nobody" in res.output and not out.exists()
    bad = tmp_path / "bad.toml"
    bad.write_text("[measure]\nmin_clarity = 3\n")
    res = runner.invoke(
        app, ["analyze", str(video), "--out", str(out), "--weights", str(yaml_model), "--config", str(bad)]
    )
    assert res.exit_code == 5 and "measure.min_clarity" in res.output


def test_obb_model_runs_through_analyze(tmp_path: Path, yaml_obb_model: Path) -> None:
    video = write_pitch_clip(tmp_path / "pitch.mp4", frames=8)
    out = tmp_path / "out"
    # an untrained head scores about 0.006 everywhere: at --conf 0.001 its rotated boxes come through
    args = ["analyze", str(video), "--out", str(out), "--weights", str(yaml_obb_model), "--imgsz", "160"]
    res = runner.invoke(app, [*args, "--conf", "0.001"])
    assert res.exit_code == 0, res.output
    assert json.loads((out / "report.json").read_text())["model"]["task"] == "obb"
    det = pd.read_parquet(out / "detections.parquet")
    assert len(det) > 0
    poly = det[[f"p{a}{i}" for i in range(4) for a in "xy"]].to_numpy().reshape(-1, 4, 2)
    # each polygon is a rectangle (opposite sides equal, adjacent sides perpendicular) ...
    sides = np.roll(poly, -1, axis=1) - poly
    assert np.allclose(np.linalg.norm(sides[:, 0], axis=1), np.linalg.norm(sides[:, 2], axis=1), rtol=1e-3)
    assert np.allclose(np.einsum("ij,ij->i", sides[:, 0], sides[:, 1]), 0.0, atol=1e-2 * np.abs(sides).max())
    # ... whose bounding box is the detection's xyxy, and at least one is turned (not axis-aligned)
    assert np.allclose(poly.min(axis=1), det[["x1", "y1"]].to_numpy(), atol=1e-3)
    assert np.allclose(poly.max(axis=1), det[["x2", "y2"]].to_numpy(), atol=1e-3)
    assert (np.abs(sides[:, 0]).min(axis=1) > 1.0).any()
    assert det["screen_share"].between(0.0, 1.0).all()


def test_pdf_without_weasyprint_fails_before_decoding(
    tmp_path: Path, yaml_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vision.inference.analysis

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import weasyprint -> ImportError

    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("the video was analysed before the PDF engine was checked")

    monkeypatch.setattr(vision.inference.analysis, "analyse_video_file", must_not_run)
    video = write_pitch_clip(tmp_path / "pitch.mp4")
    out = tmp_path / "out"
    args = ["analyze", str(video), "--out", str(out), "--weights", str(yaml_model), "--pdf"]
    res = runner.invoke(app, args)
    assert res.exit_code == 6, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "pip install 'sponsorlens[pdf]'" in lines[0] and "Traceback" not in res.output
    assert not out.exists()
    res = runner.invoke(app, ["report", str(out), "--pdf"])  # report checks first as well
    assert res.exit_code == 6 and "sponsorlens[pdf]" in res.output
