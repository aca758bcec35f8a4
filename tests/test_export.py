"""`sponsorlens export` and exported weights in `sponsorlens analyze`: ONNX and OpenVINO on CPU.

The model is an untrained yolo11n built from the ultralytics yaml; with ``--conf 0.001`` it still
returns boxes, which is enough to check that an export detects the same boxes as its ``.pt``.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli.main import app
from measure.hashing import sha256_file, sha256_path
from vision.inference.modelcard import WeightsError, verify_weights

runner = CliRunner()
REPO = Path(__file__).resolve().parent.parent

needs_onnx = pytest.mark.skipif(
    importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("onnx") is None,
    reason="onnx and onnxruntime not installed (pip install 'sponsorlens[export]')",
)
needs_openvino = pytest.mark.skipif(
    importlib.util.find_spec("openvino") is None, reason="openvino not installed"
)


def write_textured_clip(
    path: Path, frames: int = 12, fps: float = 6.0, size: tuple[int, int] = (320, 180)
) -> Path:
    """A clip of blurred noise with two coloured boards and a moving disc (OpenCV, mp4v)."""
    w, h = size
    rng = np.random.default_rng(3)
    base = cv2.GaussianBlur(rng.integers(30, 220, (h, w, 3), dtype=np.uint8), (0, 0), 2)
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for i in range(frames):
        img = base.copy()
        cv2.rectangle(img, (20, 20), (140, 60), (0, 0, 230), -1)
        cv2.putText(img, "ACME", (30, 52), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
        cv2.rectangle(img, (180, 110), (300, 150), (230, 200, 0), -1)
        cv2.circle(img, (40 + 20 * i, 120), 12, (255, 255, 255), -1)
        out.write(img)
    out.release()
    return path


@pytest.fixture(scope="module")
def onnx_model(yaml_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The untrained model exported to ONNX at 160 px through the CLI."""
    if importlib.util.find_spec("onnxruntime") is None:
        pytest.skip("onnxruntime not installed")
    out = tmp_path_factory.mktemp("onnx") / "acme_160.onnx"
    res = runner.invoke(
        app, ["export", "--weights", str(yaml_model), "--format", "onnx", "--imgsz", "160", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    return out


@needs_onnx
def test_export_writes_model_and_card_naming_its_source(onnx_model: Path, yaml_model: Path) -> None:
    card = json.loads(onnx_model.with_suffix(".json").read_text())
    source = json.loads(yaml_model.with_suffix(".json").read_text())
    assert card["classes"] == source["classes"] == ["Acme", "Bolt"]
    assert card["task"] == "detect" and card["format"] == "onnx" and card["imgsz"] == 160
    assert card["dynamic"] is True
    assert card["sha256"] == sha256_file(onnx_model)
    assert card["exported_from"]["sha256"] == sha256_file(yaml_model) == source["sha256"]
    assert "onnxruntime" in card["exported_with"]
    # the source's card is untouched and nothing is left beside the export
    assert json.loads(yaml_model.with_suffix(".json").read_text()) == source
    assert sorted(p.name for p in onnx_model.parent.iterdir()) == ["acme_160.json", "acme_160.onnx"]


@needs_onnx
def test_analyze_with_onnx_matches_pt_on_the_same_frames(
    tmp_path: Path, onnx_model: Path, yaml_model: Path
) -> None:
    video = write_textured_clip(tmp_path / "clip.mp4")
    results = {}
    for name, weights in (("pt", yaml_model), ("onnx", onnx_model)):
        out = tmp_path / name
        args = ["analyze", str(video), "-o", str(out), "--weights", str(weights), "--imgsz", "160"]
        res = runner.invoke(app, [*args, "--conf", "0.001", "--device", "cpu"])
        assert res.exit_code == 0, res.output
        results[name] = (
            json.loads((out / "report.json").read_text()),
            pd.read_parquet(out / "detections.parquet").sort_values(
                ["frame", "conf", "x1"], ignore_index=True
            ),
        )
    (rep_pt, det_pt), (rep_onnx, det_onnx) = results["pt"], results["onnx"]
    assert rep_onnx["model"]["weights"].endswith(".onnx") and rep_onnx["model"]["classes"] == ["Acme", "Bolt"]
    assert rep_onnx["model"]["sha256"] == sha256_file(onnx_model)
    assert len(det_pt) > 0, (
        "the untrained model must return boxes at --conf 0.001 for the comparison to mean anything"
    )
    assert det_onnx["frame"].value_counts().sort_index().equals(det_pt["frame"].value_counts().sort_index())
    assert (det_onnx["sponsor"] == det_pt["sponsor"]).all()
    np.testing.assert_allclose(det_onnx["conf"], det_pt["conf"], atol=1e-3)
    boxes = ["x1", "y1", "x2", "y2"]
    np.testing.assert_allclose(det_onnx[boxes].to_numpy(), det_pt[boxes].to_numpy(), atol=1.0)
    exp_pt = {s["sponsor"]: s["exposure_s"] for s in rep_pt["sponsors"]}
    exp_onnx = {s["sponsor"]: s["exposure_s"] for s in rep_onnx["sponsors"]}
    assert exp_onnx.keys() == exp_pt.keys()
    for sponsor, seconds in exp_pt.items():
        assert exp_onnx[sponsor] == pytest.approx(seconds, rel=0.01, abs=1e-6)


@needs_onnx
def test_changed_export_is_refused_against_its_card(tmp_path: Path, onnx_model: Path) -> None:
    bad = tmp_path / onnx_model.name
    bad.write_bytes(onnx_model.read_bytes() + b"\0")
    bad.with_suffix(".json").write_text(onnx_model.with_suffix(".json").read_text())
    video = write_textured_clip(tmp_path / "clip.mp4", frames=3)
    res = runner.invoke(app, ["analyze", str(video), "-o", str(tmp_path / "out"), "--weights", str(bad)])
    assert res.exit_code == 4
    assert "does not match its model card" in res.output and "Traceback" not in res.output


@needs_onnx
def test_static_export_runs_at_its_own_size(tmp_path: Path, yaml_model: Path) -> None:
    from vision.inference.detector import LogoDetector
    from vision.inference.export import export_model

    result = export_model(yaml_model, "onnx", out=tmp_path / "static.onnx", imgsz=128, dynamic=False, batch=2)
    detector = LogoDetector(result.path, conf=0.001, imgsz=640, device="cpu")
    assert detector.imgsz == 128  # the report must state the size the model really ran at
    frames = [np.full((90, 160, 3), v, np.uint8) for v in (60, 120, 180)]
    dets = detector.predict(frames, [0, 1, 2], [0.0, 0.1, 0.2])  # 3 frames through a batch-2 graph
    assert len(dets) == 3 and detector.imgsz == 128


@needs_openvino
def test_openvino_folder_export_is_verified_file_by_file(tmp_path: Path, yaml_model: Path) -> None:
    from vision.inference.detector import LogoDetector
    from vision.inference.export import export_model

    result = export_model(yaml_model, "openvino", out=tmp_path / "acme_openvino_model", imgsz=96)
    assert result.path.is_dir() and result.card == tmp_path / "acme_openvino_model.json"
    card = json.loads(result.card.read_text())
    assert card["sha256"] == sha256_path(result.path) and card["format"] == "openvino"
    detector = LogoDetector(result.path, conf=0.001, imgsz=96, device="cpu")
    assert detector.names == ["Acme", "Bolt"] and detector.sha256 == card["sha256"]
    assert len(detector.predict([np.full((72, 128, 3), 90, np.uint8)], [0], [0.0])) == 1
    xml = next(result.path.glob("*.xml"))
    xml.write_text(xml.read_text() + "\n")
    with pytest.raises(WeightsError, match="does not match its model card"):
        verify_weights(result.path)


@needs_openvino
def test_reported_precision_is_the_arithmetic_that_ran(tmp_path: Path) -> None:
    """The demo model on a rendered scene, as .pt and as OpenVINO export: the report's precision
    says bf16 exactly when OpenVINO's scores really differ from the fp32 .pt's."""
    import openvino as ov

    from vision.inference.detector import LogoDetector
    from vision.inference.export import export_model
    from vision.io.artwork import load_logos
    from vision.training.synth import render_scene

    demo = REPO / "weights" / "demo.pt"
    image = render_scene(
        load_logos(REPO / "weights" / "demo_artwork"), np.random.default_rng(1), (640, 360), "stadium"
    ).image
    pt = LogoDetector(demo, conf=0.05, imgsz=320, device="cpu")
    exported = export_model(demo, "openvino", out=tmp_path / "demo_openvino_model", imgsz=320)
    vino = LogoDetector(exported.path, conf=0.05, imgsz=320, device="cpu")
    assert pt.info()["precision"] == "fp32"
    a, b = pt.predict([image], [0], [0.0])[0], vino.predict([image], [0], [0.0])[0]
    assert len(a) >= 2
    conf_gap = abs(a.confidence.max() - b.confidence.max())
    bf16 = "BF16" in ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    assert vino.info()["precision"] == ("bf16" if bf16 else "fp32")
    assert (conf_gap > 1e-4) == bf16, conf_gap


def test_export_refuses_what_it_cannot_do(
    tmp_path: Path, yaml_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vision.inference import export

    res = runner.invoke(app, ["export", "--weights", str(yaml_model), "--format", "tflite"])
    assert res.exit_code == 4 and "unknown export format 'tflite'" in res.output
    res = runner.invoke(app, ["export", "--weights", str(tmp_path / "none.pt"), "--format", "onnx"])
    assert res.exit_code == 4 and "weights file not found" in res.output
    onnx_file = tmp_path / "m.onnx"
    onnx_file.write_bytes(b"not a model")
    res = runner.invoke(app, ["export", "--weights", str(onnx_file), "--format", "onnx"])
    assert res.exit_code == 4 and "needs a PyTorch .pt model" in res.output
    card = yaml_model.with_suffix(".json").read_bytes()
    beside = yaml_model.with_suffix(".onnx")  # its card would be the source's card
    res = runner.invoke(
        app, ["export", "--weights", str(yaml_model), "--format", "onnx", "--out", str(beside)]
    )
    assert res.exit_code == 4 and "would overwrite the source's" in res.output
    assert yaml_model.with_suffix(".json").read_bytes() == card and not beside.exists()
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        export.importlib.util, "find_spec", lambda name: None if name == "onnxslim" else real_find_spec(name)
    )
    res = runner.invoke(app, ["export", "--weights", str(yaml_model), "--format", "onnx"])
    assert res.exit_code == 4
    assert "needs the package(s) onnxslim" in res.output and "sponsorlens[export]" in res.output
    assert not list(yaml_model.parent.glob("*.onnx")), "a refused export writes nothing"


def test_engine_export_needs_cuda_and_tensorrt(yaml_model: Path) -> None:
    import torch

    if torch.cuda.is_available() and importlib.util.find_spec("tensorrt") is not None:
        pytest.skip("TensorRT and CUDA present: this checks the refusal on machines without them")
    res = runner.invoke(app, ["export", "--weights", str(yaml_model), "--format", "engine"])
    assert res.exit_code == 4 and res.output.count("\n") == 1
    assert "tensorrt" in res.output.lower() or "CUDA" in res.output


def test_default_export_names_never_clash_with_the_source_card(tmp_path: Path) -> None:
    from vision.inference.export import default_export_path
    from vision.inference.modelcard import card_path

    src = tmp_path / "demo.pt"
    assert default_export_path(src, "onnx", 640) == tmp_path / "demo_640.onnx"
    assert default_export_path(src, "engine", 1280, half=True) == tmp_path / "demo_1280_fp16.engine"
    assert default_export_path(src, "openvino", 320) == tmp_path / "demo_320_openvino_model"
    for fmt in ("onnx", "engine", "openvino"):
        out = default_export_path(src, fmt, 640)
        out.write_bytes(b"x") if fmt != "openvino" else out.mkdir()
        assert card_path(out) != tmp_path / "demo.json"


def test_exported_model_without_its_runtime_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vision.inference.detector import LogoDetector

    model = tmp_path / "m.onnx"
    model.write_bytes(b"\0" * 64)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "onnxruntime" else real_find_spec(name, *a),
    )
    with pytest.raises(WeightsError, match=r"m\.onnx: running ONNX models needs the package onnxruntime"):
        LogoDetector(model, device="cpu")
