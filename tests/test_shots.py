"""Camera cuts on a rendered clip: a cut between a wide and a tight view of the same pitch is found."""

from __future__ import annotations

from pathlib import Path

import pytest

from vision.inference.shots import CutDetector
from vision.io.artwork import load_logos
from vision.io.sources import open_video
from vision.training.clip import render_clip

REPO = Path(__file__).resolve().parent.parent
DEMO_ART = REPO / "weights" / "demo_artwork"


@pytest.fixture(scope="module")
def wide_tight_clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[float], list[str]]:
    """A 5 s 640x360 rendered clip of shots wide, tight, wide, tight (seed 1); its cuts (s) and kinds."""
    video = tmp_path_factory.mktemp("cuts") / "clip.mp4"
    truth = render_clip(load_logos(DEMO_ART), video, seconds=5.0, size=(640, 360), seed=1)
    return video, list(truth.cuts_s), [kind for _, _, kind in truth.shots]


@pytest.mark.parametrize("sample_fps", [None, 5.0])
def test_a_wide_to_tight_cut_is_found_and_no_false_cut(
    wide_tight_clip: tuple[Path, list[float], list[str]], sample_fps: float | None
) -> None:
    video, true_cuts, kinds = wide_tight_clip
    assert kinds[:2] == ["wide", "tight"]  # the clip this test is about: first cut wide -> tight
    with open_video(video, sample_fps=sample_fps) as source:
        cuts = CutDetector(source.info.fps)
        for batch in source.batches(8):
            for f in batch:
                cuts.update(f.image, f.t)
    step = 0.2 if sample_fps else 0.04  # a cut lands on the first analysed frame of the new shot
    assert any(0 <= c - true_cuts[0] <= step + 1e-6 for c in cuts.cuts_s), (cuts.cuts_s, true_cuts)
    assert all(min(abs(c - t) for t in true_cuts) <= 0.3 for c in cuts.cuts_s), (cuts.cuts_s, true_cuts)
