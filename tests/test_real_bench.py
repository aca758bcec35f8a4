"""The real development benchmark: its committed labels, artwork extraction and the evaluation script."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from measure.benchmark.real_labels import LabelsError, load_real_labels
from vision.training.real_artwork import ArtworkSpecError, extract_artwork

REPO = Path(__file__).resolve().parent.parent
LABELS = REPO / "tests" / "data" / "real_labels.json"
ARTWORK = REPO / "tests" / "data" / "real_artwork.json"
REAL = REPO.parent / "shared" / "real"
needs_real = pytest.mark.skipif(
    not (REAL / "dfl_frames").is_dir(),
    reason=f"real footage folder {REAL} is absent (media are not in the repo)",
)


def _bench():
    spec = importlib.util.spec_from_file_location("real_eval", REPO / "bench" / "real_eval.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["real_eval"] = mod  # dataclasses look their module up while the class is built
    spec.loader.exec_module(mod)
    return mod


def test_committed_labels_meet_the_benchmark_spec() -> None:
    labels = load_real_labels(LABELS)
    assert len(labels.frames) >= 60
    assert sum(1 for f in labels.frames if f.boxes) >= 30
    adapt, ev = labels.split("adapt"), labels.split("eval")
    assert 0.3 <= len(adapt) / len(labels.frames) <= 0.5
    assert not {f.clip for f in adapt} & {f.clip for f in ev}  # no source clip in both splits
    assert labels.clip_file and labels.clip_ranges
    assert "1280x720" in labels.legible  # the definition of legibility is part of the file


def test_artwork_spec_uses_only_adaptation_frames() -> None:
    labels = load_real_labels(LABELS)
    by_file = {f.file: f for f in labels.frames}
    spec = json.loads(ARTWORK.read_text())["sponsors"]
    assert spec
    for sponsor, crops in spec.items():
        assert sponsor in labels.sponsors
        for c in crops:
            frame = by_file[c["file"]]
            assert frame.split == "adapt", (sponsor, c["file"])
            assert sponsor in frame.present


def _write_labels(tmp_path: Path, frames: list[dict], **extra) -> Path:
    data = {"version": 1, "legible": "x", "image_size": [100, 100], "sponsors": ["A", "B"], "frames": frames}
    data.update(extra)
    p = tmp_path / "labels.json"
    p.write_text(json.dumps(data))
    return p


def test_loader_rejects_clip_leaks_and_bad_boxes(tmp_path: Path) -> None:
    ok = {"file": "train/images/c1_1_png.rf.x.jpg", "split": "adapt", "present": ["A"]}
    leak = {"file": "valid/images/c1_2_png.rf.y.jpg", "split": "eval", "present": []}
    with pytest.raises(LabelsError, match="source clips in both splits: c1"):
        load_real_labels(_write_labels(tmp_path, [ok, leak]))
    bad = {**ok, "boxes": [{"sponsor": "A", "xyxy": [10, 10, 120, 20]}]}
    with pytest.raises(LabelsError, match="outside the 100x100 image"):
        load_real_labels(_write_labels(tmp_path, [bad]))
    stray = {**ok, "boxes": [{"sponsor": "B", "xyxy": [10, 10, 20, 20]}]}
    with pytest.raises(LabelsError, match="not marked present: B"):
        load_real_labels(_write_labels(tmp_path, [stray]))
    with pytest.raises(LabelsError, match="not in the sponsors list: Z"):
        load_real_labels(_write_labels(tmp_path, [{**ok, "present": ["Z"]}]))
    with pytest.raises(LabelsError, match="labels file not found"):
        load_real_labels(tmp_path / "nope.json")


def test_extract_artwork_crops_squeezes_and_upscales(tmp_path: Path) -> None:
    frames = tmp_path / "real" / "dfl_frames" / "train" / "images"
    frames.mkdir(parents=True)
    img = np.zeros((1280, 1280, 3), np.uint8)
    img[100:164, 200:400] = (0, 0, 255)  # a red 200x64 "board" in the stretched frame
    cv2.imwrite(str(frames / "f.png"), img)
    spec = tmp_path / "spec.json"
    spec.write_text(
        json.dumps({"sponsors": {"Red": [{"file": "train/images/f.png", "xyxy": [200, 100, 400, 164]}]}})
    )
    paths = extract_artwork(tmp_path / "real", spec, tmp_path / "logos")
    assert paths == [tmp_path / "logos" / "Red" / "crop_1.png"]
    crop = cv2.imread(str(paths[0]))
    # 200x64 squeezed to 200x36 (16:9), then upscaled x64/36 so the short side is 64
    assert crop.shape[0] == 64 and crop.shape[1] == round(200 * 64 / 36)
    assert crop[32, 100].tolist() == [0, 0, 255]
    spec.write_text(
        json.dumps({"sponsors": {"Red": [{"file": "train/images/missing.png", "xyxy": [0, 0, 9, 9]}]}})
    )
    with pytest.raises(ArtworkSpecError, match=r"missing\.png: frame missing"):
        extract_artwork(tmp_path / "real", spec, tmp_path / "logos2")


def test_scale_and_map_helpers() -> None:
    bench = _bench()
    assert bench.scale_xyxy([0, 1280, 640, 640], (1280, 1280)).tolist() == [0, 720, 640, 360]
    assert bench.parse_map(["a=b", "c=d"]) == {"a": "b", "c": "d"}
    with pytest.raises(bench.BenchError, match="OLD=NEW"):
        bench.parse_map(["nonsense"])


@needs_real
def test_committed_artwork_extracts_from_the_real_frames(tmp_path: Path) -> None:
    paths = extract_artwork(REAL, ARTWORK, tmp_path)
    spec = json.loads(ARTWORK.read_text())["sponsors"]
    assert len(paths) == sum(len(v) for v in spec.values())
    for p in paths:
        h, w = cv2.imread(str(p)).shape[:2]
        assert min(h, w) >= 64


@needs_real
def test_untrained_model_scores_zero_recall_without_crashing(tmp_path: Path) -> None:
    from vision.inference.detector import LogoDetector
    from vision.training.train import init_model

    bench = _bench()
    labels = load_real_labels(LABELS)
    names = ["Unibet", "flatex", "NotASponsor"]
    weights = init_model(names, tmp_path / "untrained.pt")
    det = LogoDetector(weights, conf=0.25, imgsz=320, device="cpu", trust_weights=True)
    report = bench.evaluate_frames(det, labels, REAL, split="eval", limit=3)
    assert report["frames"] == 3
    assert report["onboarded"] == ["flatex", "Unibet"]
    assert report["unknown_classes"] == ["NotASponsor"]
    assert report["presence"]["recall"] == 0.0 and report["presence"]["tp"] == 0
    assert report["presence"]["fn"] >= 1


def _onboarding_bench():
    _bench()
    spec = importlib.util.spec_from_file_location("real_onboarding", REPO / "bench" / "real_onboarding.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@needs_real
def test_onboarding_steps_use_only_adaptation_material(tmp_path: Path) -> None:
    from vision.training.labelled import read_labelled

    bench = _onboarding_bench()
    labels = load_real_labels(LABELS)
    eval_clips = {f.clip for f in labels.split("eval")}
    footage = bench.adaptation_frames(labels, REAL, tmp_path / "footage")
    files = sorted(footage.glob("*.jpg"))
    assert len(files) >= 100
    assert not {bench.LabelledFrame(f.name, "adapt", frozenset()).clip for f in files} & eval_clips
    assert not [f for f in files if f.name.startswith("08fd33_4_")]  # nor the labelled clip's frames
    assert cv2.imread(str(files[0])).shape[:2] == (720, 1280)  # squeezed back to 16:9
    names = ["Unibet", "flatex", "PUMA"]
    hand = read_labelled(bench.hand_labels(labels, REAL, names, tmp_path / "hand"))
    adapt_stems = {Path(f.file).stem[:48] for f in labels.split("adapt")}
    assert 1 <= len(hand) <= bench.MAX_HAND_LABELLED
    assert {f.image.stem for f in hand} <= adapt_stems
    assert {b.sponsor for f in hand for b in f.boxes} <= set(names)


def _documented_dfl_f1() -> float:
    text = (REPO / "docs" / "experiments.md").read_text(encoding="utf-8")
    match = re.search(r"eval F1 of the shipped `weights/dfl.pt`: \*\*([0-9.]+)\*\*", text)
    assert match, "docs/experiments.md must state the shipped weights/dfl.pt eval F1"
    return float(match.group(1))


def test_the_documented_real_footage_f1_is_the_shipped_cards() -> None:
    card = json.loads((REPO / "weights" / "dfl.json").read_text(encoding="utf-8"))
    assert abs(card["real_benchmark"]["f1"] - _documented_dfl_f1()) < 0.0005


@needs_real
def test_shipped_real_footage_model_keeps_the_f1_on_its_card() -> None:
    from vision.inference.detector import LogoDetector
    from vision.inference.modelcard import read_card

    weights = REPO / "weights" / "dfl.pt"
    card = read_card(weights)
    assert card and card["real_benchmark"]["split"] == "eval"
    bench = _bench()
    det = LogoDetector(
        weights, conf=card["real_benchmark"]["conf"], imgsz=card["real_benchmark"]["eval_imgsz"], device="cpu"
    )
    report = bench.evaluate_frames(det, load_real_labels(LABELS), REAL, split="eval")
    f1 = report["presence"]["f1"]
    assert abs(f1 - card["real_benchmark"]["f1"]) <= 0.03, (f1, card["real_benchmark"])
