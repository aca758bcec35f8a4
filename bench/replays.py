"""Live or replay: accuracy and cost of the replay spotter (issue 22).

Usage::

    .venv/bin/python bench/replays.py [--clips 2] [--seconds 24] [--replays 2] [--sample-fps 5]

Renders test clips with replay shots (:func:`vision.training.clip.render_clip` ``replays=N``, 1280x720,
cached under the temp folder) and analyses each twice with the shipped demo model on the CPU, once
with the replay spotter and once without, side by side in the same process (order alternating from
clip to clip; the spotter's models are opened before the timing). It prints:

* per clip and in total, over the detected shots (a detected shot is a replay in truth when most of
  its time lies in a replay shot): replay precision and recall, and the seconds of the clip whose
  replay flag is right;
* the cost: analysis CPU seconds (all threads of the process; less disturbed by other load on the
  machine than wall time, also printed) with / without the spotter, and border reads per shot;
* the transition cue, measured but not used: runs of at least ``--run`` consecutive frames whose
  mean absolute change (grey levels, 64 px wide thumbnails) exceeds ``--change``: how many lie on a
  replay transition and how many elsewhere (fast pans, cuts);
* the real clip ``../shared/real/dfl_clip_08fd33_4.mp4`` (a live Bundesliga wide shot, no replay):
  shots, replay flags, the words read, and its transition-cue runs. Skipped when absent.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.clips import CACHE  # noqa: E402

REAL_CLIP = REPO.parent / "shared" / "real" / "dfl_clip_08fd33_4.mp4"


def render(seed: int, seconds: float, replays: int) -> Path:
    """Return the path of the cached 1280x720 replay clip of ``seed`` (rendered when missing)."""
    from vision.io.artwork import load_logos
    from vision.training.clip import render_clip

    video = CACHE / f"replays_s{seed}_{seconds:g}s_{replays}r" / "clip.mp4"
    if not (video.parent / "truth.json").is_file():
        render_clip(
            load_logos(REPO / "weights" / "demo_artwork"), video, seconds=seconds, seed=seed, replays=replays
        )
    return video


def analyse(
    video: Path, detector: object, sample_fps: float | None, replays: bool
) -> tuple[object, float, float]:
    """Return ``(VideoAnalysis, wall seconds, CPU seconds of this process)`` of one :func:`analyse_video`
    pass over ``video``."""
    from vision.inference.pipeline import analyse_video
    from vision.io.sources import open_video

    start, cpu = time.perf_counter(), time.process_time()
    with open_video(video, sample_fps=sample_fps) as source:
        out = analyse_video(source, detector, replays=replays)  # type: ignore[arg-type]
    return out, time.perf_counter() - start, time.process_time() - cpu


def shot_truth(
    cuts_s: tuple[float, ...], duration: float, truth_shots: list, truth_replay: list[bool]
) -> list[bool]:
    """Return, per detected shot (bounded by ``cuts_s``), whether most of its time is in a replay shot."""
    bounds = [0.0, *cuts_s, duration]
    out = []
    for a, b in itertools.pairwise(bounds):
        rep = sum(
            max(0.0, min(b, e) - max(a, s))
            for (s, e, _), r in zip(truth_shots, truth_replay, strict=True)
            if r
        )
        out.append(rep > (b - a) / 2)
    return out


def seconds_right(
    cuts_s: tuple[float, ...],
    flags: tuple[bool, ...],
    truth_shots: list,
    truth_replay: list[bool],
    fps: float,
) -> tuple[float, float]:
    """Return ``(seconds whose replay flag is right, clip seconds)``, frame by frame."""
    n = round(truth_shots[-1][1] * fps)
    t = (np.arange(n) + 0.5) / fps
    truth = np.zeros(n, bool)
    for (s, e, _), r in zip(truth_shots, truth_replay, strict=True):
        truth[(t >= s) & (t < e)] = r
    shot = np.searchsorted(np.asarray(cuts_s), t, side="right")
    pred = np.asarray(flags, bool)[shot] if len(flags) else np.zeros(n, bool)
    return float((pred == truth).sum() / fps), n / fps


def change_runs(video: Path, change: float, run: int) -> tuple[list[tuple[float, float]], float]:
    """Return the runs ``(start_s, end_s)`` of at least ``run`` consecutive frames whose mean absolute
    change from the previous frame (grey levels of 64 px wide thumbnails) exceeds ``change``, and the fps."""
    cap = cv2.VideoCapture(str(video))
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    prev, diffs = None, []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        small = cv2.resize(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), (64, 36), interpolation=cv2.INTER_AREA)
        small = small.astype(np.float32)
        diffs.append(0.0 if prev is None else float(np.abs(small - prev).mean()))
        prev = small
    cap.release()
    high = np.asarray(diffs) > change
    runs, i = [], 0
    while i < len(high):
        if high[i]:
            j = i
            while j < len(high) and high[j]:
                j += 1
            if j - i >= run:
                runs.append((i / fps, j / fps))
            i = j
        else:
            i += 1
    return runs, fps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clips", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=24.0)
    ap.add_argument("--replays", type=int, default=2, help="replay shots a clip")
    ap.add_argument("--sample-fps", type=float, default=5.0)
    ap.add_argument("--imgsz", type=int, default=640)
    ap.add_argument("--change", type=float, default=25.0, help="transition cue: grey-level change")
    ap.add_argument("--run", type=int, default=3, help="transition cue: consecutive frames")
    args = ap.parse_args()

    from vision.inference.detector import DEFAULT_WEIGHTS
    from vision.inference.detectors import open_detectors
    from vision.inference.replay import BorderReader, ReplaySpotter, border_strip
    from vision.training.clip import ClipTruth

    detector = open_detectors(DEFAULT_WEIGHTS, None, imgsz=args.imgsz, device="cpu").detector
    start = time.perf_counter()
    BorderReader().read(np.zeros((64, 256, 3), np.uint8))
    detector.predict([np.zeros((720, 1280, 3), np.uint8)] * 2, [0, 1], [0.0, 0.04])  # warm the model up
    print(f"replay spotter: models opened in {time.perf_counter() - start:.2f} s (once per process)")
    tp = fp = fn = tn = 0
    right = total = t_on = t_off = c_on = c_off = 0.0
    reads = shots = 0
    cue_hit = cue_other = cue_trans = cue_found = 0
    for k in range(args.clips):
        seed = 100 + k
        video = render(seed, args.seconds, args.replays)
        truth = ClipTruth.load(video.parent)
        order = (True, False) if k % 2 == 0 else (False, True)
        timed = {}
        for on in order:
            timed[on] = analyse(video, detector, args.sample_fps, on)
        out, sec_on, cpu_on = timed[True]
        _, sec_off, cpu_off = timed[False]
        c_on, c_off = c_on + cpu_on, c_off + cpu_off
        tl = out.timeline  # type: ignore[attr-defined]
        expected = shot_truth(tl.cuts_s, tl.duration_s, truth.shots, truth.replay_of_shot())
        for p, e in zip(tl.replays, expected, strict=True):
            tp, fp, fn, tn = tp + (p and e), fp + (p and not e), fn + (e and not p), tn + (not p and not e)
        r, n = seconds_right(tl.cuts_s, tl.replays, truth.shots, truth.replay_of_shot(), truth.fps)
        right, total, t_on, t_off = right + r, total + n, t_on + sec_on, t_off + sec_off
        reads, shots = reads + out.replay_reads, shots + len(tl.replays)  # type: ignore[attr-defined]
        runs, _ = change_runs(video, args.change, args.run)
        trans = truth.transitions_s
        on_trans = [any(a < e and s < b for s, e in trans) for a, b in runs]
        cue_hit += sum(on_trans)
        cue_other += len(runs) - sum(on_trans)
        cue_trans += len(trans)
        cue_found += sum(any(a < e and s < b for a, b in runs) for s, e in trans)
        print(
            f"clip seed {seed}: truth shots {[k for _, _, k in truth.shots]} replays {truth.replay_of_shot()} "
            f"captions {truth.captions}\n  detected cuts {[round(c, 2) for c in tl.cuts_s]} "
            f"(truth {list(truth.cuts_s)}), flags {list(tl.replays)}, expected {expected}\n"
            f"  seconds right {r:.2f} / {n:.2f}; analysis CPU {cpu_on:.1f} s with, {cpu_off:.1f} s without "
            f"(x{cpu_on / cpu_off:.3f}; wall {sec_on:.1f} s / {sec_off:.1f} s); "
            f"{out.replay_reads} border reads for {len(tl.replays)} shots"  # type: ignore[attr-defined]
        )
    prec = tp / (tp + fp) if tp + fp else float("nan")
    rec = tp / (tp + fn) if tp + fn else float("nan")
    print(
        f"\nTOTAL {args.clips} clips x {args.seconds:g} s, sample-fps {args.sample_fps:g}: detected shots {shots} "
        f"(replays tp {tp}, fp {fp}, fn {fn}, live tn {tn}); precision {prec:.3f}, recall {rec:.3f}; "
        f"seconds right {right:.1f} / {total:.1f} ({right / total:.1%})"
    )
    print(
        f"cost: analysis CPU {c_on:.1f} s with the spotter, {c_off:.1f} s without: x{c_on / c_off:.3f} "
        f"(wall {t_on:.1f} s / {t_off:.1f} s: x{t_on / t_off:.3f}); "
        f"{reads / max(1, shots):.2f} border reads a shot"
    )
    print(
        f"transition cue (change > {args.change:g} for >= {args.run} frames): {cue_found}/{cue_trans} replay "
        f"transitions found; {cue_hit} runs on a transition, {cue_other} elsewhere"
    )
    if not REAL_CLIP.is_file():
        print(f"real clip: {REAL_CLIP} absent, skipped")
        return
    from vision.inference.shots import CutDetector
    from vision.io.sources import open_video

    spotter = ReplaySpotter(read_at_s=(0.8, 2.4, 4.0, 5.6))  # more reads than the default: look harder
    texts: list[str] = []
    with open_video(REAL_CLIP) as source:
        cuts, shot = CutDetector(source.info.fps), 0
        for batch in source.batches(8):
            for f in batch:
                new = cuts.update(f.image, f.t)
                shot += new
                spotter.update(f.image, f.t, shot, new)
                if f.index % 25 == 0:
                    texts.extend(spotter.reader.read(border_strip(f.image)))
    flags = spotter.replays(shot + 1)
    runs, _ = change_runs(REAL_CLIP, args.change, args.run)
    print(
        f"real clip {REAL_CLIP.name}: {shot + 1} shots, replay flags {list(flags)} ({spotter.reads} reads; "
        f"words {spotter.words}); border text read once a second: {sorted(set(texts))}; "
        f"transition-cue runs {[(round(a, 2), round(b, 2)) for a, b in runs]}"
    )


if __name__ == "__main__":
    main()
