"""The text reader on the real development benchmark: every configuration side by side, in one run.

Usage::

    .venv/bin/python bench/reading.py [--weights weights/dfl.pt] [--split eval] [--json OUT.json]
        [--configs reader,model,checked,read,checked+read,confirmed,confirmed+read,auto,auto+read]
        [--imgsz 1280] [--det-side PX] [--device cpu]

Configurations (the catalogue is every labelled sponsor's name, as a user would type it; nothing is
tuned to the labels):

* ``reader``: the text reader alone, no model (``analyze --sponsors ...``);
* ``model``: the YOLO model alone (``--weights``);
* ``checked``: the model checked by the reader (each detection's crop is read; rejected ones drop);
* ``read``: the model plus whole-frame reads (the sponsors the model missed are added);
* ``checked+read``: both;
* ``confirmed`` and ``confirmed+read``: as ``checked`` and ``checked+read``, counting only the model's
  detections a read confirmed (``--unread drop``);
* ``auto`` and ``auto+read``: the default ``--unread auto``: the unread detections are dropped when
  most detections the reader could judge named something else (decided over all the frames, and
  over the whole clip).

For each it prints presence precision, recall and F1 over (frame, sponsor) pairs (see
``bench/real_eval.py``), twice: over every sponsor the configuration can find, and over the model's
sponsors only (the same pairs for every configuration); false claims per frame; CPU seconds per
frame; and, on the labelled clip, the median relative exposure error. The clip runs through
``sponsorlens analyze``'s own code with its defaults (every frame for a model; 1 read a second for
the reader alone; ``read`` configurations read whole frames ``--read-fps`` times a second).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from real_eval import DEFAULT_LABELS, DEFAULT_REAL_DIR, evaluate_frames  # noqa: E402

from measure.benchmark.presence import exposure_errors, presence_scores  # noqa: E402
from measure.benchmark.real_labels import load_real_labels  # noqa: E402
from measure.catalogue import parse_catalogue  # noqa: E402

CONFIGS = (
    "reader",
    "model",
    "checked",
    "read",
    "checked+read",
    "confirmed",
    "confirmed+read",
    "auto",
    "auto+read",
)


def _detectors(config: str, model: Any, reader: Any) -> tuple[Any, Any, bool, bool, str]:
    """Return ``(frame detector, clip detector, check, read, unread policy)`` of a configuration."""
    from vision.inference.checking import CheckedDetector

    if config == "reader":
        return reader, reader, False, False, "count"
    if config == "model":
        return model, model, False, False, "count"
    check, read = config.split("+")[0] in ("checked", "confirmed", "auto"), "read" in config
    unread = {"checked": "count", "confirmed": "drop", "auto": "auto"}.get(config.split("+")[0], "count")
    return CheckedDetector(model, reader, check=check, read=read, unread=unread), model, check, read, unread


def run_config(
    config: str, model: Any, reader: Any, labels: Any, split: str, read_fps: float, clip: bool
) -> dict[str, Any]:
    """Score one configuration on the frames (and the clip); return its row."""
    from measure.settings import Config
    from vision.inference.analysis import analyse_video_file
    from vision.inference.detectors import READ_ONLY_FPS

    frame_det, clip_det, check, read, unread = _detectors(config, model, reader)
    cpu0 = time.process_time()
    rep = evaluate_frames(frame_det, labels, DEFAULT_REAL_DIR, split)
    cpu = time.process_time() - cpu0
    truth = {f: set(v["truth"]) for f, v in rep["per_frame"].items()}
    # the model's sponsors only: the same (frame, sponsor) pairs for every configuration
    subset = sorted(set(model.names) & set(labels.sponsors))
    full_truth = {f.file: set(f.present) for f in labels.split(split)}
    predicted = {f: set(v["predicted"]) for f, v in rep["per_frame"].items()}
    row: dict[str, Any] = {
        "config": config,
        "sponsors": len(rep["onboarded"]),
        "all": rep["presence"],
        "model_sponsors": presence_scores(full_truth, predicted, sponsors=subset),
        "false_claims_per_frame": rep["false_claims_per_frame"],
        "cpu_s_per_frame": cpu / max(1, rep["frames"]),
        "frames": rep["frames"],
        "truth_pairs": sum(len(t) for t in truth.values()),
        "checking": dict(frame_det.checker.single) if hasattr(frame_det, "checker") else None,
    }
    if clip:
        path = DEFAULT_REAL_DIR / labels.clip_file
        kwargs: dict[str, Any] = {}
        if config == "reader":
            kwargs["sample_fps"] = READ_ONLY_FPS
        elif config != "model":
            kwargs.update(reader=reader, check=check, unread=unread, read_fps=read_fps if read else None)
        cpu0 = time.process_time()
        out = analyse_video_file(path, clip_det, Config(), **kwargs)
        row["clip_cpu_s"] = time.process_time() - cpu0
        measured = {str(r.sponsor): float(r.exposure_s) for r in out.sponsors.itertuples()}
        found = set(out.report["model"]["classes"]) & set(labels.sponsors)
        row["clip"] = exposure_errors(labels.clip_ranges, measured, sponsors=found)
        row["clip_model_sponsors"] = exposure_errors(labels.clip_ranges, measured, sponsors=subset)
    return row


def _f(v: float) -> str:
    return "  n/a" if v != v else f"{v:5.3f}"


def print_table(rows: list[dict[str, Any]]) -> None:
    """Print one line per configuration."""
    print(
        f"{'config':<14} {'P':>5} {'R':>5} {'F1':>5} | {'P10':>5} {'R10':>5} {'F1_10':>5} | "
        f"{'claims/fr':>9} {'cpu s/fr':>8} | {'clip err':>8} {'clip err10':>10}"
    )
    for r in rows:
        a, m = r["all"], r["model_sponsors"]
        clip = r.get("clip", {}).get("median_rel_error", float("nan"))
        clip10 = r.get("clip_model_sponsors", {}).get("median_rel_error", float("nan"))
        print(
            f"{r['config']:<14} {_f(a['precision'])} {_f(a['recall'])} {_f(a['f1'])} | "
            f"{_f(m['precision'])} {_f(m['recall'])} {_f(m['f1'])} | {r['false_claims_per_frame']:9.3f} "
            f"{r['cpu_s_per_frame']:8.2f} | {_f(clip):>8} {_f(clip10):>10}"
        )


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--weights", type=Path, default=REPO / "weights" / "dfl.pt")
    ap.add_argument("--split", default="eval", choices=["eval", "adapt", "all"])
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--imgsz", type=int, default=1280, help="model inference size, pixels")
    ap.add_argument("--read-fps", type=float, default=1.0, help="whole-frame reads per second on the clip")
    ap.add_argument("--det-side", type=int, default=None, help="reader's text-detection short side, pixels")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--no-clip", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    from vision.inference.detector import LogoDetector
    from vision.inference.reader import TextReader

    labels = load_real_labels(DEFAULT_LABELS)
    catalogue = parse_catalogue(",".join(labels.sponsors))
    reader = TextReader(
        catalogue, device=args.device, **({"det_side": args.det_side} if args.det_side else {})
    )
    model = LogoDetector(args.weights, imgsz=args.imgsz, device=args.device)
    rows = []
    for config in args.configs.split(","):
        if config not in CONFIGS:
            ap.error(f"unknown configuration {config!r}; choose from {', '.join(CONFIGS)}")
        rows.append(run_config(config, model, reader, labels, args.split, args.read_fps, not args.no_clip))
        print(f"{config}: {json.dumps(rows[-1], default=str)}", file=sys.stderr, flush=True)
    print(
        f"split {args.split}, model {args.weights.name} at {args.imgsz} px, reader {reader.info()['weights']} "
        f"at {reader.det_side} px"
    )
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
