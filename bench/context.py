"""Accuracy and cost of the visual-context classifiers (placement, shot type) on rendered clips (issue 22).

Usage::

    .venv/bin/python bench/context.py [--seeds 1 2 3] [--seconds 20] [--sample-fps 5] [--imgsz 1280]
                                      [--real ../shared/real/dfl_clip_08fd33_4.mp4]

Each seed renders a 1280x720 football clip with exact truth (:func:`vision.training.clip.render_clip`;
cached under the temp folder). Truth: a shot's ``kind`` is its true type; a truth row whose source is
``score_bug`` is an overlay, ``board`` and ``shirt`` rows are in the venue. Two runs per clip:

* **classifier only**: the analysed frames (``--sample-fps``) go through
  :class:`vision.inference.context.FrameContext` with the true shots, and the true qualifying
  instances stand in for detections;
* **pipeline**: :func:`vision.inference.pipeline.analyse_video` with ``weights/demo.pt`` (the model
  alone), its own cuts, tracks and detections. A detection is matched to the truth instance of its
  sponsor in its frame with the highest IoU (>= 0.3); unmatched ones (false positives) are counted
  apart.

Printed: shot-type accuracy per shot (the interval-weighted majority type of a true shot's analysed
frames equals its kind) and per second (share of analysed time whose shot type is right); placement
accuracy per detection and recall per class; the CPU cost of the context classification as a ratio
to the rest of ``analyse_video``, both measured in the same run (thread CPU time of
:class:`~vision.inference.context.FrameContext` against process CPU time of the whole call). With
``--real``, the shot types found in a real clip and PNGs of its shots' middle frames (``--png-dir``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.clips import ARTWORK, CACHE  # noqa: E402
from measure.records import Timeline  # noqa: E402
from vision.inference.context import FrameContext  # noqa: E402
from vision.inference.shots import downscale  # noqa: E402
from vision.io.sources import open_video  # noqa: E402
from vision.training.clip import ClipTruth, render_clip  # noqa: E402

DEMO = REPO / "weights" / "demo.pt"


def clip(seed: int, seconds: float, size: tuple[int, int] = (1280, 720)) -> tuple[Path, ClipTruth]:
    """Return the cached rendered clip of ``seed`` (``seconds`` long, ``size`` pixels) and its truth."""
    from vision.io.artwork import load_logos

    d = CACHE / f"context_s{seed}_{size[0]}x{size[1]}_{seconds:g}s"
    video = d / "clip.mp4"
    if video.is_file() and (d / "truth.json").is_file():
        return video, ClipTruth.load(d)
    return video, render_clip(load_logos(ARTWORK), video, seconds=seconds, size=size, seed=seed)


def true_kind(truth: ClipTruth, t: np.ndarray) -> np.ndarray:
    """Return the true shot kind at each time ``t`` (seconds)."""
    starts = np.array([s[0] for s in truth.shots])
    kinds = np.array([s[2] for s in truth.shots], dtype=object)
    return kinds[np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(kinds) - 1)]


def shot_scores(
    truth: ClipTruth, times: np.ndarray, weights: np.ndarray, found: np.ndarray
) -> dict[str, float]:
    """Return per-shot and per-second shot-type accuracy (fractions) of ``found`` types at ``times``."""
    kinds = true_kind(truth, times)
    right = found == kinds
    per_second = float(np.sum(weights * right) / max(np.sum(weights), 1e-9))
    starts = np.array([s[0] for s in truth.shots])
    shot_of = np.searchsorted(starts, times, side="right") - 1
    ok = []
    for i, (_a, _b, kind) in enumerate(truth.shots):
        sel = shot_of == i
        if not sel.any():
            continue
        votes = pd.Series(weights[sel]).groupby(found[sel]).sum()
        ok.append(votes.idxmax() == kind)
    return {
        "per_shot": float(np.mean(ok)) if ok else float("nan"),
        "per_second": per_second,
        "shots": len(ok),
    }


def placement_scores(found: np.ndarray, expected: np.ndarray) -> dict[str, float]:
    """Return placement accuracy and recall per class (fractions) of ``found`` against ``expected``."""
    out: dict[str, float] = {
        "n": len(expected),
        "accuracy": float(np.mean(found == expected)) if len(found) else 0.0,
    }
    for cls in ("overlay", "in_venue"):
        sel = expected == cls
        out[f"recall_{cls}"] = float(np.mean(found[sel] == cls)) if sel.any() else float("nan")
        out[f"n_{cls}"] = int(sel.sum())
    return out


def truth_placement(truth: ClipTruth) -> pd.DataFrame:
    """Return the truth rows that qualify, with their ``placement`` (overlay for the score bug)."""
    rows = truth.frames[truth.frames["qualifies"]].copy()
    rows["placement"] = np.where(rows["source"] == "score_bug", "overlay", "in_venue")
    return rows


def classifier_only(video: Path, truth: ClipTruth, sample_fps: float) -> tuple[dict, dict]:
    """Run the context classifiers on the true shots and the true boxes; return (shot, placement) scores."""
    ctx = FrameContext()
    times, frames = [], []
    cuts = np.asarray(truth.cuts_s)
    prev = -1
    with open_video(video, sample_fps=sample_fps) as source:
        for f in source:
            shot = int(np.searchsorted(cuts, f.t + 1e-9, side="right"))
            ctx.update(downscale(f.image), f.index, shot, shot != prev and prev >= 0)
            prev = shot
            times.append(f.t)
            frames.append(f.index)
    rows = truth_placement(truth)
    rows = rows[rows["frame"].isin(frames)].reset_index(drop=True)
    place, types = ctx.classify(rows, truth.width, truth.height, len(truth.shots))
    tl = Timeline(np.asarray(times), np.asarray(frames), truth.duration_s, truth.width, truth.height,
                  truth.cuts_s, shot_types=types)  # fmt: skip
    shot = shot_scores(truth, tl.times, tl.intervals, tl.shot_type_of_frame)
    shot["types"] = " ".join(t[0] for t in types)
    shot["true"] = " ".join(s[2][0] for s in truth.shots)
    return shot, placement_scores(place, rows["placement"].to_numpy())


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x1, y1 = np.maximum(a[0], b[:, 0]), np.maximum(a[1], b[:, 1])
    x2, y2 = np.minimum(a[2], b[:, 2]), np.minimum(a[3], b[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) - inter
    return inter / np.maximum(area, 1e-9)


def match_truth(dets: pd.DataFrame, truth: ClipTruth) -> np.ndarray:
    """Return the true placement of each detection (its best-IoU truth instance, IoU >= 0.3), or '' if none."""
    rows = truth.frames.copy()
    rows["placement"] = np.where(rows["source"] == "score_bug", "overlay", "in_venue")
    by = {k: g for k, g in rows.groupby(["frame", "sponsor"])}
    out = np.full(len(dets), "", dtype=object)
    for i, r in enumerate(dets[["frame", "sponsor", "x1", "y1", "x2", "y2"]].itertuples(index=False)):
        g = by.get((r.frame, r.sponsor))
        if g is None:
            continue
        iou = _iou(np.array([r.x1, r.y1, r.x2, r.y2]), g[["x1", "y1", "x2", "y2"]].to_numpy(float))
        if iou.max() >= 0.3:
            out[i] = g["placement"].iloc[int(iou.argmax())]
    return out


def pipeline(video: Path, truth: ClipTruth, detector: object, sample_fps: float) -> tuple[dict, dict, dict]:
    """Run ``analyse_video``; return (shot scores, placement scores, cost)."""
    from vision.inference.pipeline import analyse_video

    wall, cpu = time.perf_counter(), time.process_time()
    with open_video(video, sample_fps=sample_fps) as source:
        an = analyse_video(source, detector, check=False)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    tl = an.timeline
    shot = shot_scores(truth, tl.times, tl.intervals, tl.shot_type_of_frame)
    shot["types"] = " ".join(t[0] for t in tl.shot_types)
    found_cuts = np.asarray(tl.cuts_s)
    hits = [len(found_cuts) and np.abs(found_cuts - c).min() <= 0.5 for c in truth.cuts_s]
    shot["cut_recall"] = float(np.mean(hits)) if hits else 1.0
    expected = match_truth(an.detections, truth)
    matched = expected != ""
    place = placement_scores(an.detections["placement"].to_numpy()[matched], expected[matched])
    place["unmatched"] = int((~matched).sum())
    cost = {"frames": len(tl.times), "cpu_s": cpu, "wall_s": wall, "context_cpu_s": an.context_cpu_s}
    return shot, place, cost


def real_clip(path: Path, sample_fps: float, png_dir: Path) -> None:
    """Print the shot types the classifier gives a real clip (no detections: colour and detail only)
    and write the middle analysed frame of each shot as a PNG under ``png_dir``."""
    from vision.inference.shots import CutDetector

    ctx = FrameContext()
    cuts: CutDetector | None = None
    shot, times, images = 0, [], []
    with open_video(path, sample_fps=sample_fps) as source:
        cuts = CutDetector(source.info.fps)
        w, h = source.info.width, source.info.height
        for f in source:
            small = downscale(f.image)
            new = cuts.update(small, f.t)
            shot += int(new)
            ctx.update(small, f.index, shot, new)
            times.append((f.t, shot))
            images.append(f.image)
    empty = pd.DataFrame(
        {c: pd.Series(dtype=float) for c in ("frame", "shot", "x1", "y1", "x2", "y2", "short_side_px")}
    )
    empty["sponsor"] = pd.Series(dtype=object)
    _place, types = ctx.classify(empty, w, h, shot + 1)
    png_dir.mkdir(parents=True, exist_ok=True)
    details = ctx.features.details
    from vision.inference.shot_type import surface_shares

    surface = surface_shares(ctx.features.histograms, details)
    print(f"\nreal clip {path.name}: {len(times)} analysed frames, cuts at {cuts.cuts_s}")
    for s, kind in enumerate(types):
        idx = [i for i, (_t, sh) in enumerate(times) if sh == s]
        mid = idx[len(idx) // 2]
        png = png_dir / f"{path.stem}_shot{s}_{kind}.png"
        cv2.imwrite(str(png), images[mid])
        print(f"  shot {s}: {times[idx[0]][0]:.2f}-{times[idx[-1]][0]:.2f} s  {kind:8s} median detail "
              f"{np.median(details[idx]):.3f}, surface {np.median(surface[idx]):.2f}  ({png})")  # fmt: skip


def real_pipeline(path: Path, weights: Path, sample_fps: float, imgsz: int) -> None:
    """Print what the real pipeline with ``weights`` says about a real clip: shot types and, per
    sponsor, its detections by placement and where on screen they are."""
    from vision.inference.detector import LogoDetector
    from vision.inference.pipeline import analyse_video

    with open_video(path, sample_fps=sample_fps) as source:
        an = analyse_video(source, LogoDetector(weights, imgsz=imgsz, device="cpu"), check=False)
    dets = an.detections
    print(f"  pipeline with {weights.name}: shot types {an.timeline.shot_types}, {len(dets)} detections")
    if len(dets):
        dets = dets.assign(cy=(dets["y1"] + dets["y2"]) / 2 / an.info.height)
        table = dets.groupby(["sponsor", "placement"]).agg(n=("frame", "size"), median_cy=("cy", "median"))
        print(table.round(2).to_string())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--sample-fps", type=float, default=5.0)
    ap.add_argument("--imgsz", type=int, default=1280)
    ap.add_argument("--no-pipeline", action="store_true", help="Only the classifier-only runs.")
    ap.add_argument("--real", type=Path, default=REPO.parent / "shared" / "real" / "dfl_clip_08fd33_4.mp4")
    ap.add_argument("--real-weights", type=Path, default=REPO / "weights" / "dfl.pt")
    ap.add_argument("--png-dir", type=Path, default=Path("/tmp/sponsorlens-context"))
    args = ap.parse_args()
    detector = None
    if not args.no_pipeline:
        from vision.inference.detector import LogoDetector

        detector = LogoDetector(DEMO, imgsz=args.imgsz, device="cpu")
    rows = []
    for seed in args.seeds:
        video, truth = clip(seed, args.seconds)
        shot, place = classifier_only(video, truth, args.sample_fps)
        print(f"seed {seed} truth shots {shot['true']}")
        print(f"  classifier only: shot types {shot['types']}  per shot {shot['per_shot']:.0%} per second "
              f"{shot['per_second']:.0%}; placement acc {place['accuracy']:.1%} overlay recall "
              f"{place['recall_overlay']:.1%} (n={place['n_overlay']}) in-venue recall {place['recall_in_venue']:.1%} "
              f"(n={place['n_in_venue']})")  # fmt: skip
        row = {"seed": seed, "cls_per_shot": shot["per_shot"], "cls_per_second": shot["per_second"],
               "cls_place_acc": place["accuracy"], "cls_overlay": place["recall_overlay"],
               "cls_in_venue": place["recall_in_venue"]}  # fmt: skip
        if detector is not None:
            pshot, pplace, cost = pipeline(video, truth, detector, args.sample_fps)
            rest = cost["cpu_s"] - cost["context_cpu_s"]
            print(f"  pipeline: shot types {pshot['types']}  per shot {pshot['per_shot']:.0%} per second "
                  f"{pshot['per_second']:.0%} (true cuts found: {pshot['cut_recall']:.0%}); placement acc {pplace['accuracy']:.1%} overlay recall "
                  f"{pplace['recall_overlay']:.1%} (n={pplace['n_overlay']}) in-venue recall "
                  f"{pplace['recall_in_venue']:.1%} (n={pplace['n_in_venue']}), unmatched {pplace['unmatched']}; "
                  f"context {cost['context_cpu_s']:.2f} s CPU of {cost['cpu_s']:.1f} s "
                  f"({cost['context_cpu_s'] / rest:.2%} of analyse_video without it), "
                  f"{1000 * cost['context_cpu_s'] / cost['frames']:.2f} ms/frame")  # fmt: skip
            row.update({"pipe_per_shot": pshot["per_shot"], "pipe_per_second": pshot["per_second"], "cut_recall": pshot["cut_recall"],
                        "pipe_place_acc": pplace["accuracy"], "pipe_overlay": pplace["recall_overlay"],
                        "pipe_in_venue": pplace["recall_in_venue"], "cost_ratio": cost["context_cpu_s"] / rest,
                        "ms_per_frame": 1000 * cost["context_cpu_s"] / cost["frames"]})  # fmt: skip
        rows.append(row)
    print("\nmean over seeds:")
    print(pd.DataFrame(rows).mean(numeric_only=True).round(4).to_string())
    if args.real.is_file():
        real_clip(args.real, args.sample_fps, args.png_dir)
        if not args.no_pipeline and args.real_weights.is_file():
            real_pipeline(args.real, args.real_weights, args.sample_fps, args.imgsz)


if __name__ == "__main__":
    main()
