"""Hidden logos judged against the sponsor's artwork: the demo clip against its truth, and the real
clip, each analysed with and without the judge, side by side in one run.

Usage::

    .venv/bin/python bench/occlusion.py [--seconds 30] [--seed 7] [--sample-fps 12.5] [--no-real]

* **Demo.** It renders the demo's clip (:func:`vision.training.clip.render_clip`, the same seed and
  length as ``sponsorlens demo``) and analyses it with the shipped demo model checked by the reader
  (the demo catalogue), once without and once with :class:`vision.inference.occlusion.ArtworkOcclusion`.
  It prints both truth comparisons and, for the detections that touch no frame border, matched to a
  true instance (same frame and sponsor, IoU > 0.1): how many of those at least
  ``min_visible`` visible the judge called hidden (below ``min_visible``), how many of those
  below it the judge caught, and how far the qualifying boxes end from the box of the logo's visible
  pixels (:func:`measure.truth.box_end_error`: the judge cuts boxes to the logo in view).
* **Real.** It analyses the real clip in ``../shared/real`` with ``weights/dfl.pt`` alone, with the
  artwork that ``tests/data/real_artwork.json`` crops from the adaptation frames, without and with the
  judge, and prints the median exposure error against the labelled ranges and how many detections
  the judge called hidden.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from clips import CACHE  # noqa: E402


def demo(args: argparse.Namespace) -> None:
    from measure.settings import Config, MeasureSettings
    from measure.truth import box_end_error, comparison_markdown, truth_comparison, visibility_calls
    from vision.inference.analysis import analyse_video_file
    from vision.inference.detector import DEFAULT_WEIGHTS
    from vision.inference.detectors import open_detectors
    from vision.io.artwork import load_logos
    from vision.training.clip import render_clip

    video = CACHE / f"demo_clip_{args.seconds:g}s_seed{args.seed}.mp4"
    video.parent.mkdir(parents=True, exist_ok=True)
    truth = render_clip(
        load_logos(REPO / "weights" / "demo_artwork"), video, seconds=args.seconds, seed=args.seed
    )
    found = open_detectors(
        DEFAULT_WEIGHTS, REPO / "weights" / "demo_catalogue.toml", imgsz=1280, device=args.device
    )
    floor = MeasureSettings().min_visible
    for label, judge in (("without the judge", None), ("with the judge", found.occlusion)):
        cpu0 = time.process_time()
        out = analyse_video_file(
            video, found.detector, Config(), sample_fps=args.sample_fps, reader=found.reader, occlusion=judge
        )
        cpu = time.process_time() - cpu0
        cmp = truth_comparison(out.sponsors, truth.exposure_s, truth.mean_screen_share)
        print(f"\n### demo, {label} ({cpu:.0f} CPU s)\n\n{comparison_markdown(cmp)}")
        calls = visibility_calls(out.detections, truth.frames, truth.width, truth.height, floor)
        ends = box_end_error(out.detections, truth.frames, truth.width, truth.height)
        print(
            f"visible logos called hidden: {calls['visible_called_hidden']} of {calls['visible']}; "
            f"hidden logos caught: {calls['hidden_caught']} of {calls['hidden']}; "
            f"qualifying boxes end {ends:.2f} px from the logo in view (left + right)"
        )


def real(args: argparse.Namespace) -> None:
    from real_eval import DEFAULT_LABELS, DEFAULT_REAL_DIR

    from measure.benchmark.presence import exposure_errors
    from measure.benchmark.real_labels import load_real_labels
    from measure.settings import Config
    from vision.inference.analysis import analyse_video_file
    from vision.inference.detectors import open_detectors
    from vision.inference.occlusion import ArtworkOcclusion
    from vision.training.real_artwork import extract_artwork

    if not DEFAULT_REAL_DIR.is_dir():
        print(f"\n(no real footage at {DEFAULT_REAL_DIR}: real clip skipped)")
        return
    labels = load_real_labels(DEFAULT_LABELS)
    model = open_detectors(REPO / "weights" / "dfl.pt", None, imgsz=1280, device=args.device).detector
    with tempfile.TemporaryDirectory() as tmp:
        files = extract_artwork(DEFAULT_REAL_DIR, REPO / "tests" / "data" / "real_artwork.json", tmp)
        artwork: dict[str, list[Path]] = {}
        for f in files:
            artwork.setdefault(f.parent.name, []).append(f)
        judge = ArtworkOcclusion({s: fs for s, fs in artwork.items() if s in model.names})
        print(f"\n### real clip, weights/dfl.pt alone; artwork for {len(judge.templates)} of its classes")
        for label, occ in (("without the judge", None), ("with the judge", judge)):
            out = analyse_video_file(DEFAULT_REAL_DIR / labels.clip_file, model, Config(), occlusion=occ)
            measured = dict(zip(out.sponsors["sponsor"], out.sponsors["exposure_s"], strict=True))
            err = exposure_errors(labels.clip_ranges, measured, sponsors=list(model.names))
            d = out.detections
            hidden = int((d["visible_fraction"] < Config().measure.min_visible).sum())
            print(
                f"{label}: median exposure error {err['median_rel_error']:.1%}; "
                f"{hidden} of {len(d)} detections below min_visible; "
                f"mean screen share of a detection {d['screen_share'].mean():.4%}"
            )


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sample-fps", type=float, default=12.5)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--no-real", action="store_true")
    ap.add_argument("--no-demo", action="store_true")
    args = ap.parse_args(argv)
    if not args.no_demo:
        demo(args)
    if not args.no_real:
        real(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
