"""Photos per second of ``sponsorlens photos`` on a large archive of tiny photos, with and without the
progress bar, and against normal-size photos, side by side in one run.

Usage::

    .venv/bin/python bench/photo_rate.py [--photos 2000] [--normal 100] [--chunk 50] [--weights W]

It writes ``--photos`` tiny (32x24) JPEGs and ``--normal`` 1280x960 JPEGs of noise-like content to
a temporary folder and runs ``photos``' code path on them in this process, as the command line does
(:func:`vision.inference.analysis.collect_photos`, then
:func:`vision.inference.analysis.analyse_photo_files` with the model ``open_detectors`` gives and the
tqdm bar the command draws, written to a null stream here). It reports:

* (a) finding and hashing the tiny photos (discovery and byte-identical copies), photos/s;
* (b) analysing all the tiny photos, photos/s (the figure of issue 23), split into
  (b1) the chunks analysed with the progress bar and (b2) those without it;
* (c) the normal-size photos, against (c0) as many tiny photos analysed between them.

On a shared machine the speed drifts with the other processes' load, so the compared runs are
interleaved chunk by chunk (``--chunk`` photos each, alternately with and without the bar, or
normal and tiny) and each rate is the sum of its chunks. Model loading is not counted. The ratios
(b1/b2 and c/c0) are printed at the end.
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


def seconds(files: list[Path], detector: object, bar: bool) -> float:
    """Return the seconds analysing ``files`` takes as ``photos`` does, with or without its bar."""
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
    return time.perf_counter() - start


def interleaved(
    first: list[Path], second: list[Path], chunk: int, run: Callable[[list[Path], bool], float]
) -> tuple[float, float]:
    """Return the photos/s of ``first`` and of ``second``, analysed alternately ``chunk`` photos at a
    time by ``run(files, is_first)`` (which returns seconds), so a drifting load hits both alike."""
    spent = [0.0, 0.0]
    for start in range(0, max(len(first), len(second)), chunk):
        for k, files in enumerate((first, second)):
            part = files[start : start + chunk]
            if part:
                spent[k] += run(part, k == 0)
    return len(first) / spent[0], len(second) / spent[1]


def show(label: str, value: float) -> None:
    """Print ``label`` and a rate in photos/s."""
    print(f"{label:<62} {value:9.1f} photos/s", flush=True)


def main() -> None:
    """Parse the options, make the photos, measure and print photos/s and the ratios."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--photos", type=int, default=2000, help="tiny photos in the archive")
    ap.add_argument("--normal", type=int, default=100, help="normal-size (1280x960) photos")
    ap.add_argument("--chunk", type=int, default=50, help="photos per interleaved chunk")
    ap.add_argument("--weights", type=Path, default=None, help="default: the shipped demo model")
    ap.add_argument("--imgsz", type=int, default=640)
    args = ap.parse_args()

    detector = open_detectors(args.weights, None, imgsz=args.imgsz, device="cpu").for_stills()
    print(f"machine: {hardware()}; model: {Path(str(detector.weights)).name}, imgsz {args.imgsz}")
    with tempfile.TemporaryDirectory(prefix="sponsorlens-photo-rate-") as tmp:
        tiny_dir, normal_dir = Path(tmp, "tiny"), Path(tmp, "normal")
        make_photos(tiny_dir, args.photos, 32, 24, seed=0)
        make_photos(normal_dir, args.normal, 1280, 960, seed=1)
        start = time.perf_counter()
        tiny, _ = collect_photos([tiny_dir])
        show(f"(a) find and hash {len(tiny)} tiny photos", len(tiny) / (time.perf_counter() - start))
        normal, _ = collect_photos([normal_dir])
        seconds(tiny[:8], detector, True)  # warm-up: the first inference sets up the model
        with_bar, without = tiny[0::2], tiny[1::2]
        start = time.perf_counter()
        b1, b2 = interleaved(with_bar, without, args.chunk // 2, lambda f, bar: seconds(f, detector, bar))
        show(f"(b) analyse {len(tiny)} tiny 32x24 photos", len(tiny) / (time.perf_counter() - start))
        show(f"  (b1) the {len(with_bar)} of them analysed with the progress bar", b1)
        show(f"  (b2) the {len(without)} of them analysed without it", b2)
        c, c0 = interleaved(
            normal, tiny[: len(normal)], args.chunk // 2, lambda f, _: seconds(f, detector, True)
        )
        show(f"(c) analyse {len(normal)} 1280x960 photos", c)
        show(f"  (c0) {len(normal)} tiny photos, interleaved with them", c0)
    print(f"with the bar / without (b1/b2): {b1 / b2:.2f}; normal / tiny photos (c/c0): {c / c0:.2f}")


if __name__ == "__main__":
    main()
