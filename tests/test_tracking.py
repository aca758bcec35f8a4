"""Track identities (ByteTrack, memory in seconds) and camera cuts (PySceneDetect) on real data."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
from typer.testing import CliRunner

from cli.main import app
from vision.inference.detections import Detections
from vision.inference.shots import CutDetector
from vision.inference.tracker import SponsorTracker

NAMES = ["Acme", "Bolt"]


def dets(frame: int, t: float, boxes: list[tuple[int, list[float]]]) -> Detections:
    """Detections of one frame: (class index into NAMES, xyxy) pairs at confidence 0.9."""
    xyxy = np.array([b for _, b in boxes], dtype=float).reshape(-1, 4)
    sponsors = [NAMES[c] for c, _ in boxes]
    return Detections(xyxy, 0.9, np.asarray(sponsors, dtype=object), frame=frame, time=t)


def run(tracker: SponsorTracker, present: list[bool], step_s: float, cls: int = 0) -> list[int]:
    """Feed a slowly moving box on the frames where ``present``; return its track id per frame (-1 absent)."""
    ids = []
    for i, on in enumerate(present):
        x = 100 + 2 * i
        d = dets(i, i * step_s, [(cls, [x, 50, x + 80, 80])] if on else [])
        tracker.update(d, (360, 640))
        ids.append(int(d.track_id[0]) if on else -1)
    return ids


def test_track_survives_a_gap_shorter_than_its_memory_at_sparse_sampling() -> None:
    # 5 analysed frames per second; the logo is missed for 0.8 s (4 analysed frames).
    present = [True] * 5 + [False] * 4 + [True] * 5
    ids = run(SponsorTracker(analysed_fps=5, memory_s=1.0), present, 0.2)
    seen = {i for i in ids if i >= 0}
    assert len(seen) == 1 and min(ids[:5]) > 0


def test_track_is_forgotten_after_its_memory() -> None:
    present = [True] * 5 + [False] * 4 + [True] * 5
    ids = run(SponsorTracker(analysed_fps=5, memory_s=0.4), present, 0.2)
    assert ids[0] != ids[-1] and ids[0] > 0 and ids[-1] > 0


def test_memory_is_in_seconds_not_frames() -> None:
    # The same 0.8 s gap at 25 analysed fps is 20 frames: the 1 s memory still bridges it.
    present = [True] * 25 + [False] * 20 + [True] * 25
    ids = run(SponsorTracker(analysed_fps=25, memory_s=1.0), present, 0.04)
    assert len({i for i in ids if i >= 0}) == 1


def test_reset_at_a_cut_breaks_tracks_and_sponsors_never_share_a_track() -> None:
    tracker = SponsorTracker(analysed_fps=25, memory_s=1.0)
    a = dets(0, 0.0, [(0, [10, 10, 90, 40]), (1, [12, 10, 92, 40])])
    tracker.update(a, (360, 640))
    assert a.track_id[0] != a.track_id[1] and (a.track_id > 0).all()
    b = dets(1, 0.04, [(0, [10, 10, 90, 40])])
    tracker.update(b, (360, 640))
    assert b.track_id[0] == a.track_id[0]
    tracker.reset()
    c = dets(2, 0.08, [(0, [10, 10, 90, 40])])
    tracker.update(c, (360, 640))
    assert c.track_id[0] not in (a.track_id[0], a.track_id[1])


def test_oriented_detections_are_tracked() -> None:
    tracker = SponsorTracker(analysed_fps=25)
    ids = []
    for i in range(5):
        poly = np.array([[[100 + i, 50], [180 + i, 60], [176 + i, 90], [96 + i, 80]]], dtype=float)
        d = Detections(
            np.array([[96.0 + i, 50, 180 + i, 90]]), 0.9, [NAMES[0]], polygon=poly, frame=i, time=i * 0.04
        )
        tracker.update(d, (360, 640))
        ids.append(int(d.track_id[0]))
    assert len(set(ids)) == 1 and ids[0] > 0


def shot_frames(n: int, seed: int, size: tuple[int, int] = (320, 180)) -> list[np.ndarray]:
    """A panning view of a random textured 'scene': consecutive frames differ a little."""
    rng = np.random.default_rng(seed)
    w, h = size
    world = cv2.resize(rng.integers(0, 255, (h // 8, w // 4, 3), dtype=np.uint8), (w * 2, h), cv2.INTER_CUBIC)
    return [world[:, 2 * i : 2 * i + w].copy() for i in range(n)]


def test_cut_detector_finds_hard_cuts_not_pans() -> None:
    frames = shot_frames(30, 1) + shot_frames(30, 2) + shot_frames(30, 3)
    cuts = CutDetector(fps=25.0)
    found = [i for i, f in enumerate(frames) if cuts.update(f, i / 25)]
    assert found == [30, 60]
    assert cuts.cuts_s == [1.2, 2.4]


def test_analyze_reports_the_cuts_of_a_real_video(tmp_path: Path, yaml_model: Path) -> None:
    video = tmp_path / "cuts.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 25.0, (320, 180))
    for f in shot_frames(25, 4) + shot_frames(25, 5):
        writer.write(f)
    writer.release()
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app, ["analyze", str(video), "--out", str(out), "--weights", str(yaml_model), "--imgsz", "160"]
    )
    assert res.exit_code == 0, res.output
    assert json.loads((out / "report.json").read_text())["source"]["cuts_s"] == [1.0]
