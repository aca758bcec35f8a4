"""Live or replay: replay shots in the rendered test clip and the replay spotter that finds them.

The spotter runs on the real text reader's models (RapidOCR PP-OCRv6, bundled in its wheel) over a
rendered clip with real-font captions; the word matching is tested on its own."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cli.main import app
from vision.inference.replay import REPLAY_WORDS, ReplaySpotter, replay_word
from vision.io.artwork import load_logos
from vision.training.clip import ClipTruth, render_clip
from vision.training.replay_graphics import CAPTION_WORDS, ReplayStyle, caption_patch

REPO = Path(__file__).resolve().parent.parent
DEMO_ART = REPO / "weights" / "demo_artwork"


# --- word matching ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "REPLAY", "Replay", "ACTION REPLAY", "replay 2nd half", "WIEDERHOLUNG", "Zeitlupe", "REPETICIÓN",
        "REPETICION", "RALENTI", "RALENTÍ", "REPRISE", "RIPETIZIONE", "MOVIOLA", "REPETIÇÃO", "REPETICAO",
        "HERHALING", "POWTÓRKA", "POWTORKA", "TEKRAR", "SLOW MOTION", "REPLAYS",
    ],
)  # fmt: skip
def test_replay_words_in_many_languages_match(text: str) -> None:
    assert replay_word(text) is not None


@pytest.mark.parametrize(
    ("read", "word"),
    [("REPIAY", "replay"), ("R3PLAY", "replay"), ("WIEDERH0LUNG", "WIEDERHOLUNG"), ("REPETlCION", "REPETICIÓN"),
     ("HERHAL1NG", "HERHALING"), ("RALENT1", "RALENTÍ")],
)  # fmt: skip
def test_ocr_confusions_still_match(read: str, word: str) -> None:
    assert replay_word(read) == word


@pytest.mark.parametrize(
    "text",
    [
        "RELAY", "REPLY", "REPAY", "DISPLAY", "DISPLAY ADS", "REPETITION", "SURPRISE", "SURPRISE PARTY",
        "ENTERPRISE", "PLAYER", "PLAY", "PRAISE", "RALLY", "ERHOLUNG", "MOTION", "SLOW", "HOM 1-0 AWY 67:12",
        "SECTOR B", "flatex", "SCOUTING FEED", "LIVE", "HIGHLIGHTS", "",
    ],
)  # fmt: skip
def test_ordinary_words_are_no_replay(text: str) -> None:
    assert replay_word(text) is None


def test_every_caption_of_the_clip_is_a_listed_word() -> None:
    listed = {w for words in REPLAY_WORDS.values() for w in words}
    assert all(replay_word(w) is not None for w in CAPTION_WORDS)
    assert len(REPLAY_WORDS) >= 10 and len(listed) >= 20


# --- the clip ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def replay_clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ClipTruth]:
    """A 9 s 1280x720 clip whose third shot is a replay (seed chosen so that it lasts over 2 s)."""
    video = tmp_path_factory.mktemp("replay") / "clip.mp4"
    truth = render_clip(load_logos(DEMO_ART), video, seconds=9.0, seed=5, replays=1)
    return video, truth


def test_replay_truth_is_saved_and_old_truth_loads_as_live(replay_clip: tuple[Path, ClipTruth]) -> None:
    video, truth = replay_clip
    assert sum(truth.replays) == 1 and not truth.replays[0] and len(truth.replays) == len(truth.shots)
    replay = truth.replays.index(True)
    assert truth.captions[replay] in CAPTION_WORDS and truth.captions.count("") == len(truth.shots) - 1
    cut_in = truth.shots[replay][0]
    assert any(a < cut_in < b for a, b in truth.transitions_s)  # a transition straddles the cut into it
    loaded = ClipTruth.load(video.parent)
    assert loaded.replays == truth.replays and loaded.transitions_s == truth.transitions_s
    summary = json.loads((video.parent / "truth.json").read_text())
    for key in ("replays", "captions", "transitions_s"):
        summary.pop(key)
    old = video.parent / "old"
    old.mkdir()
    (old / "truth.json").write_text(json.dumps(summary))
    (old / "truth.parquet").write_bytes((video.parent / "truth.parquet").read_bytes())
    assert ClipTruth.load(old).replay_of_shot() == [False] * len(truth.shots)


def test_a_transition_hides_the_sponsors_under_it_in_the_truth(replay_clip: tuple[Path, ClipTruth]) -> None:
    """At the cut into the replay the transition covers the whole frame: no sponsor instance is visible
    there, so none counts toward exposure; a second later they are back."""
    _, truth = replay_clip
    cut_frame = round(truth.shots[truth.replays.index(True)][0] * truth.fps)
    frames = truth.frames
    assert frames[frames["frame"] == cut_frame].empty
    assert frames[(frames["frame"] == cut_frame + 25) & frames["qualifies"]].shape[0] > 0


def test_analyse_video_flags_the_replay_shot_and_no_live_shot(replay_clip: tuple[Path, ClipTruth]) -> None:
    from vision.inference.detector import DEFAULT_WEIGHTS
    from vision.inference.detectors import open_detectors
    from vision.inference.pipeline import analyse_video
    from vision.io.sources import open_video

    video, truth = replay_clip
    detector = open_detectors(DEFAULT_WEIGHTS, None, imgsz=320, device="cpu").detector
    with open_video(video, sample_fps=4) as source:
        out = analyse_video(source, detector)
    tl = out.timeline
    assert len(tl.replays) == len(tl.cuts_s) + 1
    cuts = np.asarray(tl.cuts_s)
    for (start, end, _), is_replay in zip(truth.shots, truth.replays, strict=True):
        middle = (start + end) / 2
        assert tl.replays[int(np.searchsorted(cuts, middle, side="right"))] == is_replay, (start, end)
    assert 0 < out.replay_reads <= 2 * len(tl.replays)  # bounded: at most two border reads a shot
    with open_video(video, sample_fps=1) as source:
        off = analyse_video(source, detector, replays=False)
    assert off.timeline.replays == () and off.replay_reads == 0


def test_a_short_replay_shot_is_read_once_before_it_ends() -> None:
    """A shot that ends before the first planned read is read at a frame it kept; a live one is not
    flagged."""
    live = np.full((720, 1280, 3), (40, 120, 40), np.uint8)
    replay = live.copy()
    patch = caption_patch(
        "WIEDERHOLUNG", 40, ReplayStyle("WIEDERHOLUNG", "top-right", (0, 140, 255), "wipe").accent
    )
    replay[30 : 30 + patch.shape[0], 1240 - patch.shape[1] : 1240] = patch[..., :3]
    spotter = ReplaySpotter()
    for i in range(13):  # 0.5 s live, 0.5 s replay, 0.6 s live at 8 frames a second
        t = i / 8
        image, shot = (live, 0) if t < 0.5 else (replay, 1) if t < 1.0 else (live, 2)
        spotter.update(image, t, shot, new_shot=t in (0.5, 1.0))
    assert spotter.replays(3) == (False, True, False)
    assert spotter.reads == 3 and spotter.words == {1: "WIEDERHOLUNG"}


def test_the_cli_records_whether_replays_were_found(
    replay_clip: tuple[Path, ClipTruth], tmp_path: Path
) -> None:
    video, _ = replay_clip
    res = CliRunner().invoke(
        app,
        ["analyze", str(video), "--out", str(tmp_path / "a"), "--sample-fps", "2", "--imgsz", "320",
         "--device", "cpu", "--no-replays"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "a" / "report.json").read_text())
    assert report["settings"]["replays"] is False
    for command in ("analyze", "demo", "batch"):
        help_text = CliRunner().invoke(app, [command, "--help"], terminal_width=200).output
        assert "--replays" in help_text and "--no-replays" in help_text


def test_a_whole_frame_read_of_the_pipeline_counts_without_a_border_read() -> None:
    """With --read-fps the pipeline hands the spotter the lines it read in the whole frame: a replay word
    there flags the shot and no border read is spent on it."""
    frame = np.full((720, 1280, 3), (40, 120, 40), np.uint8)
    spotter = ReplaySpotter()
    spotter.update(frame, 0.0, 0, lines=["HOM 1-0 AWY", "Zeitlupe"])
    for i in range(1, 30):
        spotter.update(frame, i / 10, 0)
    assert spotter.replays(1) == (True,) and spotter.reads == 0 and spotter.words == {0: "ZEITLUPE"}
