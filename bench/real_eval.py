"""Score a logo detector on the real development benchmark (hand-labelled Bundesliga frames + clip).

Usage::

    python bench/real_eval.py --weights weights/dfl.pt [--split eval] [--conf 0.25] [--imgsz 1280]
        [--map old=new ...] [--clip/--no-clip] [--json OUT.json] [--trust-weights]

Frames: the stored frames are 16:9 broadcast frames stretched to 1280x1280. Each is resized back
to 1280x720 (area interpolation) before inference, and the labelled boxes are scaled by the same
factors (y * 720/1280), so the detector sees the broadcast geometry it will meet in a real video.

Presence: a sponsor counts as detected in a frame when the model reports at least one box of that
class (after ``--map``). Scores are micro-averaged over (frame, sponsor) pairs, counting only the
onboarded sponsors (the model's class names); labelled sponsors the model does not know are not
onboarded and do not count as misses. ``fp_per_frame`` is measured on the frames where none of the
onboarded sponsors is legible. Box precision/recall (IoU >= 0.5, same sponsor) are reported on the
frames whose boxes were labelled. With ``--clip`` the labelled clip is run through the same code as
``sponsorlens analyze`` and its exposure seconds are compared with the labelled legible ranges.

Runs on CPU (``--device cpu``) as well as CUDA. Nothing is trained here and nothing is written
unless ``--json`` is given.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from measure.benchmark.presence import exposure_errors, false_positives_per_frame, presence_scores  # noqa: E402
from measure.benchmark.real_labels import LabelledFrame, LabelsError, RealLabels, load_real_labels  # noqa: E402

DEFAULT_LABELS = REPO / "tests" / "data" / "real_labels.json"
DEFAULT_REAL_DIR = REPO.parent / "shared" / "real"
#: Inference frame size: the 16:9 geometry of the broadcast (the stored files are 1280x1280).
VIEW_SIZE = (1280, 720)


class BenchError(ValueError):
    """A user-facing problem with the benchmark inputs (missing folder, bad --map, ...)."""


@dataclass
class FrameResult:
    """Detections of one labelled frame, mapped to label names, in VIEW_SIZE pixels."""

    file: str
    sponsors: list[str]
    xyxy: np.ndarray
    conf: np.ndarray


def parse_map(items: Iterable[str]) -> dict[str, str]:
    """Parse ``--map old=new`` options into ``{model class: label name}``."""
    out: dict[str, str] = {}
    for item in items:
        old, sep, new = item.partition("=")
        if not sep or not old or not new:
            raise BenchError(f"--map needs OLD=NEW, got {item!r}")
        out[old] = new
    return out


def scale_xyxy(xyxy: Sequence[float], src: tuple[int, int], dst: tuple[int, int] = VIEW_SIZE) -> np.ndarray:
    """Scale an xyxy box from an image of size ``src`` (w, h) to ``dst`` (w, h); returns pixels."""
    sx, sy = dst[0] / src[0], dst[1] / src[1]
    x1, y1, x2, y2 = xyxy
    return np.array([x1 * sx, y1 * sy, x2 * sx, y2 * sy], dtype=np.float64)


def load_view(frames_dir: Path, frame: LabelledFrame) -> np.ndarray:
    """Read a stored frame and resize it to the 16:9 VIEW_SIZE (BGR uint8)."""
    import cv2

    img = cv2.imread(str(frames_dir / frame.file), cv2.IMREAD_COLOR)
    if img is None:
        raise BenchError(f"{frames_dir / frame.file}: frame missing or unreadable")
    return cv2.resize(img, VIEW_SIZE, interpolation=cv2.INTER_AREA)


def detect_frames(
    detector: Any,
    frames: Sequence[LabelledFrame],
    frames_dir: Path,
    mapping: Mapping[str, str],
    batch: int = 8,
) -> list[FrameResult]:
    """Run ``detector`` (a :class:`vision.inference.detector.LogoDetector`) over ``frames``; return mapped detections."""
    results: list[FrameResult] = []
    for start in range(0, len(frames), batch):
        chunk = frames[start : start + batch]
        images = [load_view(frames_dir, f) for f in chunk]
        dets = detector.predict(images, list(range(start, start + len(chunk))), [0.0] * len(chunk))
        for f, d in zip(chunk, dets, strict=True):
            names = [mapping.get(s, s) for s in d.sponsor]
            results.append(FrameResult(f.file, names, d.xyxy, d.confidence))
    if hasattr(detector, "final_keep"):  # the reader's unread policy, decided over all the frames
        frame_of = np.repeat(np.arange(len(results)), [len(r.sponsors) for r in results])
        keep = detector.final_keep(frame_of)
        at = np.cumsum([0] + [len(r.sponsors) for r in results])
        results = [
            FrameResult(
                r.file,
                [s for s, k in zip(r.sponsors, keep[a:b], strict=True) if k],
                r.xyxy[keep[a:b]],
                r.conf[keep[a:b]],
            )
            for r, a, b in zip(results, at[:-1], at[1:], strict=True)
        ]
    return results


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def box_scores(
    frames: Sequence[LabelledFrame],
    results: Sequence[FrameResult],
    onboarded: set[str],
    image_size: tuple[int, int],
    iou: float = 0.5,
) -> dict[str, Any]:
    """Greedy same-sponsor matching at IoU >= ``iou`` on the frames that have labelled boxes.

    Only onboarded sponsors count. Returns ``{frames, boxes, tp, fp, fn, precision, recall}``.
    """
    by_file = {r.file: r for r in results}
    tp = fp = fn = n_frames = n_boxes = 0
    for f in frames:
        if not f.boxes:
            continue
        n_frames += 1
        truth = [(b.sponsor, scale_xyxy(b.xyxy, image_size)) for b in f.boxes if b.sponsor in onboarded]
        n_boxes += len(truth)
        r = by_file[f.file]
        order = np.argsort(-r.conf) if len(r.conf) else []
        used = [False] * len(truth)
        for i in order:
            if r.sponsors[i] not in onboarded:
                continue
            best, best_j = iou, -1
            for j, (s, box) in enumerate(truth):
                if not used[j] and s == r.sponsors[i]:
                    v = _iou(r.xyxy[i], box)
                    if v >= best:
                        best, best_j = v, j
            if best_j >= 0:
                used[best_j] = True
                tp += 1
            else:
                fp += 1
        fn += used.count(False)
    return {
        "frames": n_frames,
        "boxes": n_boxes,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": tp / (tp + fp) if tp + fp else float("nan"),
        "recall": tp / (tp + fn) if tp + fn else float("nan"),
    }


def _false_claims(
    truth: Mapping[str, set[str]], predicted: Mapping[str, set[str]], onboarded: Iterable[str]
) -> float:
    """Return onboarded sponsors reported but not legible, per frame, over all frames (NaN without frames)."""
    keep = set(onboarded)
    fps = sum(len((predicted.get(f, set()) & keep) - truth[f]) for f in truth)
    return fps / len(truth) if truth else float("nan")


def evaluate_frames(
    detector: Any,
    labels: RealLabels,
    real_dir: str | Path,
    split: str = "eval",
    mapping: Mapping[str, str] | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Score ``detector`` on the labelled frames of ``split``; return the report dict.

    Keys: ``split``, ``frames``, ``onboarded`` (label names the model knows), ``unknown_classes``
    (model classes with no such label name: a naming problem), ``presence`` (see
    :func:`measure.benchmark.presence.presence_scores`), ``negatives`` (see
    :func:`measure.benchmark.presence.false_positives_per_frame`), ``boxes`` (see :func:`box_scores`),
    ``false_claims_per_frame`` (onboarded sponsors reported but not legible, per frame, all frames),
    ``per_frame`` ({file: {truth, predicted}}) and ``seconds`` (wall time of inference).
    """
    mapping = dict(mapping or {})
    frames_dir = Path(real_dir) / "dfl_frames"
    if not frames_dir.is_dir():
        raise BenchError(f"{frames_dir}: real frames folder not found")
    frames = labels.split(split)[:limit] if limit else labels.split(split)
    classes = [mapping.get(n, n) for n in detector.names]
    known = set(labels.sponsors)
    onboarded = sorted(set(classes) & known, key=str.casefold)
    unknown = sorted(set(classes) - known, key=str.casefold)
    started = time.perf_counter()
    results = detect_frames(detector, frames, frames_dir, mapping)
    seconds = time.perf_counter() - started
    truth = {f.file: set(f.present) for f in frames}
    predicted = {r.file: set(r.sponsors) for r in results}
    return {
        "split": split,
        "frames": len(frames),
        "onboarded": onboarded,
        "unknown_classes": unknown,
        "presence": presence_scores(truth, predicted, sponsors=onboarded),
        "negatives": false_positives_per_frame(truth, predicted, onboarded),
        "false_claims_per_frame": _false_claims(truth, predicted, onboarded),
        "boxes": box_scores(frames, results, set(onboarded), labels.image_size),
        "per_frame": {
            f: {"truth": sorted(truth[f] & set(onboarded)), "predicted": sorted(predicted[f])} for f in truth
        },
        "seconds": seconds,
    }


def evaluate_clip(
    detector: Any, labels: RealLabels, real_dir: str | Path, mapping: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Analyse the labelled clip like ``sponsorlens analyze`` and compare exposure seconds with the labels.

    Returns :func:`measure.benchmark.presence.exposure_errors` for the onboarded sponsors plus ``clip``.
    """
    from measure.settings import Config
    from vision.inference.analysis import analyse_video_file

    if not labels.clip_file:
        raise BenchError(f"{labels.path}: no clip is labelled")
    clip = Path(real_dir) / labels.clip_file
    if not clip.is_file():
        raise BenchError(f"{clip}: clip not found")
    mapping = dict(mapping or {})
    out = analyse_video_file(clip, detector, Config())
    measured: dict[str, float] = {}
    for row in out.sponsors.itertuples():
        name = mapping.get(str(row.sponsor), str(row.sponsor))
        measured[name] = measured.get(name, 0.0) + float(row.exposure_s)
    onboarded = {mapping.get(n, n) for n in detector.names} & set(labels.sponsors)
    return {"clip": str(clip), **exposure_errors(labels.clip_ranges, measured, sponsors=onboarded)}


def _fmt(v: float) -> str:
    return "  n/a" if isinstance(v, float) and math.isnan(v) else f"{v:5.3f}"


def print_report(report: Mapping[str, Any]) -> None:
    """Print per-sponsor and overall presence scores, negatives, boxes and the clip result."""
    p = report["presence"]
    print(
        f"split {report['split']}: {report['frames']} frames, {len(report['onboarded'])} onboarded sponsors"
    )
    if report["unknown_classes"]:
        print(
            f"WARNING: model classes with no label name (use --map): {', '.join(report['unknown_classes'])}"
        )
    print(f"{'sponsor':<24} {'P':>5} {'R':>5} {'F1':>5} {'tp':>4} {'fp':>4} {'fn':>4}")
    for s, c in p["per_sponsor"].items():
        print(
            f"{s:<24} {_fmt(c['precision'])} {_fmt(c['recall'])} {_fmt(c['f1'])} {c['tp']:4d} {c['fp']:4d} {c['fn']:4d}"
        )
    print(
        f"{'OVERALL (micro)':<24} {_fmt(p['precision'])} {_fmt(p['recall'])} {_fmt(p['f1'])} "
        f"{p['tp']:4d} {p['fp']:4d} {p['fn']:4d}"
    )
    n = report["negatives"]
    print(f"false claims per frame (all {report['frames']} frames): {_fmt(report['false_claims_per_frame'])}")
    print(
        f"false positives per frame on {n['frames']} frames without onboarded sponsors: {_fmt(n['fp_per_frame'])}"
    )
    b = report["boxes"]
    print(
        f"boxes (IoU>=0.5) on {b['frames']} box-labelled frames, {b['boxes']} boxes: "
        f"P {_fmt(b['precision'])} R {_fmt(b['recall'])}"
    )
    print(f"inference {report['seconds']:.1f} s")
    if "clip" in report:
        c = report["clip"]
        print(f"clip {Path(c['clip']).name}: median relative exposure error {_fmt(c['median_rel_error'])}")
        for s, v in c["per_sponsor"].items():
            print(
                f"  {s:<22} truth {v['truth_s']:5.2f} s  measured {v['measured_s']:5.2f} s  err {v['rel_error']:.2f}"
            )
        if c["spurious"]:
            print(
                "  never legible but measured: "
                + ", ".join(f"{s} {v:.2f} s" for s, v in c["spurious"].items())
            )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the process exit code."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--weights", required=True, help="model weights (.pt with its model card, or exported)")
    ap.add_argument("--split", default="eval", choices=["eval", "adapt", "all"])
    ap.add_argument("--conf", type=float, default=0.25, help="detector confidence threshold, 0-1")
    ap.add_argument("--imgsz", type=int, default=1280, help="inference size, pixels (long side)")
    ap.add_argument("--device", default="auto", help="auto, cpu or cuda:N")
    ap.add_argument("--map", action="append", default=[], metavar="OLD=NEW", help="rename a model class")
    ap.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    ap.add_argument(
        "--real-dir", type=Path, default=DEFAULT_REAL_DIR, help="folder with dfl_frames/ and the clip"
    )
    ap.add_argument(
        "--clip", action=argparse.BooleanOptionalAction, default=False, help="also score the clip"
    )
    ap.add_argument("--json", type=Path, help="write the full report here")
    ap.add_argument("--trust-weights", action="store_true", help="load weights without a matching model card")
    args = ap.parse_args(argv)
    from vision.inference.detector import LogoDetector
    from vision.inference.modelcard import WeightsError

    try:
        mapping = parse_map(args.map)
        labels = load_real_labels(args.labels)
        detector = LogoDetector(
            args.weights,
            conf=args.conf,
            imgsz=args.imgsz,
            device=args.device,
            trust_weights=args.trust_weights,
        )
        report = evaluate_frames(detector, labels, args.real_dir, args.split, mapping)
        if args.clip:
            report["clip"] = evaluate_clip(detector, labels, args.real_dir, mapping)
    except (BenchError, LabelsError, WeightsError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    report["model"] = detector.info()
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
