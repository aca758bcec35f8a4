"""Learning from the user's footage: labels folders, matched compositing, footage sampling,
sure/uncertain detections, and the `review`, `adapt` and `train --labels` commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from cli.main import app
from vision.inference.detections import Detections
from vision.inference.detector import LogoDetector
from vision.io.artwork import load_logos
from vision.training.clip import render_clip
from vision.training.footage import (
    FootageFrame,
    PseudoRule,
    hide_boxes,
    pseudo_labelled,
    review_order,
    sample_footage,
    sure_mask,
)
from vision.training.labelled import (
    LabelledDirError,
    add_labelled,
    auto_repeat,
    read_for_training,
    read_labelled,
    write_labelled,
)
from vision.training.synth import _fit_background, match_footage_blur, render_scene, sharpness

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "weights" / "demo.pt"
runner = CliRunner()


# ------------------------------------------------------------------------------------ labels folders
def test_labels_folder_round_trip_and_dataset_merge(tmp_path: Path) -> None:
    logos = load_logos(REPO / "weights" / "demo_artwork")
    names = list(logos)
    scene = render_scene(logos, np.random.default_rng(4), (320, 180), "stadium")
    assert scene.labels
    boxes = [(lab.cls, lab.xyxy) for lab in scene.labels]
    write_labelled(tmp_path / "real", names, [("a", scene.image, boxes), ("empty", scene.image, [])])
    frames = read_labelled(tmp_path / "real")
    assert [f.image.name for f in frames] == ["a.jpg", "empty.jpg"] and frames[1].boxes == ()
    got = frames[0].boxes
    assert [b.sponsor for b in got] == [names[c] for c, _ in boxes]
    for b, (_, (x1, y1, x2, y2)) in zip(got, boxes, strict=True):
        (gx1, gy1), (gx2, gy2) = b.points.min(0) * (320, 180), b.points.max(0) * (320, 180)
        assert np.allclose([gx1, gy1, gx2, gy2], [x1, y1, x2, y2], atol=0.01)
    # merged into a dataset: renumbered to the dataset's class order, repeated, obb corners
    data = tmp_path / "data"
    for sub in ("images/train", "labels/train"):
        (data / sub).mkdir(parents=True)
    order = names[::-1]
    info = add_labelled(read_for_training([tmp_path / "real"], order), data, order, "obb", repeat=3)
    assert info["frames"] == 2 and info["repeat"] == 3 and sum(info["instances"].values()) == len(boxes)
    assert len(list((data / "images" / "train").iterdir())) == 6
    line = (data / "labels" / "train" / "real0_2_a.txt").read_text().splitlines()[0].split()
    assert int(line[0]) == order.index(names[boxes[0][0]]) and len(line) == 9
    assert (data / "labels" / "train" / "real0_0_empty.txt").read_text() == ""


def test_labels_folder_errors_name_the_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(LabelledDirError, match="not found"):
        read_labelled(tmp_path / "none")
    root = tmp_path / "l"
    write_labelled(root, ["Apexa"], [("f", np.zeros((40, 60, 3), np.uint8), [(0, (1, 2, 30, 20))])])
    (root / "labels" / "f.txt").write_text("0 0.5 0.5 0.2 0.2\n3 0.5 0.5 0.2 0.2\n")
    with pytest.raises(LabelledDirError, match=r"f\.txt:2: class 3"):
        read_labelled(root)
    (root / "labels" / "f.txt").write_text("0 0.5 0.5 1.9 0.2\n")
    with pytest.raises(LabelledDirError, match=r"f\.txt:1: coordinates"):
        read_labelled(root)
    (root / "labels" / "f.txt").write_text("0 0.5 0.5\n")
    with pytest.raises(LabelledDirError, match=r"f\.txt:1: expected"):
        read_labelled(root)
    (root / "labels" / "f.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    with pytest.raises(LabelledDirError, match="not onboarded: Apexa"):
        read_for_training([root], ["Glint"])


def test_auto_repeat_makes_real_frames_about_30_percent() -> None:
    assert auto_repeat(0, 1000) == 0
    r = auto_repeat(20, 1000)
    assert abs(20 * r / (20 * r + 1000) - 0.3) < 0.02
    assert auto_repeat(1, 10**6) == 20 and auto_repeat(5000, 100) == 1


# -------------------------------------------------------------------------- compositing over footage
def test_pasted_elements_get_the_footage_sharpness() -> None:
    rng = np.random.default_rng(0)
    footage = cv2.GaussianBlur(rng.integers(0, 255, (180, 320, 3)).astype(np.uint8), (0, 0), 2.0)
    image = footage.astype(np.float32)
    image[60:120, 100:220] = 0.0
    image[80:100, 110:210] = 255.0  # a crisp white bar: far sharper than the footage
    drawn = np.zeros((180, 320), bool)
    drawn[60:120, 100:220] = True
    out = match_footage_blur(image, footage)
    grey = lambda im: cv2.cvtColor(im.astype(np.float32), cv2.COLOR_BGR2GRAY)  # noqa: E731
    target = sharpness(grey(footage))
    assert abs(sharpness(grey(out), drawn) - target) < abs(sharpness(grey(image), drawn) - target) / 2
    far = np.ones((180, 320), bool)
    far[50:130, 90:230] = False
    assert np.array_equal(out[far], image[far])  # footage away from the paste is untouched
    assert match_footage_blur(footage.astype(np.float32), footage) is not None


def test_uncertain_boxes_are_hidden_and_sure_ones_kept() -> None:
    rng = np.random.default_rng(1)
    image = rng.integers(0, 255, (100, 200, 3)).astype(np.uint8)
    out = hide_boxes(image, np.array([[10.0, 10, 90, 60]]), np.array([[50.0, 20, 70, 40]]))
    assert np.array_equal(out[20:40, 50:70], image[20:40, 50:70])  # the sure box is untouched
    assert np.array_equal(out[70:, :], image[70:, :])  # outside the uncertain box too
    inside = out[12:18, 12:40].astype(float)
    assert inside.std() < image[12:18, 12:40].std() / 4  # the uncertain box lost its detail
    assert abs(inside.mean() - image[10:60, 10:90].mean()) < 20  # but kept its brightness


def test_backgrounds_are_seen_whole_and_at_native_pixel_size() -> None:
    checker = ((np.indices((720, 1280)) // 2).sum(0) % 2 * 255).astype(np.uint8)  # 2-px squares
    bg = np.repeat(checker[..., None], 3, axis=2)
    contrast = [_fit_background(bg, 320, 180, np.random.default_rng(s)).std() for s in range(60)]
    assert max(contrast) > 80  # about 1 source pixel per output pixel: the pattern survives
    assert min(contrast) < 10  # whole-frame views (4 source pixels per output pixel) average it away


# ------------------------------------------------------------------------------- sure and uncertain
def _frame(conf: list[float], consistent: list[int], video: bool = True) -> FootageFrame:
    """A frame whose detections' consistency is burst frames found in (video) or 0/1 confirmed (still)."""
    n = len(conf)
    dets = Detections(np.tile([10.0, 10, 50, 30], (n, 1)), conf, np.full(n, "A", dtype=object))
    track_frames = np.array(consistent, np.int64) if video else None
    confirmed = None if video else np.array(consistent, bool)
    return FootageFrame("f", Path("x.jpg"), "src", 0.0, video, dets, track_frames, confirmed)


def test_sure_detections_are_confident_and_consistent() -> None:
    rule = PseudoRule(keep_conf=0.5, min_track=3)
    frames = [
        _frame([0.9], [3]),
        _frame([0.8, 0.3], [3, 3]),  # the 0.3 is uncertain
        _frame([0.7], [3]),
        _frame([0.9], [2]),  # confident but its track is missing from a burst frame: uncertain
        _frame([0.9], [0]),  # never tracked (a lone detection): uncertain
        _frame([0.9, 0.95], [1, 0], video=False),  # a still: the second is not confirmed
        _frame([0.6], [1], video=False),
    ]
    masks = sure_mask(frames, rule)
    assert [m.tolist() for m in masks] == [
        [True],
        [True, False],
        [True],
        [False],
        [False],
        [True, False],
        [True],
    ]
    kept = pseudo_labelled(frames, rule)
    ids = {id(f): i for i, f in enumerate(frames)}
    assert [(ids[id(f)], s.tolist(), u.tolist()) for f, s, u in kept] == [
        (0, [0], []), (1, [0], [1]), (2, [0], []), (5, [0], [1]), (6, [0], []),
    ]  # fmt: skip
    order = review_order(frames, masks, 3, rule.keep_conf)
    assert order == [1, 3, 4]  # one uncertain each; closest to 0.5 first: 0.3, then the 0.9s (0.95 is last)


def test_video_bursts_track_logos_even_when_sampled_sparsely(demo_clip: Path, tmp_path: Path) -> None:
    det = LogoDetector(DEMO, conf=0.1, device="cpu")
    frames = sample_footage([demo_clip], det, tmp_path, sample_fps=0.5, progress=False)
    assert [round(f.t, 2) for f in frames] == [0.12, 2.12]  # middle frames of bursts at 0 s and 2 s
    assert all(f.path.is_file() for f in frames)
    sure = sure_mask(frames, PseudoRule())
    assert sum(int(m.sum()) for m in sure) >= 2  # the demo model's confident boards are tracked through
    for f, m in zip(frames, sure, strict=True):
        assert (f.track_frames[m] == 3).all()


# -------------------------------------------------------------------------------- through the CLI
@pytest.fixture(scope="module")
def demo_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("footage") / "match.mp4"
    render_clip(
        load_logos(REPO / "weights" / "demo_artwork"), out, seconds=4.0, fps=25, size=(640, 360), seed=5
    )
    return out


def test_review_writes_a_contact_sheet_and_correctable_labels(demo_clip: Path, tmp_path: Path) -> None:
    photo = tmp_path / "photos"
    photo.mkdir()
    cap = cv2.VideoCapture(str(demo_clip))
    ok, first = cap.read()
    cap.release()
    assert ok
    cv2.imwrite(str(photo / "still.png"), first)
    out = tmp_path / "rev"
    args = ["review", str(demo_clip), str(photo), "--out", str(out), "--sample-fps", "2", "--device", "cpu"]
    res = runner.invoke(app, [*args, "--conf", "0.9", "--frames", "5"])
    assert res.exit_code == 0, res.output
    assert len(list((out / "sampled").glob("*.jpg"))) == 9  # 4 s at 2 bursts a second + the photo
    listing = json.loads((out / "review.json").read_text())
    frames = read_labelled(out)
    assert 1 <= len(frames) <= 5 and listing and any(not d["sure"] for d in listing)
    by_frame = {f.image.stem: f for f in frames}
    for d in listing:  # the label files hold every listed detection, numbered as on the sheet
        box = by_frame[d["frame"]].boxes[d["n"] - 1]
        assert box.sponsor == d["sponsor"]
    page = (out / "review.html").read_text()
    assert page.count("data:image/jpeg;base64,") == len(frames) + len(listing)
    assert "http://" not in page and "https://" not in page
    res = runner.invoke(app, [*args, "--conf", "0.05", "--low-conf", "0.1"])
    assert res.exit_code == 3 and "--low-conf" in res.output


def test_adapt_pseudo_labels_footage_and_fine_tunes(demo_clip: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    args = [
        "adapt", str(demo_clip), "--weights", str(DEMO), "--logos", str(REPO / "weights" / "demo_artwork"),
        "--name", "adapted", "--out", str(tmp_path), "--rounds", "1", "--sample-fps", "2",
        "--conf", "0.4", "--imgsz", "64", "--epochs", "1", "--images", "8", "--batch", "4",
        "--device", "cpu", "--teacher", "model", "--workdir", str(work),
    ]  # fmt: skip
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    card = json.loads((tmp_path / "adapted.json").read_text())
    stats = card["adaptation"]["history"][0]
    assert stats["frames_sampled"] == 8 and stats["frames_pseudo_labelled"] >= 1
    pseudo = read_labelled(work / "round1" / "pseudo")
    assert len(pseudo) == stats["frames_pseudo_labelled"]
    assert sum(len(f.boxes) for f in pseudo) == sum(stats["pseudo_labels"].values()) > 0
    assert card["real_labels"]["frames"] == len(pseudo)
    assert card["initialised_from"]["transfer"] == "all"
    assert card["synthesis"]["recipe"]["background_frames"]["train"] > 0  # sampled frames as backgrounds
    backgrounds = sorted((work / "round1" / "backgrounds").glob("*.jpg"))
    assert len(backgrounds) == stats["frames_sampled"]
    first = next(f for f in pseudo if f.boxes)  # its sure logo is labelled there, blurred in the background
    box = (first.boxes[0].points * [640, 360]).round().astype(int)
    (x1, y1), (x2, y2) = box.min(0), box.max(0)
    labelled = cv2.imread(str(first.image))[y1:y2, x1:x2].astype(float)
    background = cv2.imread(str(work / "round1" / "backgrounds" / first.image.name))[y1:y2, x1:x2].astype(
        float
    )
    assert background.std() < labelled.std()
    assert LogoDetector(tmp_path / "adapted.pt", device="cpu").names == card["classes"]
    # a model that finds nothing sure gives a clear error, not an empty training set
    res = runner.invoke(app, [*args[:-2], "--workdir", str(tmp_path / "w2"), "--conf", "0.999"])
    assert res.exit_code == 3 and "no frame had a sure detection" in res.output


def test_train_with_reviewed_labels_and_a_model_of_other_sponsors(tmp_path: Path) -> None:
    logos = tmp_path / "logos"
    logos.mkdir()
    for sponsor in ("Apexa", "Glint", "Helix"):
        shutil.copy(REPO / "weights" / "demo_artwork" / f"{sponsor}.png", logos / f"{sponsor}.png")
    bank = load_logos(logos)
    scene = render_scene(bank, np.random.default_rng(2), (320, 180), "stadium")
    write_labelled(
        tmp_path / "reviewed", list(bank), [("r", scene.image, [(lb.cls, lb.xyxy) for lb in scene.labels])]
    )
    args = [
        "train", str(logos), "--name", "t3", "--out", str(tmp_path), "--epochs", "1", "--imgsz", "64",
        "--images", "8", "--batch", "4", "--device", "cpu", "--init", str(DEMO),
        "--labels", str(tmp_path / "reviewed"), "--label-repeat", "2", "--workdir", str(tmp_path / "w"),
    ]  # fmt: skip
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    card = json.loads((tmp_path / "t3.json").read_text())
    assert card["classes"] == ["Apexa", "Glint", "Helix"]
    assert card["initialised_from"]["transfer"].startswith("backbone")
    assert card["real_labels"]["frames"] == 1 and card["real_labels"]["repeat"] == 2
    assert len(list((tmp_path / "w" / "data" / "images" / "train").glob("real0_*"))) == 2
    # the backbone came from the demo model, not from random initialisation
    from ultralytics import YOLO

    first = [
        next(iter(YOLO(str(p)).model.state_dict().values())).float().numpy().ravel()
        for p in (DEMO, tmp_path / "t3.pt")
    ]
    cos = float(first[0] @ first[1] / (np.linalg.norm(first[0]) * np.linalg.norm(first[1])))
    assert cos > 0.9
    (tmp_path / "reviewed" / "classes.txt").write_text("Nobody\nNobody2\nNobody3\n")
    res = runner.invoke(app, [*args[:-2], "--workdir", str(tmp_path / "w2")])
    assert res.exit_code == 3 and "not onboarded: Nobody" in res.output
