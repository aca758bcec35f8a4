"""Throughput of ``sponsorlens analyze`` against the decoder's ceiling and the naive tracking loop.

Usage::

    .venv/bin/python bench/throughput.py [CLIP] [--weights W] [--imgsz 640] [--seconds 20]

Without CLIP it renders its own broadcast-like 1080p25 H.264 clip at 8 Mbit/s (the demo sponsors'
football scene, :func:`bench.clips.broadcast_clip`; cached in the temp folder). In one process, on
the same clip, it measures:

* (a) OpenCV decode alone (``cv2.VideoCapture.read`` of every frame): the ceiling of any
  OpenCV-based pipeline;
* (b) the loop most public projects use, ``model.track(frame, persist=True)`` frame by frame;
* (c) ``sponsorlens analyze``'s code path (:func:`vision.inference.analysis.analyse_video_file`: threaded
  decode, batched detection, cut detection, tracking, quality, exposure) on every frame;
* (d) the same with ``--sample-fps 5``, as a multiple of real time;
* (e) (d) with each exported model given by ``--export`` (ONNX, OpenVINO), exported here.

On CPU, (b) and (c) run on the first ``--frames`` frames only (a copy of the clip's head), since
they run at a few frames per second. Every figure is frames per second of the source video
(decoded frames, analysed or skipped), so the ratios compare like with like. The exposure seconds of
the paths are compared per sponsor (batch 1 against ``--batch``, and .pt against each export).
``--profile`` also prints where the time of (d) goes, stage by stage.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import cv2  # noqa: E402

from bench.clips import ARTWORK, broadcast_clip, head_clip  # noqa: E402


def cpu_name() -> str:
    """Return the CPU model from /proc/cpuinfo (or the platform's processor string)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def hardware() -> str:
    """Return a one-line description of the machine: GPU when CUDA is present, else CPU and cores."""
    import torch

    cpu = f"{cpu_name()}, {len(os.sched_getaffinity(0))} cores"
    if torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)} + {cpu}"
    return cpu


def weights_for(arg: str | None, tmp: Path, untrained: bool = False) -> Path:
    """Return the weights to use: ``arg``, else weights/demo.pt, else (or with ``untrained``) an
    untrained yolo11n with the demo sponsors as classes, written to ``tmp`` (same inference cost)."""
    if arg:
        return Path(arg)
    demo = REPO / "weights" / "demo.pt"
    if demo.is_file() and not untrained:
        return demo
    from vision.inference.modelcard import write_card
    from vision.training.train import init_model

    names = sorted(p.stem for p in ARTWORK.glob("*.png"))
    path = init_model(names, tmp / "untrained.pt")
    write_card(path, {"name": "untrained", "task": "detect", "classes": names, "imgsz": 640})
    return path


def read_frames(clip: Path) -> Iterator[Any]:
    """Yield every frame of ``clip`` as OpenCV's ``VideoCapture.read`` returns it (BGR arrays)."""
    cap = cv2.VideoCapture(str(clip), cv2.CAP_FFMPEG)
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                return
            yield frame
    finally:
        cap.release()


def decode_alone(clip: Path) -> tuple[int, None]:
    """(a): read every frame with OpenCV; return (frames, None)."""
    return sum(1 for _ in read_frames(clip)), None


def naive_model(weights: Path, clip: Path, imgsz: int, conf: float, device: str) -> Any:
    """Load ``weights`` as a plain ultralytics ``YOLO`` and warm it up on the first frame of ``clip``."""
    from ultralytics import YOLO

    from vision.inference.modelcard import verify_weights

    _, card = verify_weights(weights)
    task = (card or {}).get("task")
    model = YOLO(str(weights), task=task) if task else YOLO(str(weights))
    frame = next(read_frames(clip))
    model.predict(frame, imgsz=imgsz, conf=conf, device=device, verbose=False)
    return model


def naive_track(model: Any, clip: Path, imgsz: int, conf: float, device: str) -> tuple[int, None]:
    """(b): ``model.track(frame, persist=True)`` on every frame of ``clip`` (ultralytics' default
    tracker, BoT-SORT); return (frames, None)."""
    n = 0
    for frame in read_frames(clip):
        model.track(frame, persist=True, imgsz=imgsz, conf=conf, device=device, verbose=False)
        n += 1
    return n, None


def analyse(clip: Path, detector: Any, sample_fps: float | None, batch: int) -> tuple[int, Any]:
    """(c)/(d): the analyze code path; return (decoded frames, AnalysisOutput)."""
    from measure.settings import Config
    from vision.inference.analysis import analyse_video_file

    result = analyse_video_file(clip, detector, Config(), sample_fps=sample_fps, batch_size=batch)
    return int(result.analysis.info.frames), result


def exposures(result: Any) -> dict[str, float]:
    """Return {sponsor: exposure seconds} of an analysis."""
    return {str(r.sponsor): float(r.exposure_s) for r in result.sponsors.itertuples()}


def exposure_diff(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    """Compare two {sponsor: seconds} maps: the largest per-sponsor difference (seconds, and as a
    fraction of that sponsor's seconds in ``b``, over sponsors with at least 1 s) and the
    difference of the totals as a fraction of ``b``'s total."""
    names = set(a) | set(b)
    diffs = {s: abs(a.get(s, 0.0) - b.get(s, 0.0)) for s in names}
    rel = [diffs[s] / b[s] for s in names if b.get(s, 0.0) >= 1.0]
    total_b = sum(b.values())
    return {
        "max_abs_s": round(max(diffs.values(), default=0.0), 4),
        "max_rel": round(max(rel, default=0.0), 5),
        "total_rel": round(abs(sum(a.values()) - total_b) / total_b, 5) if total_b > 0 else 0.0,
        "total_s": round(total_b, 3),
    }


@contextmanager
def stage_timer() -> Iterator[dict[str, float]]:
    """Time the stages of :func:`vision.inference.pipeline.analyse_video` (seconds, summed) while active.

    ``wait_frames`` is the time the pipeline waited for the decoding thread; ``predict_*`` split
    detection into ultralytics' pre-processing, forward pass and post-processing (NMS) plus our
    conversion to arrays; the rest are cut detection, tracking and quality scoring.
    """
    import vision.inference.pipeline as pipeline
    from vision.inference.detector import LogoDetector
    from vision.inference.shots import CutDetector
    from vision.inference.tracker import SponsorTracker
    from vision.io.sources import VideoSource

    t: dict[str, float] = dict.fromkeys(
        [
            "wait_frames",
            "predict_pre",
            "predict_infer",
            "predict_post",
            "predict_other",
            "cuts",
            "tracking",
            "quality",
        ],
        0.0,
    )
    saved: list[tuple[Any, str, Any]] = []

    def timed(owner: Any, name: str, key: str) -> None:
        fn = getattr(owner, name)
        saved.append((owner, name, fn))

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            s = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                t[key] += time.perf_counter() - s

        setattr(owner, name, wrapper)

    batches = VideoSource.batches

    def timed_batches(self: VideoSource, n: int) -> Iterator[Any]:
        it = batches(self, n)
        while True:
            s = time.perf_counter()
            try:
                b = next(it)
            except StopIteration:
                return
            finally:
                t["wait_frames"] += time.perf_counter() - s
            yield b

    predict = LogoDetector.predict

    def timed_predict(self: LogoDetector, images: Any, frames: Any, times: Any) -> Any:
        s = time.perf_counter()
        out = predict(self, images, frames, times)
        total = time.perf_counter() - s
        speed = getattr(self.model.predictor, "speed", None)  # ms per image of this run (ultralytics)
        if speed:
            pre, infer, post = (
                speed[k] * len(images) / 1e3 for k in ("preprocess", "inference", "postprocess")
            )
            t["predict_pre"] += pre
            t["predict_infer"] += infer
            t["predict_post"] += post
            t["predict_other"] += max(total - pre - infer - post, 0.0)
        else:
            t["predict_other"] += total
        return out

    saved.append((VideoSource, "batches", batches))
    VideoSource.batches = timed_batches  # type: ignore[method-assign]
    saved.append((LogoDetector, "predict", predict))
    LogoDetector.predict = timed_predict  # type: ignore[method-assign]
    timed(CutDetector, "update", "cuts")
    timed(SponsorTracker, "update", "tracking")
    timed(pipeline, "frame_quality", "quality")
    try:
        yield t
    finally:
        for owner, name, fn in reversed(saved):
            setattr(owner, name, fn)


def untuned(detector: Any) -> Any:
    """Return ``detector`` running torch on ultralytics' CPU thread count, ``cpu_count - 1`` (set on
    every call, since it is global to the process), in place of the detector's own ``threads``."""
    import torch
    from ultralytics.utils import NUM_THREADS

    callbacks = detector.model.callbacks["on_predict_start"]
    if detector._set_threads in callbacks:
        callbacks[callbacks.index(detector._set_threads)] = lambda _: torch.set_num_threads(NUM_THREADS)
    return detector


@contextmanager
def unoptimised() -> Iterator[None]:
    """Run the pipeline as before its CPU optimisation: the cut detector's frame shrunk by one
    ``INTER_AREA`` resize (the caller also uses batch 1 and an :func:`untuned` detector)."""
    import vision.inference.shots as shots

    fast = shots.downscale

    def one_step(image: Any, width: int = shots.DETECT_WIDTH) -> Any:
        h, w = image.shape[:2]
        if w <= width:
            return image
        return cv2.resize(image, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)

    shots.downscale = one_step
    try:
        yield
    finally:
        shots.downscale = fast


def _cpu_snapshot() -> tuple[float, float, float]:
    """Return (wall clock, CPU seconds all processes spent busy, CPU seconds this process spent)."""
    busy = float("nan")
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        busy = (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        pass
    t = os.times()
    return time.perf_counter(), busy, t.user + t.system + t.children_user + t.children_system


def others_share(start: tuple[float, float, float], end: tuple[float, float, float]) -> float:
    """Return the fraction of the machine's CPU time other processes used between two snapshots
    (0 on an otherwise idle machine; NaN where /proc/stat is missing)."""
    wall = end[0] - start[0]
    cores = len(os.sched_getaffinity(0))
    others = (end[1] - start[1]) - (end[2] - start[2])
    return max(others, 0.0) / (wall * cores) if wall > 0 else float("nan")


def wait_idle(max_wait_s: float, busy_below: float = 0.1, window_s: float = 3.0) -> float:
    """Wait (up to ``max_wait_s``) until other processes use under ``busy_below`` of the CPU over
    ``window_s`` seconds; return the share they used in the last window."""
    deadline = time.perf_counter() + max_wait_s
    while True:
        a = _cpu_snapshot()
        time.sleep(window_s)
        share = others_share(a, _cpu_snapshot())
        if not share >= busy_below or time.perf_counter() >= deadline:
            return share


def _fmt_row(
    label: str, frames: int, wall: float, duration: float | None = None, others: float | None = None
) -> dict[str, Any]:
    fps = frames / wall if wall > 0 else float("nan")
    row = {"path": label, "frames": frames, "seconds": round(wall, 3), "fps": round(fps, 2)}
    if duration:
        row["x_real_time"] = round(duration / wall, 2)
    if others is not None:
        row["others_cpu"] = f"{others:.0%}"  # CPU other processes took meanwhile: should be ~0%
    return row


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clip", nargs="?", type=Path, default=None, help="video to use (default: render one)")
    ap.add_argument("--weights", default=None, help="default weights/demo.pt, else an untrained yolo11n")
    ap.add_argument("--trust-weights", action="store_true")
    ap.add_argument("--imgsz", type=int, default=640)
    ap.add_argument("--seconds", type=float, default=20.0, help="length of the rendered clip")
    ap.add_argument("--conf", type=float, default=0.25)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--sample-fps", type=float, default=5.0)
    ap.add_argument(
        "--frames", type=int, default=None, help="frames for (b) and (c) (default: all on GPU, 75 on CPU)"
    )
    ap.add_argument(
        "--export", action="append", default=None, choices=["onnx", "openvino", "engine", "none"],
        help="also run (d) with this export (repeatable; default onnx and openvino on CPU)",
    )  # fmt: skip
    ap.add_argument("--profile", action="store_true", help="print where the time of (d) goes")
    ap.add_argument(
        "--wait-idle", type=float, default=0.0, metavar="S",
        help="before each measurement wait up to S seconds for other processes to leave the CPU idle",
    )  # fmt: skip
    ap.add_argument("--repeat", type=int, default=1, help="run each measurement N times; report the fastest")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    a = ap.parse_args(argv)

    from vision.inference.detector import LogoDetector, select_device

    device = select_device(a.device)
    on_gpu = device.startswith("cuda")
    exports = [e for e in a.export if e != "none"] if a.export else ([] if on_gpu else ["onnx", "openvino"])
    clip = a.clip or broadcast_clip(a.seconds)
    frames_limit = a.frames if a.frames is not None else (None if on_gpu else 75)
    short = head_clip(clip, frames_limit) if frames_limit else clip
    results: dict[str, Any] = {"hardware": hardware(), "device": device, "clip": str(clip), "imgsz": a.imgsz}
    rows: list[dict[str, Any]] = []

    def say(row: dict[str, Any]) -> None:
        rows.append(row)
        print("  ".join(f"{k}={v}" for k, v in row.items()), flush=True)

    with tempfile.TemporaryDirectory(prefix="sponsorlens-bench-") as tmp_name:
        tmp = Path(tmp_name)
        weights = weights_for(a.weights, tmp)
        results["weights"] = str(weights)
        import av

        with av.open(str(clip)) as c:
            s = c.streams.video[0]
            duration = float(s.duration * s.time_base) if s.duration else s.frames / float(s.average_rate)
            results["clip_info"] = {
                "size": f"{s.width}x{s.height}",
                "fps": float(s.average_rate),
                "frames": s.frames,
                "duration_s": duration,
                "bitrate_mbps": round((c.bit_rate or 0) / 1e6, 2),
                "codec": s.codec_context.name,
            }
        print(f"hardware: {results['hardware']}; clip: {clip} {results['clip_info']}; weights: {weights}")

        def make_detector(w: Path) -> LogoDetector:
            return LogoDetector(w, conf=a.conf, imgsz=a.imgsz, device=device, trust_weights=a.trust_weights)

        def run(label: str, fn: Callable[[], tuple[int, Any]], real_time: bool = False) -> tuple[float, Any]:
            """Measure ``fn`` (returning decoded frames and a result) ``--repeat`` times; print and
            keep the row of the fastest run (the one least disturbed by anything else running)."""
            best: tuple[float, int, float, Any] | None = None
            walls = []
            for _ in range(a.repeat):
                if a.wait_idle:
                    wait_idle(a.wait_idle)
                before = _cpu_snapshot()
                n, out = fn()
                after = _cpu_snapshot()
                wall = after[0] - before[0]
                walls.append(wall)
                if best is None or wall < best[0]:
                    best = (wall, n, others_share(before, after), out)
            assert best is not None
            wall, n, others, out = best
            row = _fmt_row(label, n, wall, duration if real_time else None, others)
            if a.repeat > 1:
                row["median_s"] = round(sorted(walls)[len(walls) // 2], 3)
            say(row)
            return n / wall, out

        fps_a, _ = run("(a) OpenCV decode alone", lambda: decode_alone(clip), real_time=True)
        naive = naive_model(weights, short, a.imgsz, a.conf, device)
        fps_b, _ = run(
            "(b) naive model.track loop", lambda: naive_track(naive, short, a.imgsz, a.conf, device)
        )

        detector = make_detector(weights)
        analyse(head_clip(clip, 16), detector, None, a.batch)  # warm-up: model set-up, first batch
        fps_c, _ = run(
            f"(c) analyze, every frame, batch {a.batch}", lambda: analyse(short, detector, None, a.batch)
        )
        label_d = f"(d) analyze --sample-fps {a.sample_fps:g}"
        fps_d, res_d = run(
            f"{label_d}, batch {a.batch}", lambda: analyse(clip, detector, a.sample_fps, a.batch), True
        )

        timings: dict[str, float] = {}
        if a.profile:
            if a.wait_idle:
                wait_idle(a.wait_idle)
            with stage_timer() as timings:
                start = time.perf_counter()
                analyse(clip, detector, a.sample_fps, a.batch)
            timings = {k: round(v, 3) for k, v in timings.items()}
            timings["total"] = round(time.perf_counter() - start, 3)
            timings["analysed_frames"] = len(res_d.analysis.timeline.times)
            print("profile of (d), seconds:", json.dumps(timings))

        plain = untuned(make_detector(weights))
        analyse(head_clip(clip, 16), plain, None, 1)  # warm-up

        def unopt() -> tuple[int, Any]:
            with unoptimised():
                return analyse(clip, plain, a.sample_fps, 1)

        fps_d1, res_d1 = run(
            f"{label_d} unoptimised: batch 1, one-step cut downscale, ultralytics' CPU threads",
            unopt, True,
        )  # fmt: skip
        diffs = {"optimised vs unoptimised (d)": exposure_diff(exposures(res_d), exposures(res_d1))}

        best = ("pt", fps_d)
        for fmt in exports:
            from vision.inference.export import export_model

            name = {"onnx": "model.onnx", "engine": "model.engine", "openvino": "model_openvino_model"}[fmt]
            exported = export_model(
                weights, fmt, out=tmp / name, imgsz=a.imgsz, half=on_gpu, device=device, batch=a.batch,
                trust_weights=a.trust_weights,
            )  # fmt: skip
            det_e = make_detector(exported.path)
            analyse(head_clip(clip, 16), det_e, None, a.batch)  # warm-up
            fps_e, res_e = run(
                f"(e) {label_d}, {fmt}", lambda d=det_e: analyse(clip, d, a.sample_fps, a.batch), True
            )
            diffs[f"{fmt} vs pt"] = exposure_diff(exposures(res_e), exposures(res_d))
            if fps_e > best[1]:
                best = (fmt, fps_e)

    ratios = {
        "c/a": round(fps_c / fps_a, 3),
        "c/b": round(fps_c / fps_b, 3),
        "d/d unoptimised": round(fps_d / fps_d1, 3),
        "d x real time": round(fps_d / results["clip_info"]["fps"], 2),
        f"best (d) x real time ({best[0]})": round(best[1] / results["clip_info"]["fps"], 2),
    }
    print("ratios:", json.dumps(ratios))
    print("exposure differences:", json.dumps(diffs))
    results.update(rows=rows, ratios=ratios, exposure_diff=diffs, profile=timings)
    if a.json:
        a.json.write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()
