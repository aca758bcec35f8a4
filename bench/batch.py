"""Benchmark ``sponsorlens batch`` on photos: local process pool, and Ray with 1 vs 2 workers.

Usage::

    .venv/bin/python bench/batch.py [--photos 64] [--size 640x480] [--weights weights/demo.pt]

It writes ``--photos`` synthetic event photos (demo sponsor logos pasted on textured backgrounds)
to a temporary folder and runs the same batch with each engine into a fresh DuckDB file:

* local engine, 1 worker process and 2 worker processes (torch threads split between them), and
  1 worker on ultralytics' own CPU thread count (``cpu_count - 1``), as before SponsorLens set it;
* Ray (a local instance started here with ``num_cpus=2``), 1 actor and 2 actors.

For each it reports the wall time of the whole command (start-up and model loading included) and
the steady-state throughput: photos finished per second over the middle half of the finished
photos (every worker started, none idle at the end), which is what a long batch converges to. The
ratios (2 workers / 1 worker; every core / ultralytics' threads) are printed at the end. Without
``--weights`` and without ``weights/demo.pt`` an untrained yolo11n of the same architecture is used
(same inference cost; it finds no logos, so the measuring step is lighter).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from measure.settings import Config  # noqa: E402
from vision.batch.jobs import WorkerSpec  # noqa: E402
from vision.batch.run import run_batch  # noqa: E402

ARTWORK = REPO / "weights" / "demo_artwork"


def make_photos(folder: Path, n: int, width: int, height: int, seed: int = 0) -> list[Path]:
    """Write ``n`` JPEG photos with 0-3 demo logos each; return their paths."""
    rng = np.random.default_rng(seed)
    logos = []
    for f in sorted(ARTWORK.glob("*.png")):
        rgba = cv2.imread(str(f), cv2.IMREAD_UNCHANGED)
        alpha = rgba[..., 3:4].astype(np.float32) / 255.0
        logos.append((rgba[..., :3] * alpha + 255 * (1 - alpha)).astype(np.uint8))
    paths = []
    for i in range(n):
        img = cv2.GaussianBlur(rng.integers(30, 220, (height, width, 3), dtype=np.uint8), (0, 0), 2.5)
        for _ in range(int(rng.integers(0, 4))):
            art = logos[int(rng.integers(len(logos)))]
            w = int(rng.integers(width // 8, width // 3))
            h = max(1, round(art.shape[0] * w / art.shape[1]))
            x, y = int(rng.integers(0, width - w)), int(rng.integers(0, height - h))
            img[y : y + h, x : x + w] = cv2.resize(art, (w, h), interpolation=cv2.INTER_AREA)
        path = folder / f"photo_{i:04d}.jpg"
        cv2.imwrite(str(path), img, [cv2.IMWRITE_JPEG_QUALITY, 92])
        paths.append(path)
    return paths


def weights_for(arg: str | None, tmp: Path) -> tuple[str, str]:
    """Return (weights path, description)."""
    if arg:
        return arg, arg
    demo = REPO / "weights" / "demo.pt"
    if demo.is_file():
        return str(demo), "weights/demo.pt"
    from vision.inference.modelcard import write_card
    from vision.training.train import init_model

    names = sorted(p.stem for p in ARTWORK.glob("*.png"))
    path = init_model(names, tmp / "untrained.pt")
    write_card(path, {"name": "untrained", "task": "detect", "classes": names})
    return str(path), "untrained yolo11n (weights/demo.pt not trained yet)"


def one_run(
    folder: Path, db: Path, spec: WorkerSpec, engine: str, workers: int, label: str | None = None
) -> dict[str, Any]:
    """Run one batch; return wall seconds, steady-state photos/s and counts."""
    stamps: list[float] = []

    def log(line: str) -> None:
        if line.startswith("done "):
            stamps.append(time.perf_counter())

    start = time.perf_counter()
    summary = run_batch([folder], db, spec, engine=engine, workers=workers, log=log)
    wall = time.perf_counter() - start
    # steady state: the middle half of the completions (every worker loaded, none idle at the end)
    lo, hi = len(stamps) // 4, (3 * len(stamps)) // 4
    steady = (hi - lo) / (stamps[hi] - stamps[lo]) if hi > lo and stamps[hi] > stamps[lo] else float("nan")
    return {
        "engine": label or engine,
        "workers": workers,
        "photos": summary.analysed,
        "failed": summary.failed,
        "wall_s": round(wall, 2),
        "end_to_end_photos_per_s": round(summary.analysed / wall, 3),
        "steady_photos_per_s": round(steady, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=64)
    ap.add_argument("--size", default="640x480", help="photo size WxH, pixels")
    ap.add_argument("--weights", default=None)
    ap.add_argument("--imgsz", type=int, default=640)
    ap.add_argument("--no-ray", action="store_true", help="skip the Ray runs")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    a = ap.parse_args()
    width, height = (int(v) for v in a.size.lower().split("x"))

    with tempfile.TemporaryDirectory(prefix="sponsorlens-bench-batch-") as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "photos"
        folder.mkdir()
        make_photos(folder, a.photos, width, height)
        weights, described = weights_for(a.weights, tmp)
        spec = WorkerSpec(
            weights,
            conf=0.25,
            imgsz=a.imgsz,
            device="cpu",
            trust_weights=False,
            config=Config().model_dump(mode="json"),
        )
        runs = []
        for workers in (1, 2):
            runs.append(one_run(folder, tmp / f"local{workers}.duckdb", spec, "local", workers))
            print(json.dumps(runs[-1]), flush=True)
        from ultralytics.utils import NUM_THREADS

        few = spec.replace(threads=NUM_THREADS)
        runs.append(one_run(folder, tmp / "local1u.duckdb", few, "local", 1, "local*"))
        print(json.dumps(runs[-1]), flush=True)
        if not a.no_ray:
            import ray

            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
            try:
                for workers in (1, 2):
                    runs.append(one_run(folder, tmp / f"ray{workers}.duckdb", spec, "ray", workers))
                    print(json.dumps(runs[-1]), flush=True)
            finally:
                ray.shutdown()

    by = {(r["engine"], r["workers"]): r for r in runs}
    pairs = {
        "local: 2 workers / 1 worker": (("local", 2), ("local", 1)),
        "ray: 2 workers / 1 worker": (("ray", 2), ("ray", 1)),
        "local, 1 worker: every core / ultralytics' threads": (("local", 1), ("local*", 1)),
    }
    ratios = {
        label: {
            k: round(by[a][f"{k}_photos_per_s"] / by[b][f"{k}_photos_per_s"], 2)
            for k in ("steady", "end_to_end")
        }
        for label, (a, b) in pairs.items()
        if a in by and b in by
    }
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "load_average_1m": round(os.getloadavg()[0], 2),
        "photos": a.photos,
        "photo_size": f"{width}x{height}",
        "imgsz": a.imgsz,
        "model": described,
        "runs": runs,
        "ratios": ratios,
    }
    print()
    print(f"{'engine':<8}{'workers':>8}{'wall s':>9}{'photos/s (end to end)':>24}{'photos/s (steady)':>20}")
    for r in runs:
        print(
            f"{r['engine']:<8}{r['workers']:>8}{r['wall_s']:>9.1f}{r['end_to_end_photos_per_s']:>24.2f}"
            f"{r['steady_photos_per_s']:>20.2f}"
        )
    for label, rr in ratios.items():
        print(f"{label} = {rr['steady']:.2f}x steady, {rr['end_to_end']:.2f}x end to end")
    print(f"local*: 1 worker on ultralytics' {NUM_THREADS} torch thread(s) instead of {os.cpu_count()}")
    print(f"model: {described}; load average {result['load_average_1m']} on {result['machine']}")
    if a.json:
        a.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
