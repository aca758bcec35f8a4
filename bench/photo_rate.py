"""Photos per second of ``sponsorlens photos`` on a large archive of tiny photos, against normal-size
photos and against the same run without the progress bar, side by side in one run.

Usage::

    .venv/bin/python bench/photo_rate.py [--photos 2000] [--normal 200] [--weights weights/demo.pt]

It writes ``--photos`` tiny (32x24) JPEGs and ``--normal`` 1280x960 JPEGs of noise-like content to
a temporary folder and runs ``photos``' code path on them in this process, as the command line does
(:func:`vision.inference.analysis.collect_photos`, then
:func:`vision.inference.analysis.analyse_photo_files` with the model ``open_detectors`` gives and the
tqdm bar the command draws, written to a null stream here). It reports:

* (a) finding and hashing the tiny photos (discovery and byte-identical copies), photos/s;
* (b) analysing the tiny photos with the progress bar, photos/s (the figure of issue 23);
* (c) the first ``--normal`` tiny photos without the bar: what the bar costs;
* (d) the normal-size photos with the bar: a tiny photo costs about as much as a normal one, since
  the detector scales every photo to ``--imgsz`` before it runs.

Model loading is not counted. The ratios (c)/(b) and (d)/(b) are printed at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.throughput import hardware  # noqa: E402
from measure.settings import Config  # noqa: E402
from vision.inference.analysis import analyse_photo_files, collect_photos  # noqa: E402
from vision.inference.detectors import open_detectors  # noqa: E402


def make_photos(folder: Path, n: int, width: int, height: int, seed: int) -> None:
    """Write ``n`` distinct noise-like JPEGs of ``width`` x ``height`` pixels into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        rgb = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        Image.fromarray(rgb).save(folder / f"p{i:05d}.jpg", quality=85)


def rate(files: list[Path], detector: object, bar: bool) -> float:
    """Return photos per second of analysing ``files`` as ``photos`` does, with or without its bar."""
    from tqdm import tqdm

    start = time.perf_counter()
    if bar:
        with (
            open(os.devnull, "w") as null,
            tqdm(total=len(files), desc="photos", unit="photo", file=null, mininterval=0.1) as pbar,
        ):
            analyse_photo_files(files, detector, Config(), batch_size=8, on_photo=pbar.update)
    else:
        analyse_photo_files(files, detector, Config(), batch_size=8)
    return len(files) / (time.perf_counter() - start)


def timed(label: str, fn: Callable[[], float]) -> float:
    """Run ``fn`` (which returns photos/s), print ``label`` and the rate, and return it."""
    value = fn()
    print(f"{label:<55} {value:9.1f} photos/s", flush=True)
    return value


def main() -> None:
    """Parse the options, make the photos, measure and print photos/s and the ratios."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--photos", type=int, default=2000, help="tiny photos in the archive")
    ap.add_argument(
        "--normal", type=int, default=200, help="normal-size photos, and tiny ones without the bar"
    )
    ap.add_argument("--weights", type=Path, default=None, help="default: the shipped demo model")
    ap.add_argument("--imgsz", type=int, default=640)
    args = ap.parse_args()

    found = open_detectors(args.weights, None, imgsz=args.imgsz, device="cpu")
    detector = found.for_stills()
    print(f"machine: {hardware()}; model: {Path(str(detector.weights)).name}, imgsz {args.imgsz}")
    with tempfile.TemporaryDirectory(prefix="sponsorlens-photo-rate-") as tmp:
        tiny_dir, normal_dir = Path(tmp, "tiny"), Path(tmp, "normal")
        make_photos(tiny_dir, args.photos, 32, 24, seed=0)
        make_photos(normal_dir, args.normal, 1280, 960, seed=1)
        start = time.perf_counter()
        tiny, _ = collect_photos([tiny_dir])
        print(f"{'(a) find and hash ' + str(len(tiny)) + ' tiny photos':<55} "
              f"{len(tiny) / (time.perf_counter() - start):9.1f} photos/s")  # fmt: skip
        normal, _ = collect_photos([normal_dir])
        b = timed(
            f"(b) analyse {len(tiny)} tiny 32x24 photos, with the bar", lambda: rate(tiny, detector, True)
        )
        c = timed(
            f"(c) analyse {len(normal)} tiny photos, without the bar",
            lambda: rate(tiny[: len(normal)], detector, False),
        )
        d = timed(
            f"(d) analyse {len(normal)} 1280x960 photos, with the bar", lambda: rate(normal, detector, True)
        )
    print(f"without the bar / with it (c/b): {c / b:.2f}; normal / tiny photos (d/b): {d / b:.2f}")


if __name__ == "__main__":
    main()
