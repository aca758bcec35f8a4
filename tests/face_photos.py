"""Real faces for the anonymising tests: the hand-checked faces of photos that installed packages
ship (tests/data/real_faces.json), pasted into a picture, and the detail measure the tests compare.

Detail is the variance of the Laplacian of the grey picture inside a box (pixels): blurring a face
takes most of it away, a JPEG round trip very little.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import cv2
import numpy as np

LABELS = Path(__file__).resolve().parent / "data" / "real_faces.json"


def face_photo(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Return the BGR photo ``name`` of tests/data/real_faces.json and its face boxes (xyxy pixels)."""
    entry = json.loads(LABELS.read_text())["photos"][name]
    spec = importlib.util.find_spec(entry["package"])
    assert spec is not None and spec.submodule_search_locations, entry["package"]
    image = cv2.imread(str(Path(next(iter(spec.submodule_search_locations))) / entry["path"]))
    assert image is not None
    return image, np.asarray(entry["faces"], dtype=np.float64)


def paste_face(frame: np.ndarray, name: str, index: int, height: int, x: int, y: int) -> np.ndarray:
    """Paste face ``index`` of photo ``name`` (with 40 % of its size around it) into ``frame`` in place,
    scaled to ``height`` pixels tall with its box's top-left corner at ``x, y``; return the face's
    box in ``frame`` (xyxy pixels)."""
    photo, boxes = face_photo(name)
    fx1, fy1, fx2, fy2 = boxes[index]
    s = height / (fy2 - fy1)
    pad_w, pad_h = (fx2 - fx1) * 0.4, (fy2 - fy1) * 0.4
    a, b = int(max(0, fx1 - pad_w)), int(max(0, fy1 - pad_h))
    c, d = int(min(photo.shape[1], fx2 + pad_w)), int(min(photo.shape[0], fy2 + pad_h))
    patch = cv2.resize(photo[b:d, a:c], None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    ox, oy = round(x - (fx1 - a) * s), round(y - (fy1 - b) * s)
    assert ox >= 0 and oy >= 0, "the face and its surround must fit in the frame"
    ph, pw = min(patch.shape[0], frame.shape[0] - oy), min(patch.shape[1], frame.shape[1] - ox)
    frame[oy : oy + ph, ox : ox + pw] = patch[:ph, :pw]
    return np.array([x, y, x + (fx2 - fx1) * s, y + height])


def detail(image: np.ndarray, box: np.ndarray, inset: int = 4) -> float:
    """Variance of the Laplacian of the grey picture inside ``box`` (shrunk by ``inset`` px)."""
    x1, y1, x2, y2 = np.add(box, (inset, inset, -inset, -inset)).round().astype(int)
    grey = cv2.cvtColor(image[y1:y2, x1:x2], cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def first_frame(path: Path) -> np.ndarray:
    """Return the first decoded frame (BGR) of the video at ``path``; fails the test when none decodes."""
    cap = cv2.VideoCapture(str(path))
    ok, image = cap.read()
    cap.release()
    assert ok, f"no frame decodes from {path}"
    return image
