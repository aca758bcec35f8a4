"""What the text reader costs, side by side in one run on the same clip.

Usage::

    .venv/bin/python bench/reading_speed.py [CLIP] [--weights W] [--sponsors CATALOGUE] [--seconds 20]
        [--sample-fps 5] [--imgsz 640] [--repeats 2]

Without CLIP it uses the demo sponsors' broadcast-like 720p25 clip (:func:`bench.clips.broadcast_clip`,
cached), the shipped demo model and the demo catalogue. In one process it times
:func:`vision.inference.analysis.analyse_video_file` (what ``sponsorlens analyze`` runs):

* ``model``: ``--sample-fps`` with the model alone;
* ``checked``: the same with the reader checking every track (``--sponsors``, the default ``--check``);
* ``checked+read 1/s``: the same plus a whole-frame read every second (``--read-fps 1``);
* ``reader``: the reader alone at its default rate (1 frame a second), against real time.

Runs alternate (model, checked, ... , model, checked, ...) ``--repeats`` times and the fastest of
each is kept, so a busy machine slows every path alike. It prints wall seconds, the multiple of real
time, and each path's time as a ratio of the model alone.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from clips import broadcast_clip  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("clip", nargs="?", type=Path)
    ap.add_argument("--weights", type=Path, default=REPO / "weights" / "demo.pt")
    ap.add_argument("--sponsors", default=str(REPO / "weights" / "demo_catalogue.toml"))
    ap.add_argument("--seconds", type=float, default=20.0, help="length of the generated clip")
    ap.add_argument("--sample-fps", type=float, default=5.0)
    ap.add_argument("--imgsz", type=int, default=640)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args(argv)
    from measure.settings import Config
    from vision.inference.analysis import analyse_video_file
    from vision.inference.detectors import READ_ONLY_FPS, open_detectors

    clip = args.clip or broadcast_clip(args.seconds, size=(1280, 720), bitrate=4_000_000)
    both = open_detectors(args.weights, args.sponsors, imgsz=args.imgsz, device=args.device)
    alone = open_detectors(None, args.sponsors, device=args.device)
    paths = {
        "model": (both.detector, {"sample_fps": args.sample_fps}),
        "checked": (both.detector, {"sample_fps": args.sample_fps, "reader": both.reader}),
        "checked+read 1/s": (
            both.detector,
            {"sample_fps": args.sample_fps, "reader": both.reader, "read_fps": 1.0},
        ),
        "reader": (alone.detector, {"sample_fps": READ_ONLY_FPS}),
    }
    best: dict[str, float] = {}
    duration = 0.0
    rejected: dict[str, int] = {}
    for _ in range(args.repeats):
        for name, (detector, kwargs) in paths.items():
            start = time.perf_counter()
            out = analyse_video_file(clip, detector, Config(), **kwargs)
            seconds = time.perf_counter() - start
            best[name] = min(best.get(name, float("inf")), seconds)
            duration = out.report["source"]["duration_s"]
            checking = (out.report.get("reading") or {}).get("checking") or {}
            rejected[name] = int(checking.get("rejected", 0))
    print(f"clip {clip.name}: {duration:.1f} s; model {args.weights.name} at {args.imgsz} px, CPU")
    print(f"{'path':<18} {'wall s':>7} {'x real time':>11} {'/ model':>8} {'rejected tracks':>16}")
    for name, seconds in best.items():
        print(
            f"{name:<18} {seconds:7.1f} {duration / seconds:11.2f} {seconds / best['model']:8.2f} "
            f"{rejected[name]:16d}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
