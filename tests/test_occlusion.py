"""Hidden logos judged against the sponsor's artwork (vision.inference.occlusion), and what the
judgement does to the numbers: ``visible_fraction`` falls to the share in view and a logo under
``min_visible`` does not count."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
from text_boards import ARTWORK, artwork_box, board_frame
from typer.testing import CliRunner

from cli.main import app
from measure.quality import detection_quality, qualifies
from measure.settings import MeasureSettings
from vision.inference.occlusion import ArtworkOcclusion, template, visible_share
from vision.io.artwork import load_artwork

runner = CliRunner()
BOARDS = (("artwork:Helix", 460, 420, 330, 70), ("artwork:Corvo", 880, 420, 330, 70))


def corners(xyxy: np.ndarray) -> np.ndarray:
    x0, y0, x1, y1 = xyxy
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float)


def with_player(frame: np.ndarray, x0: int, x1: int, top: int = 380) -> np.ndarray:
    """Return ``frame`` with a player (red shirt, blue shorts, a head) standing over columns x0..x1."""
    out = frame.copy()
    cv2.rectangle(out, (x0, top + 30), (x1, top + 110), (40, 30, 200), -1)
    cv2.rectangle(out, (x0 + 5, top + 110), (x1 - 5, top + 150), (160, 60, 20), -1)
    cv2.circle(out, ((x0 + x1) // 2, top + 15), 16, (120, 160, 210), -1)
    return out


def hidden_share(name: str, x0: int, x1: int) -> float:
    """Return the alpha mass of the artwork of board ``artwork:NAME`` between columns x0..x1 / all of it."""
    box = artwork_box(name, BOARDS)
    alpha = load_artwork(ARTWORK / f"{name}.png")[..., 3].astype(float).sum(axis=0)
    cols = np.linspace(box[0], box[2], len(alpha))
    return float(alpha[(cols >= x0) & (cols <= x1)].sum() / alpha.sum())


@pytest.fixture(scope="module")
def helix() -> list:
    return [template(load_artwork(ARTWORK / "Helix.png"))]


def test_a_logo_in_full_view_is_judged_whole(helix: list) -> None:
    frame = board_frame(BOARDS)
    box = artwork_box("Helix", BOARDS)
    share, trusted, extent = visible_share(frame, corners(box), helix)
    assert share >= 0.9 and trusted
    assert np.abs(extent - corners(box)).max() <= 2  # a logo in full view keeps its box


def test_a_player_in_front_lowers_the_share_in_view(helix: list) -> None:
    box = artwork_box("Helix", BOARDS)
    x0, x1 = int(box[0] + 0.35 * (box[2] - box[0])), int(box[2]) + 10
    truth = 1.0 - hidden_share("Helix", x0, x1)
    share, trusted, extent = visible_share(with_player(board_frame(BOARDS), x0, x1), corners(box), helix)
    assert trusted  # the part in view agrees with the artwork
    assert 0.25 <= truth <= 0.45
    assert abs(share - truth) <= 0.15
    # the logo's box ends where the player begins (to a strip): its screen share is the part in view
    assert extent[:, 0].min() == pytest.approx(box[0], abs=2)
    assert extent[:, 0].max() == pytest.approx(x0, abs=0.1 * (box[2] - box[0]))


def test_without_a_sure_strip_the_board_is_the_colour_the_artwork_agrees_with(helix: list) -> None:
    """When no strip's marks correlate surely (a player's arm across the mark, blur), the strips are
    scored on one board colour: of the colours behind them, the one under which the artwork agrees
    best. A red shirt behind the strips it hides is not taken for the board, whichever comes first."""
    from vision.inference.occlusion import _likeliest_board

    tpl = helix[0]
    white, red = np.float32([235, 235, 235]), np.float32([40, 30, 200])
    picture = tpl.colour + (1.0 - tpl.alpha[..., None]) * white
    picture[:, int(0.35 * picture.shape[1]) :] = red  # the player, from a third of the logo on
    picture = cv2.GaussianBlur(picture, (0, 0), 1.5)
    for colours in ([red, white], [white, red], [red, red + 5, white]):
        board, _ = _likeliest_board(picture, np.array(colours), tpl, 1)
        assert np.abs(board - white).max() < 1


def test_plain_board_beside_the_logo_is_cut_from_a_long_box(helix: list) -> None:
    """A box that runs on past the logo over plain board (a mark the detector cannot see the end of)
    is cut back to the artwork; the share in view is not lowered by it."""
    frame = board_frame(BOARDS)
    box = artwork_box("Helix", BOARDS)
    long = box + np.array([0, 0, 0.3 * (box[2] - box[0]), 0])
    assert long[2] < 460 + 330  # still on Helix's board
    share, _, extent = visible_share(frame, corners(long), helix)
    assert share >= 0.9
    assert extent[:, 0].max() == pytest.approx(box[2], abs=0.05 * (box[2] - box[0]))


def test_motion_blur_and_a_loose_box_are_not_taken_for_occlusion(helix: list) -> None:
    frame = cv2.blur(board_frame(BOARDS), (15, 1))  # a fast pan: 15 px of horizontal smear
    box = artwork_box("Helix", BOARDS)
    loose = box + np.array([-8, -5, 10, 4])  # a detector's box is rarely exact
    share, _, extent = visible_share(frame, corners(loose), helix)
    assert share >= 0.85
    assert extent[:, 0].max() - extent[:, 0].min() >= 0.95 * (box[2] - box[0])  # the smear is not cut


def test_another_mark_is_not_judged_until_the_artwork_is_trusted() -> None:
    """Corvo's board judged as Helix: no strip agrees, so it is not judged (NaN) rather than "hidden",
    until Helix's artwork has been recognised on TRUST_AFTER detections of the run."""
    from vision.inference.occlusion import TRUST_AFTER

    judge = ArtworkOcclusion({"Helix": [ARTWORK / "Helix.png"]})
    frame = board_frame(BOARDS)
    corvo, helix = corners(artwork_box("Corvo", BOARDS)), corners(artwork_box("Helix", BOARDS))
    assert not visible_share(frame, corvo, judge.templates["Helix"])[1]
    shares, extents = judge(frame, corvo[None], ["Helix"])
    assert np.isnan(shares[0]) and (extents[0] == corvo).all()  # not judged: the box stays
    for _ in range(TRUST_AFTER):
        assert judge(frame, helix[None], ["Helix"])[0][0] >= 0.9
    assert np.isfinite(judge(frame, corvo[None], ["Helix"])[0][0])  # now judged
    judge.start()  # a new run trusts nothing yet
    assert np.isnan(judge(frame, corvo[None], ["Helix"])[0][0])


def test_boxes_at_the_frame_border_and_tiny_boxes_are_left_to_geometry(helix: list) -> None:
    frame = board_frame(BOARDS)
    assert np.isnan(visible_share(frame, corners(np.array([0.0, 420, 200, 490])), helix)[0])
    assert np.isnan(visible_share(frame, corners(np.array([500.0, 430, 530, 440])), helix)[0])


def test_judge_without_artwork_for_a_sponsor_returns_nan(tmp_path: Path) -> None:
    judge = ArtworkOcclusion({"Helix": [ARTWORK / "Helix.png"], "Broken": [tmp_path / "missing.png"]})
    assert set(judge.templates) == {"Helix"} and judge
    frame = board_frame(BOARDS)
    polys = np.stack([corners(artwork_box("Helix", BOARDS))] * 2)
    got, _ = judge(frame, polys, ["Helix", "Corvo"])
    assert got[0] >= 0.9 and np.isnan(got[1])
    assert not ArtworkOcclusion({})


def test_visible_fraction_takes_the_smaller_of_frame_and_view_and_gates_qualifying() -> None:
    polys = np.stack([corners(np.array([100.0, 100, 300, 150]))] * 3)
    q = detection_quality(polys, 1280, 720, np.full(3, 0.9), np.full(3, 0.8), np.array([0.4, np.nan, 0.9]))
    assert q["visible_fraction"].tolist() == pytest.approx([0.4, 1.0, 0.9])
    assert q["clarity"][0] == pytest.approx(q["clarity"][1] * 0.4)
    settings = MeasureSettings()
    assert qualifies(q["clarity"], q["short_side_px"], 720, settings, q["visible_fraction"]).tolist() == [
        False,
        True,
        True,
    ]
    loose = MeasureSettings(min_visible=0.3)
    assert qualifies(q["clarity"], q["short_side_px"], 720, loose, q["visible_fraction"])[0]


def write_occluded_video(path: Path, hide: tuple[int, int], seconds: float = 2.0, fps: float = 10.0) -> Path:
    """Write the two boards for ``seconds``; a player steps in front of Helix (columns ``hide``) halfway."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (1280, 720))
    assert writer.isOpened()
    clear = board_frame(BOARDS)
    hidden = with_player(clear, *hide)
    n = round(seconds * fps)
    for i in range(n):
        writer.write(clear if i < n // 2 else hidden)
    writer.release()
    return path


@pytest.mark.slow
def test_analyze_with_the_real_model_does_not_count_a_hidden_logo(tmp_path: Path) -> None:
    """Through the real decode, the real demo model and the CLI: the demo model's card gives the
    artwork. Helix counts while in full view (the judge recognises its artwork there), then, once a
    player stands in front of most of it, it is still detected but does not count; Corvo counts."""
    from vision.inference.detector import DEFAULT_WEIGHTS

    box = artwork_box("Helix", BOARDS)
    hide = (int(box[0] + 0.35 * (box[2] - box[0])), int(box[2]) + 10)
    video = write_occluded_video(tmp_path / "hidden.mp4", hide)
    out = tmp_path / "out"
    args = ["analyze", str(video), "--out", str(out), "--weights", str(DEFAULT_WEIGHTS), "--imgsz", "1280"]
    res = runner.invoke(app, [*args, "--sample-fps", "5", "--device", "cpu"])
    assert res.exit_code == 0, res.output
    dets = pd.read_parquet(out / "detections.parquet")
    helix = dets[dets["sponsor"] == "Helix"]
    seen, hidden = helix[helix["t"] < 0.95], helix[helix["t"] >= 1.05]
    assert len(seen) >= 4 and (seen["visible_fraction"] >= 0.9).all() and seen["qualifies"].all()
    assert len(hidden) >= 4, "the demo model should still see the half-hidden Helix board"
    assert (hidden["visible_fraction"] < 0.6).all() and not hidden["qualifies"].any()
    # and its box is cut to the part in view, left of the player: its screen share is that part's
    width = float((seen["x2"] - seen["x1"]).median())
    assert ((hidden["x2"] - hidden["x1"]) < 0.7 * width).all()
    assert (hidden["x2"] <= hide[0] + 0.1 * width).all()
    corvo = dets[dets["sponsor"] == "Corvo"]
    assert (corvo["visible_fraction"] >= 0.9).all() and corvo["qualifies"].all()
    sponsors = pd.read_csv(out / "sponsors.csv").set_index("sponsor")
    assert sponsors.loc["Helix", "exposure_s"] == pytest.approx(1.0, abs=0.25)
    assert sponsors.loc["Corvo", "exposure_s"] == pytest.approx(2.0, abs=0.25)
    settings = json.loads((out / "report.json").read_text())["settings"]
    assert settings["min_visible"] == 0.6


def test_truth_pairs_give_the_calls_and_how_far_boxes_end_from_the_logo_in_view() -> None:
    """measure.truth pairs detections with true instances (inside the frame, IoU > 0.1) to count the
    judge's calls and to measure how far the counted boxes end from the visible box of the logo."""
    from measure.truth import box_end_error, visibility_calls

    truth = pd.DataFrame(
        {
            "frame": [0, 0, 1],
            "sponsor": ["Helix", "Corvo", "Helix"],
            "x1": [100.0, 400.0, 100.0],
            "y1": [50.0, 50.0, 50.0],
            "x2": [200.0, 500.0, 160.0],  # frame 1: Helix 40 % in view
            "y2": [80.0, 80.0, 80.0],
            "visible_fraction": [1.0, 1.0, 0.4],
        }
    )
    dets = pd.DataFrame(
        {
            "frame": [0, 0, 1, 1],
            "sponsor": ["Helix", "Corvo", "Helix", "Helix"],
            "x1": [98.0, 400.0, 100.0, 0.0],  # the last one touches the border: not paired
            "y1": [50.0, 50.0, 50.0, 50.0],
            "x2": [210.0, 500.0, 200.0, 50.0],
            "y2": [80.0, 80.0, 80.0, 80.0],
            "visible_fraction": [1.0, 0.5, 0.5, 1.0],
            "qualifies": [True, False, False, True],
        }
    )
    calls = visibility_calls(dets, truth, 1280, 720, 0.6)
    assert calls == {"visible": 2, "visible_called_hidden": 1, "hidden": 1, "hidden_caught": 1}
    assert box_end_error(dets, truth, 1280, 720) == pytest.approx(2 + 10)  # the one qualifying pair
    assert np.isnan(box_end_error(dets.iloc[1:3], truth, 1280, 720))
