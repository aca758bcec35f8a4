"""The demo sponsors read by name, with no model: exposure and screen share against the clip's truth.

Usage::

    .venv/bin/python bench/demo_reading.py [--seconds 30] [--seed 7] [--sample-fps 1]

It renders the demo's clip (:func:`vision.training.clip.render_clip`, the same seed and length as
``sponsorlens demo``) and analyses it with the text reader alone, as ``analyze --sponsors``
with no weights does, in three configurations side by side in one run:

* ``names, no bridge``: the catalogue as names only, with ``max_gap_s = 0``: no gap is bridged;
* ``names``: names only, default settings: at one read a second, the only gaps bridged are single
  missed reads (:data:`measure.methodology.ONE_FRAME_GAP_S`);
* ``names + artwork``: ``weights/demo_catalogue.toml``, which gives each sponsor's artwork, so a
  read holding the whole text is boxed as the whole logo.

It prints each configuration's truth comparison and the median absolute relative errors of exposure
seconds and mean screen share over the sponsors with at least 2 s of true exposure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from clips import CACHE  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sample-fps", type=float, default=1.0)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args(argv)
    import pandas as pd

    from measure.catalogue import parse_catalogue
    from measure.settings import Config, MeasureSettings
    from measure.truth import JUDGED_MIN_S, truth_comparison
    from vision.inference.analysis import analyse_video_file
    from vision.inference.detectors import open_detectors
    from vision.io.artwork import load_logos
    from vision.training.clip import render_clip

    catalogue = REPO / "weights" / "demo_catalogue.toml"
    names = ",".join(parse_catalogue(catalogue).names)
    video = CACHE / f"demo_clip_{args.seconds:g}s_seed{args.seed}.mp4"
    video.parent.mkdir(parents=True, exist_ok=True)
    truth = render_clip(
        load_logos(REPO / "weights" / "demo_artwork"), video, seconds=args.seconds, seed=args.seed
    )
    configs = {
        "names, no bridge": (names, Config(measure=MeasureSettings(max_gap_s=0.0))),
        "names": (names, Config()),
        "names + artwork": (str(catalogue), Config()),
    }
    summary = []
    for label, (sponsors, config) in configs.items():
        found = open_detectors(None, sponsors, device=args.device)
        result = analyse_video_file(video, found.detector, config, sample_fps=args.sample_fps)
        cmp = truth_comparison(result.sponsors, truth.exposure_s, truth.mean_screen_share)
        print(f"\n{label}\n{cmp.round(3).to_string(index=False)}")
        judged = cmp[cmp["true_exposure_s"] >= JUDGED_MIN_S]
        summary.append(
            {
                "configuration": label,
                "median |exposure error|": judged["exposure_err"].abs().median(),
                "median |share error|": judged["share_err"].abs().median(),
                "sponsors read": int((judged["exposure_s"] > 0).sum()),
            }
        )
    print("\n" + pd.DataFrame(summary).round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
