"""Faces anonymised in the pictures ``train``, ``adapt`` and ``demo`` write (issue 22), through the
real command line.

Real face photos (tests/face_photos.py) are pasted into the user's material: ``train``'s
``--backgrounds`` photo and ``--labels`` frame, ``adapt``'s footage, and ``demo``'s rendered clip.
Each command runs twice, by default and with ``--no-anonymise``; every picture written from that
material must lose at least 80 % of its faces' detail by default and keep it with the option.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from face_photos import detail, first_frame, paste_face
from typer.testing import CliRunner

from cli.main import app
from vision.inference.faces import FaceDetector
from vision.io.artwork import load_logos
from vision.training.clip import render_clip
from vision.training.compose import LogoBank
from vision.training.labelled import write_labelled
from vision.training.synth import render_scene

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "weights" / "demo.pt"
ARTWORK = REPO / "weights" / "demo_artwork"
runner = CliRunner()
pytestmark = pytest.mark.slow  # each command trains or analyses with a real model, twice
MODES = (("blurred", []), ("kept", ["--no-anonymise"]))


def _assert_blurred(blurred: np.ndarray, kept: np.ndarray, faces: list[np.ndarray], where: str) -> None:
    for face in faces:
        before, after = detail(kept, face), detail(blurred, face)
        assert after <= 0.2 * before, (where, face, before, after)  # detail drops by >= 80 %


def _grain_free(image: np.ndarray) -> np.ndarray:
    """``image`` smoothed by 1 px: training scenes get sensor grain after the faces are blurred
    (vision/training/degrade.py), which alone gives a blurred face some Laplacian variance."""
    return cv2.GaussianBlur(image, (0, 0), 1.0)


def _assert_kept(kept: np.ndarray, source: np.ndarray, faces: list[np.ndarray], where: str) -> None:
    for face in faces:
        before, after = detail(source, face), detail(kept, face)
        assert abs(after - before) <= 0.15 * before, (where, face, before, after)  # only a JPEG in between


# ------------------------------------------------------------------------------------------------ train
@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """``train`` with a background photo and a labelled frame that show real faces, run both ways."""
    root = tmp_path_factory.mktemp("train_faces")
    logos = root / "logos"
    logos.mkdir()
    for sponsor in ("Apexa", "Glint"):
        shutil.copy(ARTWORK / f"{sponsor}.png", logos / f"{sponsor}.png")
    # the background: a grey-green stand with two faces, 80 and 100 px tall in 640x360
    background = np.full((360, 640, 3), (70, 110, 90), np.uint8)
    paste_face(background, "grace_hopper", 0, 100, 120, 80)
    paste_face(background, "zidane", 0, 80, 420, 60)
    (root / "bg").mkdir()
    cv2.imwrite(str(root / "bg" / "stand.png"), background)
    # the labelled frame: a rendered stadium scene with a face pasted away from its logos
    scene = render_scene(LogoBank(load_logos(logos)), np.random.default_rng(3), (640, 360), "stadium")
    frame = scene.image.copy()
    label_face = paste_face(frame, "grace_hopper", 0, 90, 60, 60)
    write_labelled(
        root / "reviewed", ["Apexa", "Glint"], [("r", frame, [(lb.cls, lb.xyxy) for lb in scene.labels])]
    )
    runs = {}
    for name, extra in MODES:
        args = [
            "train", str(logos), "--name", name, "--out", str(root / "w"), "--epochs", "1", "--imgsz", "320",
            "--images", "8", "--batch", "4", "--device", "cpu", "--backgrounds", str(root / "bg"),
            "--labels", str(root / "reviewed"), "--label-repeat", "2", "--workdir", str(root / name), *extra,
        ]  # fmt: skip
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
        runs[name] = root / name / "data"
    return {
        **runs,
        "cards": {n: json.loads((root / "w" / f"{n}.json").read_text()) for n, _ in MODES},
        "label_image": cv2.imread(str(root / "reviewed" / "images" / "r.jpg")),
        "label_face": label_face,
        "labels": [np.asarray(lb.xyxy, np.float64) for lb in scene.labels],
    }


def test_train_blurs_faces_in_scenes_built_on_the_users_backgrounds(trained: dict[str, object]) -> None:
    blurred_dir, kept_dir = Path(trained["blurred"]), Path(trained["kept"])  # type: ignore[arg-type]
    find = FaceDetector(threshold=0.5)
    checked = 0
    for kept_path in sorted((kept_dir / "images" / "train").glob("0*.jpg")):
        kept = cv2.imread(str(kept_path))
        h, w = kept.shape[:2]
        inside = [f for f in find(kept) if f[0] > 1 and f[1] > 1 and f[2] < w - 1 and f[3] < h - 1]
        faces = [f[:4] for f in inside if min(f[2] - f[0], f[3] - f[1]) >= 16]  # whole faces only
        blurred = cv2.imread(str(blurred_dir / "images" / "train" / kept_path.name))
        _assert_blurred(_grain_free(blurred), _grain_free(kept), faces, kept_path.name)
        assert not len(find(blurred)), kept_path.name  # no face left to find
        checked += len(faces)
    assert checked >= 2  # the background's faces were in the scenes, sharp without anonymising


def test_train_blurs_faces_in_labelled_frames_not_their_logos(trained: dict[str, object]) -> None:
    source = trained["label_image"]
    face = trained["label_face"]
    blurred = cv2.imread(str(Path(trained["blurred"]) / "images" / "train" / "real0_0_r.jpg"))  # type: ignore[arg-type]
    kept = cv2.imread(str(Path(trained["kept"]) / "images" / "train" / "real0_0_r.jpg"))  # type: ignore[arg-type]
    _assert_blurred(blurred, kept, [face], "label frame")  # type: ignore[list-item]
    _assert_kept(kept, source, [face], "label frame")  # type: ignore[arg-type, list-item]
    for logo in trained["labels"]:  # type: ignore[attr-defined]
        _assert_kept(blurred, source, [logo], "labelled logo")  # type: ignore[arg-type]
    repeat = cv2.imread(str(Path(trained["blurred"]) / "images" / "train" / "real0_1_r.jpg"))  # type: ignore[arg-type]
    np.testing.assert_array_equal(repeat, blurred)  # the repeats are the blurred frame too


def test_train_records_the_choice_on_the_model_card(trained: dict[str, object]) -> None:
    cards = trained["cards"]
    assert cards["blurred"]["anonymise"] is True and cards["kept"]["anonymise"] is False  # type: ignore[index]


# ------------------------------------------------------------------------------------------------ adapt
#: The face pasted into every frame of adapt's footage (640x360): photo, face, height, top-left x, y.
ADAPT_FACE = ("grace_hopper", 0, 90, 40, 40)


def _paste_into_video(path: Path, paste: tuple[str, int, int, int, int]) -> np.ndarray:
    """Paste a face into every frame of the video at ``path`` (rewritten in place); return its box."""
    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS)
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        box = paste_face(frame, *paste)
        frames.append(frame)
    cap.release()
    h, w = frames[0].shape[:2]
    tmp = path.with_name(f"faces_{path.name}")
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for frame in frames:
        writer.write(frame)
    writer.release()
    tmp.replace(path)
    return box


@pytest.fixture(scope="module")
def adapted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``adapt`` one round on a rendered clip with a real face in every frame, run both ways."""
    root = tmp_path_factory.mktemp("adapt_faces")
    video = root / "match.mp4"
    render_clip(load_logos(ARTWORK), video, seconds=2.0, fps=25, size=(640, 360), seed=5)
    _paste_into_video(video, ADAPT_FACE)
    runs: dict[str, Path] = {"video": video}
    for name, extra in MODES:
        args = [
            "adapt", str(video), "--weights", str(DEMO), "--logos", str(ARTWORK), "--name", name,
            "--out", str(root / "w"), "--rounds", "1", "--sample-fps", "2", "--conf", "0.4", "--imgsz", "64",
            "--epochs", "1", "--images", "8", "--batch", "4", "--device", "cpu", "--teacher", "model",
            "--workdir", str(root / name), *extra,
        ]  # fmt: skip
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
        runs[name] = root / name / "round1"
    runs["cards"] = root / "w"
    return runs


def test_adapt_blurs_faces_in_every_picture_it_writes(adapted: dict[str, Path]) -> None:
    face = paste_face(np.zeros((360, 640, 3), np.uint8), *ADAPT_FACE)
    source = first_frame(adapted["video"])
    checked = 0
    for folder, pattern in (
        ("frames", "*.jpg"),  # the sampled frames
        ("pseudo/images", "*.jpg"),  # the pseudo-labelled frames
        ("backgrounds", "*.jpg"),  # the synthesis backgrounds
        ("train/data/images/train", "real*.jpg"),  # the pseudo-labels as training images
        ("train/data/images/train", "0*.jpg"),  # the scenes built on the backgrounds (not all show it)
    ):
        kept_files = sorted((adapted["kept"] / folder).glob(pattern))
        assert kept_files, folder
        for kept_path in kept_files:
            kept = cv2.imread(str(kept_path))
            blurred = cv2.imread(str(adapted["blurred"] / folder / kept_path.name))
            if folder.endswith("images/train") and pattern == "0*.jpg":
                found = [
                    f[:4] for f in FaceDetector(threshold=0.5)(kept) if min(f[2] - f[0], f[3] - f[1]) >= 16
                ]
                _assert_blurred(_grain_free(blurred), _grain_free(kept), found, kept_path.name)
                continue
            _assert_blurred(blurred, kept, [face], f"{folder}/{kept_path.name}")
            _assert_kept(kept, source, [face], f"{folder}/{kept_path.name}")
            checked += 1
    assert checked >= 4 * 3  # 2 s at 2 a second: every sampled frame, its background and pseudo-label


def test_adapt_records_the_choice(adapted: dict[str, Path]) -> None:
    for name, flag in (("blurred", True), ("kept", False)):
        card = json.loads((adapted["cards"] / f"{name}.json").read_text())
        assert card["anonymise"] is flag and card["adaptation"]["anonymise"] is flag
        assert json.loads((adapted[name] / "pseudo_stats.json").read_text())["anonymise"] is flag


# ------------------------------------------------------------------------------------------------- demo
#: The face pasted into every frame of demo's rendered clip (1280x720): bottom right, clear of the
#: score bug (top left) and of the boards.
DEMO_FACE = ("zidane", 0, 150, 1060, 480)


def test_demo_blurs_faces_in_its_best_frames(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import vision.training.clip as clip

    real_render = clip.render_clip

    def render_with_a_face(*args: object, **kwargs: object) -> object:
        truth = real_render(*args, **kwargs)  # type: ignore[arg-type]
        _paste_into_video(Path(args[1]), DEMO_FACE)  # type: ignore[arg-type]
        return truth

    monkeypatch.setattr(clip, "render_clip", render_with_a_face)
    face = paste_face(np.zeros((720, 1280, 3), np.uint8), *DEMO_FACE)
    outs = {}
    for name, extra in MODES:
        out = tmp_path / name
        args = ["demo", "--out", str(out), "--seconds", "2", "--sample-fps", "2", "--imgsz", "640"]
        res = runner.invoke(app, [*args, "--device", "cpu", "--sponsors", "none", *extra])
        assert res.exit_code == 0, res.output
        report = json.loads((out / "analysis" / "report.json").read_text())
        assert report["settings"]["anonymise"] is (name == "blurred")
        outs[name] = out / "analysis" / "frames"
    source = first_frame(tmp_path / "kept" / "clip" / "demo_clip.mp4")
    best = sorted(p.name for p in outs["kept"].glob("best_*.jpg"))
    assert best and best == sorted(p.name for p in outs["blurred"].glob("best_*.jpg"))
    for file in best:
        blurred, kept = cv2.imread(str(outs["blurred"] / file)), cv2.imread(str(outs["kept"] / file))
        scale = kept.shape[1] / source.shape[1]  # best frames are scaled to 960 px wide
        small = cv2.resize(source, (kept.shape[1], kept.shape[0]), interpolation=cv2.INTER_AREA)
        _assert_blurred(blurred, kept, [face * scale], file)
        _assert_kept(kept, small, [face * scale], file)
