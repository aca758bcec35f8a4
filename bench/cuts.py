"""Camera cuts: PySceneDetect detectors side by side on rendered clips and the real clip.

Usage::

    .venv/bin/python bench/cuts.py [--seeds 1 2 3] [--replay-seeds 100 101 102 103] [--tolerance 0.3]

Renders (or reuses, cached under the temp folder like ``bench/context.py`` and ``bench/replays.py``)
1280x720 test clips (:func:`vision.training.clip.render_clip`): 20 s clips without replays and 16 s
clips with 2 replay shots (a wipe transition on each replay cut). Each clip is decoded once at every
frame and once at 5 analysed frames a second (``analyze --sample-fps 5``), frames shrunk to
:data:`vision.inference.shots.DETECT_WIDTH` pixels wide as :class:`CutDetector` does, and every candidate
detector is fed the same frames. Per candidate and sampling it prints:

* cut recall and precision: a found cut matches a true cut (``ClipTruth.cuts_s``) when it lies within
  ``--tolerance`` seconds of it (each true cut matched at most once, nearest first);
* the mean absolute timing error (s) of the matched cuts, and how many cuts out of a replay matched;
* the cuts found on the real clip ``../shared/real/dfl_clip_08fd33_4.mp4`` (one continuous wide shot
  with pans: every cut there is false), at both samplings;
* the detector's cost, milliseconds a frame on the shrunk frames (the shrink itself is shared).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.clips import CACHE  # noqa: E402

REAL_CLIP = REPO.parent / "shared" / "real" / "dfl_clip_08fd33_4.mp4"
ARTWORK = REPO / "weights" / "demo_artwork"


def render(seed: int, seconds: float, replays: int) -> tuple[Path, object]:
    """Return ``(clip path, ClipTruth)`` of the cached rendered clip (rendered when missing)."""
    from vision.io.artwork import load_logos
    from vision.training.clip import ClipTruth, render_clip

    if replays:
        d = CACHE / f"replays_s{seed}_{seconds:g}s_{replays}r"
    else:
        d = CACHE / f"context_s{seed}_1280x720_{seconds:g}s"
    video = d / "clip.mp4"
    if video.is_file() and (d / "truth.json").is_file():
        return video, ClipTruth.load(d)
    return video, render_clip(load_logos(ARTWORK), video, seconds=seconds, seed=seed, replays=replays)


def decode(video: Path, sample_fps: float | None) -> tuple[list[np.ndarray], list[float], float]:
    """Return the shrunk analysed frames of ``video``, their times (s) and the nominal fps."""
    from vision.inference.shots import downscale
    from vision.io.sources import open_video

    frames, times = [], []
    with open_video(video, sample_fps=sample_fps) as source:
        fps = source.info.fps
        for batch in source.batches(8):
            for f in batch:
                frames.append(downscale(f.image))
                times.append(float(f.t))
    return frames, times, fps


@dataclass
class Combo:
    """A cut when any of ``detectors`` fires on a frame, at most one a ``min_shot_s``."""

    fps: float
    detectors: list
    min_shot_s: float = 0.5
    cuts_s: list[float] = field(default_factory=list)

    def update(self, image: np.ndarray, t: float) -> bool:
        """Return True when a detector reports a cut (the cut's time is kept in ``cuts_s``)."""
        from scenedetect import FrameTimecode

        tc = FrameTimecode(float(t), fps=self.fps)
        found = [c.seconds for d in self.detectors for c in d.process_frame(tc, image)]
        if not found or t <= 0:
            return False
        cut = min(found)
        if self.cuts_s and cut - self.cuts_s[-1] < self.min_shot_s:
            return False
        self.cuts_s.append(cut)
        return True


def candidates() -> dict[str, Callable[[float], object]]:
    """Return the candidate detectors by name: each makes a fresh :class:`Combo` for a frame rate."""
    from scenedetect.detector import FlashFilter
    from scenedetect.detectors import AdaptiveDetector, ContentDetector, HashDetector, HistogramDetector

    from vision.inference.shots import CutDetector

    comp = ContentDetector.Components
    sup = FlashFilter.Mode.SUPPRESS
    m = 0.5

    def c(*dets: Callable[[], object]) -> Callable[[float], Combo]:
        return lambda fps: Combo(fps, [d() for d in dets])

    return {
        "shipped CutDetector": CutDetector,  # content27s|c+e27s k9, as analyze runs it
        "content27 (old)": c(lambda: ContentDetector(27.0, m)),
        "content27 suppress": c(lambda: ContentDetector(27.0, m, filter_mode=sup)),
        "content20 suppress": c(lambda: ContentDetector(20.0, m, filter_mode=sup)),
        "content15 suppress": c(lambda: ContentDetector(15.0, m, filter_mode=sup)),
        "content+edges27 supp": c(lambda: ContentDetector(27.0, m, weights=comp(1, 1, 1, 1), filter_mode=sup)),
        "content+edges20 supp": c(lambda: ContentDetector(20.0, m, weights=comp(1, 1, 1, 1), filter_mode=sup)),
        "content+edges30 supp": c(lambda: ContentDetector(30.0, m, weights=comp(1, 1, 1, 1), filter_mode=sup)),
        "content+edges33 supp": c(lambda: ContentDetector(33.0, m, weights=comp(1, 1, 1, 1), filter_mode=sup)),
        "content+edges27 s 1s": lambda fps: Combo(fps, [ContentDetector(27.0, 1.0, weights=comp(1, 1, 1, 1), filter_mode=sup)], 1.0),
        "content+edges30 s 1s": lambda fps: Combo(fps, [ContentDetector(30.0, 1.0, weights=comp(1, 1, 1, 1), filter_mode=sup)], 1.0),
        "content27s|c+edges27s": c(
            lambda: ContentDetector(27.0, m, filter_mode=sup),
            lambda: ContentDetector(27.0, m, weights=comp(1, 1, 1, 1), filter_mode=sup),
        ),
        "content27s|c+e27s k7": c(
            lambda: ContentDetector(27.0, m, filter_mode=sup),
            lambda: ContentDetector(27.0, m, weights=comp(1, 1, 1, 1), kernel_size=7, filter_mode=sup),
        ),
        "content27s|c+e27s k9": c(
            lambda: ContentDetector(27.0, m, filter_mode=sup),
            lambda: ContentDetector(27.0, m, weights=comp(1, 1, 1, 1), kernel_size=9, filter_mode=sup),
        ),
        "content27s|c+e24s k9": c(
            lambda: ContentDetector(27.0, m, filter_mode=sup),
            lambda: ContentDetector(24.0, m, weights=comp(1, 1, 1, 1), kernel_size=9, filter_mode=sup),
        ),
        "content27s|c+e22s k13": c(
            lambda: ContentDetector(27.0, m, filter_mode=sup),
            lambda: ContentDetector(22.0, m, weights=comp(1, 1, 1, 1), kernel_size=13, filter_mode=sup),
        ),
        "luma+edges20 supp": c(lambda: ContentDetector(20.0, m, weights=comp(0, 0, 1, 1), filter_mode=sup)),
        "adaptive3": c(lambda: AdaptiveDetector(3.0, m)),
        "histogram0.2": c(lambda: HistogramDetector(0.2, min_scene_len=m)),
        "histogram0.1": c(lambda: HistogramDetector(0.1, min_scene_len=m)),
        "hash0.35": c(lambda: HashDetector(0.35, min_scene_len=m)),
        "hash0.3": c(lambda: HashDetector(0.3, min_scene_len=m)),
        "hash0.25": c(lambda: HashDetector(0.25, min_scene_len=m)),
        "content27s|hash0.35": c(lambda: ContentDetector(27.0, m, filter_mode=sup), lambda: HashDetector(0.35, min_scene_len=m)),
        "content27s|hist0.2": c(lambda: ContentDetector(27.0, m, filter_mode=sup), lambda: HistogramDetector(0.2, min_scene_len=m)),
    }  # fmt: skip


def match(found: list[float], true: list[float], tol: float) -> list[tuple[float, float]]:
    """Return the (true, found) pairs within ``tol`` seconds, each used once, nearest pairs first."""
    pairs = sorted((abs(f - c), c, f) for c in true for f in found if abs(f - c) <= tol)
    used_t: set[float] = set()
    used_f: set[float] = set()
    out = []
    for _, c, f in pairs:
        if c not in used_t and f not in used_f:
            used_t.add(c)
            used_f.add(f)
            out.append((c, f))
    return out


def run(
    make: Callable[[float], Combo], frames: list[np.ndarray], times: list[float], fps: float
) -> tuple[list[float], float]:
    """Return the cuts (s) a fresh detector finds over ``frames`` and its cost (s)."""
    det = make(fps)
    start = time.perf_counter()
    for img, t in zip(frames, times, strict=True):
        det.update(img, t)
    return det.cuts_s, time.perf_counter() - start


def main() -> None:
    """Print the side-by-side table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3])
    ap.add_argument("--replay-seeds", type=int, nargs="*", default=[100, 101, 102, 103])
    ap.add_argument("--tolerance", type=float, default=0.3)
    ap.add_argument(
        "--only", nargs="*", default=None, help="run only the candidates whose name holds one of these"
    )
    args = ap.parse_args()
    clips = [(*render(s, 20.0, 0), False) for s in args.seeds]
    clips += [(*render(s, 16.0, 2), True) for s in args.replay_seeds]
    cands = {n: f for n, f in candidates().items() if not args.only or any(o in n for o in args.only)}
    for label, sample_fps in (("5 analysed frames/s", 5.0), ("every frame", None)):
        # name -> [true cuts, found, matched, abs error sum, replay-exit matched, replay exits, cost s, frames]
        tot = {n: [0, 0, 0, 0.0, 0, 0, 0.0, 0] for n in cands}
        real_cuts: dict[str, list[float]] = {}
        for video, truth, has_replays in clips:
            frames, times, fps = decode(video, sample_fps)
            true = list(truth.cuts_s)
            flags = truth.replay_of_shot() if has_replays else [False] * (len(true) + 1)
            exits = [c for i, c in enumerate(true) if flags[i]]  # cut whose previous shot is a replay
            for name, make in cands.items():
                found, cost = run(make, frames, times, fps)
                pairs = match(found, true, args.tolerance)
                row = tot[name]
                row[0] += len(true)
                row[1] += len(found)
                row[2] += len(pairs)
                row[3] += sum(abs(f - c) for c, f in pairs)
                row[4] += sum(c in exits for c, _ in pairs)
                row[5] += len(exits)
                row[6] += cost
                row[7] += len(frames)
        if REAL_CLIP.is_file():
            frames, times, fps = decode(REAL_CLIP, sample_fps)
            for name, make in cands.items():
                real_cuts[name], _ = run(make, frames, times, fps)
        print(f"\n{label}: {len(clips)} rendered clips, match within {args.tolerance:g} s")
        print(
            f"{'detector':22s} {'recall':>7s} {'prec':>6s} {'err s':>6s} {'replay exits':>12s} {'ms/frame':>8s}  real-clip cuts"
        )
        for name, (n, nf, k, err, ek, en, cost, nfr) in tot.items():
            real = real_cuts.get(name)
            print(
                f"{name:22s} {k}/{n:<4d} {k / max(1, nf):6.2f} {err / max(1, k):6.3f} {ek:>5d}/{en:<6d} "
                f"{1000 * cost / max(1, nfr):8.3f}  {'absent' if real is None else [round(x, 2) for x in real]}"
            )


if __name__ == "__main__":
    main()
