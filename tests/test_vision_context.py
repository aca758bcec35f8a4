"""Visual context on the vision side: placement (in_venue / overlay) and shot type (wide / tight / closeup).

Unit tests of the grouping and shot-type rules on small arrays, the camera motion on a real shifted
image, and an end-to-end run of ``analyse_video`` with the shipped demo model on a rendered clip whose
truth says which sponsor is on the score bug and what each shot is.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from measure.methodology import OVERLAY_CAMERA_MOVE, OVERLAY_STEP_MAX, SHOT_DETAIL_CLOSEUP, SHOT_LOGO_TIGHT
from measure.records import PLACEMENTS, SHOT_TYPES
from vision.inference.placement import CameraMotion, overlay_groups, placements
from vision.inference.shot_type import colour_histogram, shot_types, surface_shares

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "weights" / "demo.pt"
W, H = 1000, 500


def _table(rows: list[tuple[int, int, str, float, float, float, float]]) -> pd.DataFrame:
    """Detection table of (frame, shot, sponsor, x1, y1, x2, y2) rows, pixels of a W x H frame."""
    df = pd.DataFrame(rows, columns=["frame", "shot", "sponsor", "x1", "y1", "x2", "y2"])
    df["short_side_px"] = np.minimum(df["x2"] - df["x1"], df["y2"] - df["y1"])
    df["t"] = df["frame"] * 0.2  # 5 analysed frames a second
    return df


def _pan(n: int, per_step: float) -> np.ndarray:
    """Camera positions (fractions of the frame) of ``n`` analysed frames panning ``per_step`` right each."""
    return np.stack([np.arange(n) * per_step, np.zeros(n)], axis=1)


def test_a_box_that_stays_put_while_the_camera_pans_is_an_overlay_and_one_that_moves_with_it_is_not() -> None:
    n, step = 20, 0.02  # 0.38 of the frame in all, slower than OVERLAY_STEP_MAX a step
    assert step <= OVERLAY_STEP_MAX and (n - 1) * step >= OVERLAY_CAMERA_MOVE
    rows = []
    for i in range(n):
        jitter = 0.6 * np.sin(i)  # a detector's box jitters by a pixel or so
        rows.append((i, 0, "Bug", 40 + jitter, 30, 140 + jitter, 60))  # fixed on screen
        x = 100 + i * step * W  # a board: moves with the picture
        rows.append((i, 0, "Board", x, 300, x + 120, 330))
    place = placements(_table(rows), W, H, np.arange(n), _pan(n, step))
    assert set(place) <= set(PLACEMENTS)
    assert list(place[0::2]) == ["overlay"] * n
    assert list(place[1::2]) == ["in_venue"] * n


def test_a_still_camera_proves_nothing_and_a_second_shot_does() -> None:
    n = 10
    still = np.zeros((2 * n, 2))
    one_shot = [(i, 0, "Bug", 40 + 0.3 * (i % 2), 30, 140, 60) for i in range(n)]
    assert set(placements(_table(one_shot), W, H, np.arange(n), still[:n])) == {"in_venue"}
    two_shots = one_shot + [(n + i, 1, "Bug", 40.2, 30, 140, 60) for i in range(n)]
    assert set(placements(_table(two_shots), W, H, np.arange(2 * n), still)) == {"overlay"}
    # two shots, but only a frame or two in the same place each (a board crossing that spot): not enough
    brief = [
        (0, 0, "Bug", 40, 30, 140, 60),
        (n, 1, "Bug", 40, 30, 140, 60),
        (n + 1, 1, "Bug", 40, 30, 140, 60),
    ]
    assert set(placements(_table(brief), W, H, np.arange(2 * n), still)) == {"in_venue"}


def test_fast_steps_and_held_reads_are_no_evidence() -> None:
    n = 12
    # boards of one sponsor every 0.2 of the frame, the camera jumping by exactly that each analysed frame:
    # a different board lands on the same spot every frame, but each step is faster than OVERLAY_STEP_MAX
    fast = _table([(i, 0, "Board", 200 + 0.4 * (i % 3), 300, 320, 330) for i in range(n)])
    assert set(placements(fast, W, H, np.arange(n), _pan(n, 0.2))) == {"in_venue"}
    # a whole-frame read held at its place on every frame (one box repeated) while the camera pans
    held = _table([(i, 0, "Read", 200, 300, 320, 330) for i in range(n)])
    assert set(placements(held, W, H, np.arange(n), _pan(n, 0.03))) == {"in_venue"}
    # the same with a box that changes (a detection on every frame): an overlay
    seen = _table([(i, 0, "Read", 200 + 0.5 * (i % 2), 300, 320, 330) for i in range(n)])
    assert set(placements(seen, W, H, np.arange(n), _pan(n, 0.03))) == {"overlay"}


def test_a_box_jittering_across_a_cell_border_stays_one_group() -> None:
    # the centre x alternates around a border of the 0.02 grid (0.5 of the frame): the half-cell shifted grid
    # keeps both sides in one group
    n = 16
    keys_rows = [
        (i, 0, "Bug", 495 + (3 if i % 2 else -3) - 50, 30, 495 + (3 if i % 2 else -3) + 50, 60)
        for i in range(n)
    ]
    place = placements(_table(keys_rows), W, H, np.arange(n), _pan(n, 0.02))
    assert set(place) == {"overlay"}


def test_a_second_shot_counts_only_when_it_shows_another_picture() -> None:
    """A fixed camera back on one framing after a cut shows its boards at the same place: not an overlay."""
    n = 10
    still = np.zeros((2 * n, 2))
    rows = [(i, 0, "Board", 40, 30, 140, 60) for i in range(n)] + [
        (n + i, 1, "Board", 40, 30, 140, 60) for i in range(n)
    ]
    rng = np.random.default_rng(0)
    framing = rng.integers(0, 256, 144)
    same = np.tile(framing, (2 * n, 1)).astype(np.uint8)
    same[n:] = np.clip(same[n:].astype(int) + rng.integers(-3, 4, (n, 144)), 0, 255)  # players moved a little
    assert set(placements(_table(rows), W, H, np.arange(2 * n), still, same)) == {"in_venue"}
    other = same.copy()
    other[n:] = rng.integers(0, 256, (n, 144))  # a cut to another camera
    assert set(placements(_table(rows), W, H, np.arange(2 * n), still, other)) == {"overlay"}
    motion = CameraMotion()
    for value in (10, 10, 200):
        motion.update(np.full((144, 256, 3), value, np.uint8), False)
    assert motion.pictures.shape == (3, 144) and motion.pictures.dtype == np.uint8
    assert np.abs(motion.pictures[2].astype(int) - motion.pictures[0]).mean() == 190


def test_overlay_groups_runs_break_at_gaps_and_cuts() -> None:
    keys = np.zeros(6, dtype=np.int64)
    boxes = np.tile([0.0, 0.0, 10.0, 10.0], (6, 1))
    boxes[::2, 0] = 0.5
    cam = _pan(6, 0.04)
    # present at frames 0, 2, 4 ... (a gap between each) and the camera panned 0.2: no run is longer than one
    steps = np.array([0, 2, 4, 6, 8, 10])
    assert not overlay_groups(keys, steps, 0.2 * steps, np.zeros(6, np.int64), cam, boxes).any()
    # consecutive frames: one run over 0.2 of camera motion
    assert overlay_groups(keys, np.arange(6), 0.2 * np.arange(6), np.zeros(6, np.int64), cam, boxes).all()
    # two shots with a still camera: runs of 1 s (6 frames at 5 a second) in each make an overlay, 0.8 s do not
    still = np.zeros((12, 2))
    shots = np.repeat([0, 1], 6)
    keys12, boxes12 = np.zeros(12, dtype=np.int64), np.tile([0.0, 0.0, 10.0, 10.0], (12, 1))
    assert overlay_groups(keys12, np.arange(12), 0.2 * np.arange(12), shots, still, boxes12).all()
    assert not overlay_groups(
        keys12[1:], np.arange(1, 12), 0.2 * np.arange(1, 12), shots[1:], still[1:], boxes12[1:]
    ).any()


def test_shot_type_rules() -> None:
    shot = np.array([0, 0, 0, 1, 1, 2, 2, 3, 3])
    details = np.array([0.2, 0.2, 0.01, 0.15, 0.15, 0.02, 0.03, 0.2, 0.2])
    surface = np.array([0.7, 0.7, 0.7, 0.6, 0.6, 0.1, 0.1, 0.2, 0.2])
    logo = np.array([0.03, np.nan, 0.03, SHOT_LOGO_TIGHT * 1.2, np.nan, np.nan, np.nan, np.nan, np.nan])
    assert details[5:7].max() < SHOT_DETAIL_CLOSEUP
    types = shot_types(shot, 4, details, surface, logo)
    assert types == ("wide", "tight", "closeup", "tight")  # shot 3: no boards, little playing surface
    # little detail (a plain view of grass) but small boards in view: the camera is not close
    assert shot_types(
        np.array([0, 0]), 1, np.array([0.03, 0.03]), np.array([0.8, 0.8]), np.array([0.02, 0.02])
    ) == ("wide",)
    assert set(types) <= set(SHOT_TYPES)


def test_the_playing_surface_colour_is_learned_from_the_video() -> None:
    blue = np.zeros((90, 160, 3), np.uint8)
    blue[30:] = (200, 120, 30)  # a blue court below a dark band
    blue[:30] = (40, 40, 40)
    cv2.rectangle(blue, (40, 40), (120, 80), (255, 255, 255), 2)  # lines: detail
    red = np.full((90, 160, 3), (30, 30, 200), np.uint8)  # a red shirt filling a flat close-up
    hists = np.stack([colour_histogram(blue)] * 3 + [colour_histogram(red)] * 4)
    details = np.array([0.1] * 3 + [0.005] * 4)
    share = surface_shares(hists, details)
    assert share[:3] == pytest.approx(2 / 3, abs=0.05)  # the court, not the (more frequent) shirt
    assert share[3:].max() < 0.05


def test_camera_motion_measures_a_known_shift() -> None:
    rng = np.random.default_rng(0)
    world = cv2.GaussianBlur(rng.integers(0, 255, (200, 600), dtype=np.uint8), (0, 0), 2)
    motion = CameraMotion()
    for x in (100, 108, 116, 124):  # the picture content moves 8 px left a frame
        motion.update(world[50:194, x : x + 256], new_shot=False)
    motion.update(world[50:194, 300:556], new_shot=True)  # a cut: back to 0
    pos = motion.positions
    assert pos[3, 0] == pytest.approx(-24 / 256, abs=0.01)
    assert abs(pos[3, 1]) < 0.01
    assert pos[4].tolist() == [0.0, 0.0]


@pytest.mark.slow
@pytest.mark.skipif(not DEMO.is_file(), reason="weights/demo.pt is not trained yet (sponsorlens train)")
def test_the_demo_model_pipeline_finds_the_score_bug_overlay_and_the_shot_types(tmp_path: Path) -> None:
    from vision.inference.detector import LogoDetector
    from vision.inference.pipeline import analyse_video
    from vision.io.artwork import load_logos
    from vision.io.sources import open_video
    from vision.training.clip import render_clip

    video = tmp_path / "c.mp4"
    # seed 2 at this size: wide, tight, close-up and tight shots
    truth = render_clip(
        load_logos(REPO / "weights" / "demo_artwork"), video, seconds=8, size=(640, 360), seed=2
    )
    kinds = [k for _a, _b, k in truth.shots]
    assert len(set(kinds)) == 3
    with open_video(video, sample_fps=4) as source:
        an = analyse_video(source, LogoDetector(DEMO, imgsz=640, device="cpu"), check=False)
    dets = an.detections
    assert set(dets["placement"]) <= set(PLACEMENTS)
    bug_sponsor = truth.frames.loc[truth.frames["source"] == "score_bug", "sponsor"].iloc[0]
    at_bug = (dets["y2"] < 0.2 * truth.height) & (dets["x1"] < 0.5 * truth.width)  # the bug is top-left
    bug = dets[(dets["sponsor"] == bug_sponsor) & at_bug]
    assert len(bug) >= 10, "the demo model must find the score-bug sponsor"
    assert (bug["placement"] == "overlay").mean() >= 0.9
    boards = dets[~at_bug]
    assert len(boards) >= 10
    assert (boards["placement"] == "in_venue").mean() >= 0.9
    # shot types: every found shot that lies within one true shot (the cut detector can miss a cut
    # between two similar shots, wide and tight: such a shot has no one true type) has the true type
    tl = an.timeline
    assert len(tl.shot_types) == len(tl.cuts_s) + 1
    bounds = [0.0, *tl.cuts_s, truth.duration_s]
    checked = 0
    for s, found in enumerate(tl.shot_types):
        a, b = bounds[s], bounds[s + 1]
        inside = [k for t0, t1, k in truth.shots if min(b, t1) - max(a, t0) > 0]
        cuts_within = [c for c in truth.cuts_s if a + 0.5 < c < b - 0.5]
        if cuts_within:
            continue
        longest = max(truth.shots, key=lambda sh: min(b, sh[1]) - max(a, sh[0]))
        assert found == longest[2], (s, a, b, found, inside)
        checked += 1
    assert checked >= 2
