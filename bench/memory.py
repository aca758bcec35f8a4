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

Then, since a real 3-hour run takes hours on a CPU, ``--table-hours 3`` (the default) measures what
the end of such a stream adds, in a fresh process: the detection table of 3 hours at 25 fps with
``--table-per-frame`` detections in every frame (default 10), built through the pipeline's own
accumulator, aggregated and written. The estimated 3-hour peak is the largest measured ``analyze``
peak plus that cost.
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
from typing import TYPE_CHECKING, Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

if TYPE_CHECKING:
    from vision.inference.detections import Detections

from bench.clips import CACHE, broadcast_clip, looped, small_broadcast_clip  # noqa: E402
from bench.throughput import hardware, weights_for  # noqa: E402


def random_detections(rng: Any, frame: int, n: int, fps: float, names: list[str]) -> Detections:
    """Return ``n`` random detections on ``frame`` with their quality columns in ``data``, as the
    pipeline makes them.

    Boxes are 8 to 200 px in a 1700 px square (so most qualify), tracks 1 to 49, any of ``names``;
    ``zone`` gets a new string object per row, as string operations return them.
    """
    import numpy as np

    from vision.inference.detections import Detections

    xy = rng.uniform(0, 1500, (n, 2))
    wh = rng.uniform(8, 200, (n, 2))
    classes = rng.integers(0, len(names), n)
    conf = rng.uniform(0.25, 1, n)
    track_id = rng.integers(1, 50, n)
    quality = {
        "screen_share": rng.uniform(0, 0.05, n),
        "short_side_px": wh.min(1),
        "sharpness": rng.uniform(0, 1, n),
        "contrast": rng.uniform(0, 1, n),
        "size_score": rng.uniform(0, 1, n),
        "visible_fraction": np.ones(n),
        "clarity": rng.uniform(0, 1, n),
        "zone": np.array(["".join(("cen", "ter")) for _ in range(n)], dtype=object),
        "centrality": rng.uniform(0, 1, n),
    }
    sponsors = np.asarray([names[c] for c in classes], dtype=object)
    xyxy = np.hstack([xy, xy + wh])
    return Detections(xyxy, conf, sponsors, track_id=track_id, frame=frame, time=frame / fps, data=quality)


def table_cost(hours: float, per_frame: int, fps: float = 25.0, sponsors: int = 10) -> dict[str, float]:
    """Build the detection table of a ``hours``-long stream in this process and aggregate it.

    Every frame gets ``per_frame`` detections (random boxes of ``sponsors`` sponsors, tracks and
    quality columns) through the pipeline's own accumulator (:class:`vision.inference.pipeline._Columns`); the
    table is then built, aggregated by :func:`measure.exposure.aggregate` and written by
    :func:`measure.folder.write_analysis`, as at the end of ``analyze``. Returns the RSS before (MB),
    the peak RSS (MB, kernel ``ru_maxrss``) and the number of detections.
    """
    import resource

    import numpy as np
    import psutil

    from measure.exposure import aggregate
    from measure.folder import write_analysis
    from measure.records import Timeline
    from measure.settings import Config
    from measure.store import tool_info
    from vision.inference.pipeline import _Columns
    from vision.memory import return_freed_memory_to_os

    return_freed_memory_to_os()  # as the sponsorlens command does

    names = [f"S{i}" for i in range(sponsors)]
    before = psutil.Process().memory_info().rss / 2**20
    rng = np.random.default_rng(0)
    frames = int(hours * 3600 * fps)
    columns, times = _Columns(), np.arange(frames) / fps
    n = per_frame
    for f in range(frames):
        dets = random_detections(rng, f, n, fps, names)
        dets.shot = np.full(n, f // 250, dtype=np.int64)
        columns.add(dets)
    table = columns.frame()
    timeline = Timeline(
        times, np.arange(frames), frames / fps, 1920, 1080, tuple(np.arange(10.0, frames / fps, 10.0))
    )
    cfg = Config()
    exposure = aggregate(table, timeline, cfg.measure, cfg.rate_card, sponsors=names)
    report = {
        "source": {
            "path": "synthetic", "kind": "video", "duration_s": timeline.duration_s, "fps": fps,
            "width": timeline.width, "height": timeline.height, "frames": frames, "analysed_frames": frames,
            "cuts_s": list(timeline.cuts_s),
        },
        "model": {"classes": names},
        "settings": cfg.measure.model_dump(),
        "tool": tool_info(),
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        write_analysis(
            Path(tmp) / "out",
            report,
            exposure.sponsors,
            exposure.detections,
            segments=exposure.segments,
            context=exposure.context,
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rss_before_mb": round(before, 1), "peak_rss_mb": round(peak, 1), "detections": len(table)}


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
    ap.add_argument(
        "--table-hours", type=float, default=3.0,
        help="also build and aggregate the detection table of a stream this long (0: skip)",
    )  # fmt: skip
    ap.add_argument("--table-per-frame", type=int, default=10, help="detections per frame in that table")
    ap.add_argument("--table-child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.table_child:
        print(json.dumps(table_cost(a.table_hours, a.table_per_frame)))
        return {}
    w, h = (int(v) for v in a.size.lower().split("x"))
    from measure.folder import read_report

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
            source = read_report(out).source
            import pandas as pd

            n_det = len(pd.read_parquet(out / "detections.parquet", columns=["frame"]))
            rss = [s[1] for s in r["samples"]]
            # RSS at a quarter and at three quarters of the run: flat memory shows as ~equal values
            q1, q3 = (rss[int(len(rss) * f)] if rss else float("nan") for f in (0.25, 0.75))
            row = {
                "minutes": minutes,
                "frames": source.frames,
                "analysed_frames": source.analysed_frames,
                "detections": n_det,
                "wall_s": round(r["wall_s"], 1),
                "peak_rss_mb": round(r["peak_rss_mb"], 1),
                "rss_at_25%_mb": round(q1, 1),
                "rss_at_75%_mb": round(q3, 1),
            }
            runs.append(row)
            print("  ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    _, slope = linear_fit([r["minutes"] for r in runs], [r["peak_rss_mb"] for r in runs])
    peaks = [r["peak_rss_mb"] for r in runs]
    results["runs"] = runs
    results["growth_mb_per_hour"] = round(slope * 60, 1)
    # a negative slope is noise (the peaks differ by a few percent run to run): never extrapolate
    # below the largest peak measured
    longest = max(r["minutes"] for r in runs)
    results["peak_rss_3h_mb_extrapolated"] = round(max(peaks) + max(slope, 0.0) * (180 - longest), 1)
    if len(runs) >= 2 and runs[-1]["detections"] > runs[0]["detections"]:
        per_det = (runs[-1]["peak_rss_mb"] - runs[0]["peak_rss_mb"]) * 2**20
        results["bytes_per_detection"] = round(per_det / (runs[-1]["detections"] - runs[0]["detections"]), 1)
    growth = (
        f"{results['growth_mb_per_hour']} MB per hour of video"
        if slope > 0
        else f"no growth above run-to-run noise (peaks {min(peaks):.0f}-{max(peaks):.0f} MB)"
    )
    print(
        f"growth: {growth}; peak RSS extrapolated to 3 h: {results['peak_rss_3h_mb_extrapolated']} MB "
        f"({results.get('bytes_per_detection', 'n/a')} bytes per detection)"
    )
    if a.table_hours > 0:
        cmd = [sys.executable, __file__, "--table-child", "--table-hours", str(a.table_hours),
               "--table-per-frame", str(a.table_per_frame)]  # fmt: skip
        child = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=True)
        table = json.loads(child.stdout.strip().splitlines()[-1])
        table["table_and_aggregate_mb"] = round(table["peak_rss_mb"] - table["rss_before_mb"], 1)
        # the stages' steady memory (model, frame queue) plus what the end of a long stream adds
        table["peak_rss_mb_estimated"] = round(max(peaks) + table["table_and_aggregate_mb"], 1)
        results["table"] = {"hours": a.table_hours, "per_frame": a.table_per_frame, **table}
        print(
            f"{a.table_hours:g} h stream with {a.table_per_frame} detections per frame "
            f"({table['detections']:,} detections): the table, aggregation and writing add "
            f"{table['table_and_aggregate_mb']} MB; estimated peak RSS "
            f"{table['peak_rss_mb_estimated']} MB (largest measured run peak + that)"
        )
    if a.json:
        a.json.write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()
