"""Peak memory of ``sponsorlens analyze`` against the length of the video, extrapolated to 3 hours.

Usage::

    .venv/bin/python bench/memory.py [--minutes 1 2 4] [--size 640x360] [--sample-fps F] [--imgsz 320]

The stream is the demo sponsors' broadcast clip (:func:`bench.clips.small_broadcast_clip`, 20 s at
``--size``, 25 fps) repeated without re-encoding to each length, so every minute has the same logos,
cuts and detections. Each length runs in a fresh ``sponsorlens analyze`` process (the real CLI:
decoding thread, batched detection, tracking, quality, exposure, report and evidence writing);
its peak resident memory comes from the kernel (``wait4``'s ``ru_maxrss``), and ``psutil`` samples
its RSS twice a second to show whether memory climbs during the run. A least-squares line through
peak RSS against minutes gives the growth per hour and the peak extrapolated to a 3-hour stream.

Without ``--weights`` it uses weights/demo.pt; ``--untrained`` (or no demo.pt) uses an untrained
yolo11n at ``--conf 0.001``, which returns dozens of boxes a frame: a worst case for the growth of
the detection table (a broadcast shows a handful of logos at a time).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.clips import CACHE, broadcast_clip, looped, small_broadcast_clip  # noqa: E402
from bench.throughput import hardware, weights_for  # noqa: E402


def run_analyze(video: Path, out: Path, args: list[str]) -> dict[str, Any]:
    """Run ``sponsorlens analyze`` in a child process; return its wall seconds, peak RSS (MB) and
    RSS samples (seconds since start, MB)."""
    import psutil

    cmd = [sys.executable, "-m", "cli.main", "analyze", str(video), "--out", str(out), *args]
    log = out.with_name(out.name + ".stderr")
    start = time.perf_counter()
    with open(log, "wb") as err:  # a file, not a pipe: the progress bar must never block the child
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=err)
    samples: list[tuple[float, float]] = []
    done = threading.Event()

    def sample() -> None:
        p = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                samples.append((round(time.perf_counter() - start, 1), p.memory_info().rss / 2**20))
            except psutil.Error:
                return
            done.wait(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = log.read_text(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"analyze failed ({proc.returncode}): {stderr.strip().splitlines()[-1:]}")
    return {"wall_s": wall, "peak_rss_mb": usage.ru_maxrss / 1024, "samples": samples}


def linear_fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Return (intercept, slope) of the least-squares line through the points."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    return my - slope * mx, slope


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, nargs="+", default=[1.0, 2.0, 4.0])
    ap.add_argument("--size", default="640x360", help="frame size WxH, pixels")
    ap.add_argument("--weights", default=None)
    ap.add_argument(
        "--untrained", action="store_true",
        help="use an untrained yolo11n at --conf 0.001: dozens of boxes a frame, a worst case for the table",
    )  # fmt: skip
    ap.add_argument("--trust-weights", action="store_true")
    ap.add_argument("--imgsz", type=int, default=320)
    ap.add_argument("--conf", type=float, default=None, help="default 0.25 (0.001 for the untrained model)")
    ap.add_argument("--sample-fps", type=float, default=None, help="default: every frame")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args(argv)
    w, h = (int(v) for v in a.size.lower().split("x"))

    results: dict[str, Any] = {
        "hardware": hardware(),
        "size": a.size,
        "imgsz": a.imgsz,
        "sample_fps": a.sample_fps,
    }
    with tempfile.TemporaryDirectory(prefix="sponsorlens-bench-mem-") as tmp_name:
        tmp = Path(tmp_name)
        weights = weights_for(a.weights, tmp, untrained=a.untrained)
        conf = a.conf if a.conf is not None else (0.001 if weights.name == "untrained.pt" else 0.25)
        results.update(weights=str(weights), conf=conf)
        base = broadcast_clip() if (w, h) == (1920, 1080) else small_broadcast_clip(size=(w, h))
        args = ["--weights", str(weights), "--imgsz", str(a.imgsz), "--conf", str(conf), "--device", a.device]
        if a.sample_fps:
            args += ["--sample-fps", str(a.sample_fps)]
        if a.trust_weights:
            args.append("--trust-weights")
        runs = []
        for minutes in a.minutes:
            video = looped(base, CACHE / f"{base.stem}_loop{minutes:g}min.mp4", minutes * 60)
            out = tmp / f"out_{minutes:g}"
            r = run_analyze(video, out, args)
            report = json.loads((out / "report.json").read_text())
            import pandas as pd

            n_det = len(pd.read_parquet(out / "detections.parquet", columns=["frame"]))
            rss = [s[1] for s in r["samples"]]
            # RSS at a quarter and at three quarters of the run: flat memory shows as ~equal values
            q1, q3 = (rss[int(len(rss) * f)] if rss else float("nan") for f in (0.25, 0.75))
            row = {
                "minutes": minutes,
                "frames": report["source"]["frames"],
                "analysed_frames": report["source"]["analysed_frames"],
                "detections": n_det,
                "wall_s": round(r["wall_s"], 1),
                "peak_rss_mb": round(r["peak_rss_mb"], 1),
                "rss_at_25%_mb": round(q1, 1),
                "rss_at_75%_mb": round(q3, 1),
            }
            runs.append(row)
            print("  ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    intercept, slope = linear_fit([r["minutes"] for r in runs], [r["peak_rss_mb"] for r in runs])
    results["runs"] = runs
    results["growth_mb_per_hour"] = round(slope * 60, 1)
    results["peak_rss_3h_mb_extrapolated"] = round(intercept + slope * 180, 1)
    if len(runs) >= 2 and runs[-1]["detections"] > runs[0]["detections"]:
        per_det = (
            (runs[-1]["peak_rss_mb"] - runs[0]["peak_rss_mb"])
            * 2**20
            / (runs[-1]["detections"] - runs[0]["detections"])
        )
        results["bytes_per_detection"] = round(per_det, 1)
    print(
        f"growth: {results['growth_mb_per_hour']} MB per hour of video; "
        f"peak RSS extrapolated to 3 h: {results['peak_rss_3h_mb_extrapolated']} MB "
        f"({results.get('bytes_per_detection', 'n/a')} bytes per detection)"
    )
    if a.json:
        a.json.write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()
