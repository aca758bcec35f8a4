"""The pretrained text reader: sponsor wordmarks found by reading, with no training.

It wraps RapidOCR and the PP-OCRv6 small detection and recognition ONNX models that its wheel
carries (Apache-2.0). The models are opened from the installed package by explicit path, so the
reader never downloads anything; when they are missing it fails with :class:`ReaderError`. It runs
on onnxruntime: on the CPU, or with the CUDA provider where onnxruntime has it.

Two verbs:

- :meth:`TextReader.predict` reads whole frames and returns :class:`vision.inference.detections.Detections`
  like the YOLO model's, one per text line that names a catalogue sponsor (matched by
  :class:`vision.inference.text_match.SponsorMatcher`), with ``source`` ``"text"``. The reader is then a
  detector: ``analyze --sponsors ...`` with no weights runs on it.
- :meth:`TextReader.recognise` reads crops (recognition only, no text detection): the check of a
  model detection (:mod:`vision.inference.checking`).
"""

from __future__ import annotations

import copy
import importlib.util
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from measure.catalogue import Catalogue
from measure.errors import ConfigError, InputError, ModelError
from vision.inference.artwork_text import TextLayout, entry_name, fits_layout, text_layouts, widen_polygon
from vision.inference.detections import Detections
from vision.inference.text_match import SponsorMatcher, best_window, confusable_key

#: The model files the reader opens, inside the installed ``rapidocr`` package's ``models/`` folder.
MODEL_FILES: dict[str, str] = {
    "det": "PP-OCRv6_det_small.onnx",
    "rec": "PP-OCRv6_rec_small.onnx",
}

#: Short side, in pixels, a frame is scaled up to for text detection (never down): a 720p frame is
#: read at 2x, where broadcast boards' 8-15 px text becomes detectable; 1080p at 1.33x. Chosen on the
#: benchmark's adapt split, never its eval split: reader F1 0.698 at 1088 px, 0.729 at 1440 (recall
#: 0.559 -> 0.601, precision 0.929 -> 0.926) for 1.41x the CPU; 1800 px gave 0.735 for 2.2x.
DET_SIDE = 1440
#: Mean text probability a detected text region needs (RapidOCR's ``box_thresh``, default 0.5):
#: 0.3 finds more of the small, low-contrast board lettering. Chosen on the benchmark's adapt split
#: (reader F1 0.676 -> 0.700, precision 0.926 -> 0.922, 10 % more CPU), never on its eval split.
BOX_THRESH = 0.3
#: Text lines read with a recognition score below this are ignored, [0, 1].
MIN_TEXT_SCORE = 0.6
#: Recognition pads each 48 px tall line to at least this width, pixels. RapidOCR's default, 320,
#: makes a short word cost as much as a long line; 96 reads short words and logo crops about twice as
#: fast, with the same results on the benchmark's adapt split (reader F1 0.700 -> 0.698: one pair;
#: the checked model's verdicts within 2 of 83 tracks).
REC_MIN_WIDTH = 96
#: A name covering less than this fraction of its line's characters is boxed as its part of the line.
WHOLE_LINE = 0.9
#: A near-miss line (:meth:`TextReader.read_lines`) is read again on a crop this fraction of its
#: length longer at each end ...
WIDER_X = 0.25
#: ... and this fraction of its height taller above and below.
WIDER_Y = 0.1
#: A fragment (:meth:`SponsorMatcher.fragment`: a line of 1-3 chars naming nothing) is read again on a
#: crop this fraction of its length longer at each end, as tall as a near miss's.
FRAGMENT_WIDER_X = 1.5
#: Two lines are read as one (:func:`side_by_side`) when their heights are within this ratio ...
JOIN_HEIGHT_RATIO = 1.5
#: ... they overlap vertically by at least this fraction of the shorter one ...
JOIN_OVERLAP = 0.5
#: ... and the gap between them is at most this many line heights.
JOIN_GAP = 1.0
#: Two lines are read as one two-line wordmark (:func:`stacked`) when their heights (across their own
#: axis) are within this ratio ...
STACK_HEIGHT_RATIO = 2.0
#: ... they overlap along the upper line's axis by at least this fraction of the shorter one ...
STACK_OVERLAP = 0.5
#: ... and the lower line's centre is between these many mean line heights below the upper one's.
STACK_BELOW = (0.6, 1.5)
#: Pixels of the frame edge within which a line counts as cut by the edge (prefix/suffix matches).
EDGE_PX = 4.0


class ReaderError(ModelError):
    """The text reader cannot run: its package or bundled models are missing."""


@dataclass(frozen=True)
class TextLine:
    """One line of text read in a frame: ``polygon`` (4, 2) pixels clockwise from the top-left,
    ``text`` as read, ``score`` the recognition confidence in [0, 1]."""

    polygon: np.ndarray
    text: str
    score: float


def model_paths() -> dict[str, Path]:
    """Return ``{"det": path, "rec": path}`` of the bundled ONNX models; raise :class:`ReaderError`
    when ``rapidocr`` or a model file is missing (nothing is ever downloaded)."""
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or not spec.submodule_search_locations:
        raise ReaderError("reading text needs the package rapidocr (pip install 'rapidocr>=3.10')")
    root = Path(next(iter(spec.submodule_search_locations))) / "models"
    paths = {k: root / v for k, v in MODEL_FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise ReaderError(
            f"the text reader's bundled models are missing: {', '.join(missing)}; "
            "reinstall rapidocr 3.10 or later (its wheel carries them; SponsorLens never downloads models)"
        )
    return paths


def _providers(device: str) -> bool:
    """Return whether to use onnxruntime's CUDA provider for ``device`` (``auto``, ``cpu``, ``cuda:N``)."""
    if device == "cpu":
        return False
    import onnxruntime as ort

    has_cuda = "CUDAExecutionProvider" in ort.get_available_providers()
    if device.startswith("cuda") and not has_cuda:
        raise ReaderError(f"--device {device}: onnxruntime has no CUDA provider here; use --device cpu")
    return has_cuda


class TextReader:
    """Reads sponsor names in frames with RapidOCR's bundled PP-OCRv6 models.

    ``catalogue`` names the sponsors and the texts that name them; only sponsors that read (not
    ``reads = false``) can be found. ``det_side`` is the short side, in pixels, frames are scaled to
    for text detection (frames with a longer short side are not scaled down). ``threads`` is the number of
    onnxruntime threads (default: every core). ``min_score`` drops lines read with less confidence.
    ``layouts`` (``{catalogue sponsor: TextLayout}``, set by :meth:`learn_artwork`) says where each
    sponsor's text sits in its artwork: a line holding that whole text is then boxed as the whole
    logo (:func:`vision.inference.artwork_text.widen_polygon`); without one, a read's box is its line.
    """

    task = "text"

    def __init__(
        self,
        catalogue: Catalogue,
        device: str = "auto",
        det_side: int = DET_SIDE,
        threads: int | None = None,
        min_score: float = MIN_TEXT_SCORE,
    ) -> None:
        if det_side < 32 or det_side > 4096:
            raise InputError(f"text detection size must be 32-4096 pixels, got {det_side}")
        self.catalogue = catalogue
        self.names: list[str] = catalogue.readable()
        if not self.names:
            raise ConfigError("the sponsor catalogue has no sponsor that reads (every one has reads = false)")
        self.matcher = SponsorMatcher(catalogue.texts())
        self.paths = model_paths()
        from measure.hashing import sha256_file, sha256_text

        #: sha256 of the two model files' sha256s: what identifies the reader in a run key
        self.sha256 = sha256_text("".join(sha256_file(p) for p in self.paths.values()))
        self.weights = self.paths["rec"]
        self.threads = threads or os.cpu_count() or 1
        self.cuda = _providers(device)
        self.device = "cuda:0" if self.cuda else "cpu"
        self.det_side = det_side
        self.min_score = min_score
        self.layouts: dict[str, TextLayout] = {}
        self.conf = min_score
        self.imgsz = det_side
        self.precision = "fp32"
        from rapidocr import RapidOCR

        ort = {
            "intra_op_num_threads": self.threads,
            "inter_op_num_threads": 1,
            "use_cuda": self.cuda,
        }
        params: dict[str, Any] = {
            "Global.log_level": "error",
            "Global.use_cls": False,  # boards are upright: the 0/180 degree classifier only costs time
            "Global.text_score": min_score,
            "Det.model_path": str(self.paths["det"]),
            "Det.limit_side_len": det_side,
            "Det.box_thresh": BOX_THRESH,
            "Rec.model_path": str(self.paths["rec"]),
            "Rec.rec_img_shape": [3, 48, REC_MIN_WIDTH],
            **{f"EngineConfig.onnxruntime.{k}": v for k, v in ort.items()},
        }
        try:
            self.engine = RapidOCR(params=params)
        except Exception as e:  # onnxruntime or rapidocr failing to open a model
            raise ReaderError(f"cannot open the text reader's models: {str(e).splitlines()[0]}") from None

    def with_catalogue(self, catalogue: Catalogue) -> TextReader:
        """Return a reader of ``catalogue`` that shares this reader's opened models."""
        other = copy.copy(self)
        other.catalogue = catalogue
        other.names = catalogue.readable()
        if not other.names:
            raise ConfigError("the sponsor catalogue has no sponsor that reads (every one has reads = false)")
        other.matcher = SponsorMatcher(catalogue.texts())
        return other

    def learn_artwork(self, artwork: Mapping[str, Sequence[str | Path]]) -> dict[str, TextLayout]:
        """Read each sponsor's artwork (``{sponsor or class name: files}``) once and keep where its text
        sits (:func:`vision.inference.artwork_text.text_layouts`), keyed by catalogue sponsor; return
        the layouts found (a sponsor whose artwork does not read has none, and keeps text boxes)."""
        found = text_layouts(self, {s: f for s, f in artwork.items() if f})
        self.layouts = {**self.layouts, **{entry_name(self.catalogue, s): v for s, v in found.items()}}
        return found

    def info(self) -> dict[str, Any]:
        """Return the model block of a report for the reader: its ONNX files, classes and device."""
        return {
            "weights": "rapidocr:" + "+".join(p.name for p in self.paths.values()),
            "sha256": self.sha256,
            "task": self.task,
            "classes": self.names,
            "imgsz": self.det_side,
            "device": self.device,
            "precision": self.precision,
        }

    def read_lines(self, image: np.ndarray) -> list[TextLine]:
        """Return every text line read in a BGR ``image`` with score >= ``min_score``.

        A line that names no sponsor but nearly does (:meth:`SponsorMatcher.near_miss`: the text
        detector's box often cuts a wordmark's first or last letter) is read a second time on a wider
        crop, :data:`WIDER_X` of its length longer at each end and :data:`WIDER_Y` of its height
        taller; so is a fragment (:meth:`SponsorMatcher.fragment`: 1-3 chars naming nothing, often a
        piece of a word in small lettering), on a crop :data:`FRAGMENT_WIDER_X` of its length longer at
        each end. When the second read names a sponsor it replaces the line, its polygon extended at
        each end by the characters the second read found there (:func:`regrown_line`)."""
        lines = self._detect_and_read(image)
        near = [i for i, line in enumerate(lines) if self.matcher.near_miss(line.text)]
        pieces = [i for i, line in enumerate(lines) if self.matcher.fragment(line.text)]
        # one recognition call per kind: a crop's read depends on the crops batched with it
        for again, along in ((near, WIDER_X), (pieces, FRAGMENT_WIDER_X)):
            if not again:
                continue
            crops = [crop_polygon(image, widen_line(lines[i].polygon, along, WIDER_Y)) for i in again]
            for i, (text, score) in zip(again, self.recognise(crops), strict=True):
                if score >= self.min_score and self.matcher.match_all(text, at_edge=False):
                    lines[i] = TextLine(regrown_line(lines[i], text, along), text, score)
        return lines

    def _detect_and_read(self, image: np.ndarray) -> list[TextLine]:
        """Return the text lines RapidOCR finds and reads in ``image`` with score >= ``min_score``."""
        out = self.engine(image, use_cls=False)
        boxes, txts, scores = (
            getattr(out, "boxes", None),
            getattr(out, "txts", None),
            getattr(out, "scores", None),
        )
        if boxes is None or txts is None or scores is None:
            return []
        return [
            TextLine(np.asarray(b, dtype=np.float64).reshape(4, 2), str(t), float(s))
            for b, t, s in zip(boxes, txts, scores, strict=True)
            if float(s) >= self.min_score and str(t).strip()
        ]

    def match_lines(
        self, lines: Sequence[TextLine], shape: tuple[int, int]
    ) -> list[tuple[int, float, np.ndarray]]:
        """Return ``(class index, confidence, polygon)`` for each sponsor named by ``lines`` of a frame
        of ``shape`` (height, width). Confidence is recognition score x match score, [0, 1]. The
        polygon is the whole logo's where the sponsor has a layout and the line holds the artwork's
        whole text (:func:`vision.inference.artwork_text.fits_layout`); else the part of the line the
        name covers when it covers less than :data:`WHOLE_LINE` of it (:func:`part_of_line`: two
        boards read as one line, ``WWW.SANTANDER.DE``); else the line's."""
        return self.split_lines(lines, shape)[0]

    def split_lines(
        self, lines: Sequence[TextLine], shape: tuple[int, int]
    ) -> tuple[list[tuple[int, float, np.ndarray]], list[TextLine]]:
        """Return ``(found, unmatched)``: :meth:`match_lines`'s triples, and the ``lines`` that name no
        sponsor (the "other brands seen" radar's input, :mod:`vision.inference.other_reads`).

        Two lines that name no sponsor alone but sit side by side on one row (:func:`side_by_side`)
        are also read as one line: the text detector splits a wordmark at a wide letter gap or a
        logo's colour change (``"Rhe"`` + ``"Energie"``). So are two such lines left, one above the
        other (:func:`stacked`), upper first: a two-line wordmark (``"MAINZER"`` over
        ``"STADTWERKE"``). A sponsor named by the joined line is found with the pair's joined polygon,
        and neither part is then unmatched."""
        index = {n: i for i, n in enumerate(self.names)}
        found: list[tuple[int, float, np.ndarray]] = []
        unmatched: list[TextLine] = []
        for line in lines:
            hits = self._match_line(line, shape, index)
            found += hits
            if not hits:
                unmatched.append(line)
        for pairs, polygon in ((side_by_side, _row_polygon), (stacked, _stack_polygon)):
            joined: set[int] = set()
            for i, j in pairs(unmatched):
                a, b = unmatched[i], unmatched[j]
                pair = TextLine(polygon(a.polygon, b.polygon), f"{a.text} {b.text}", min(a.score, b.score))
                hits = self._match_line(pair, shape, index)
                if hits:
                    found += hits
                    joined |= {i, j}
            unmatched = [line for k, line in enumerate(unmatched) if k not in joined]
        return found, unmatched

    def _match_line(
        self, line: TextLine, shape: tuple[int, int], index: Mapping[str, int]
    ) -> list[tuple[int, float, np.ndarray]]:
        """Return :meth:`match_lines`'s ``(class index, confidence, polygon)`` for one line; ``index``
        is ``{name: class index}`` of :attr:`names`."""
        h, w = shape
        xs, ys = line.polygon[:, 0], line.polygon[:, 1]
        at_edge = bool(
            xs.min() <= EDGE_PX or ys.min() <= EDGE_PX or xs.max() >= w - EDGE_PX or ys.max() >= h - EDGE_PX
        )
        found: list[tuple[int, float, np.ndarray]] = []
        for m in self.matcher.match_all(line.text, at_edge=at_edge):
            if m.sponsor not in index:
                continue
            layout = self.layouts.get(m.sponsor)
            polygon = line.polygon
            if layout is not None and fits_layout(line.text, layout.text or m.text):
                polygon = widen_polygon(polygon, layout)
            elif m.span[1] - m.span[0] < WHOLE_LINE:
                polygon = part_of_line(polygon, *m.span)
            found.append((index[m.sponsor], line.score * m.score, polygon))
        return found

    def predict(
        self,
        images: Sequence[np.ndarray],
        frames: Sequence[int],
        times: Sequence[float],
        imgsz: int | None = None,
    ) -> list[Detections]:
        """Read sponsors in a batch of BGR images; return one :class:`Detections` per image
        (oriented polygons of the text lines, ``source`` ``"text"``). ``imgsz`` is ignored."""
        return [
            self.detections(image, int(f), float(t))
            for image, f, t in zip(images, frames, times, strict=True)
        ]

    def detections(self, image: np.ndarray, frame: int, t: float) -> Detections:
        """Read one BGR image; return its sponsor detections (see :meth:`predict`)."""
        return self.read_frame(image, frame, t)[0]

    def read_frame(self, image: np.ndarray, frame: int, t: float) -> tuple[Detections, list[TextLine]]:
        """Read one BGR image; return its sponsor detections (see :meth:`predict`) and the lines read
        that name no sponsor."""
        found, unmatched = self.split_lines(self.read_lines(image), image.shape[:2])
        return text_detections(found, self.names, frame, t), unmatched

    def recognise(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """Read each BGR crop as one line of text (recognition only); return ``(text, score)`` per crop,
        score in [0, 1] (``("", 0.0)`` for an empty crop)."""
        good = [i for i, c in enumerate(crops) if c.size and min(c.shape[:2]) >= 2]
        out: list[tuple[str, float]] = [("", 0.0)] * len(crops)
        if not good:
            return out
        from rapidocr.ch_ppocr_rec import TextRecInput

        rec = self.engine._load_rec_model()
        res = rec(TextRecInput(img=[crops[i] for i in good]))
        for i, txt, score in zip(good, res.txts or (), res.scores or (), strict=False):
            out[i] = (str(txt), float(score))
        return out


def text_detections(
    found: Sequence[tuple[int, float, np.ndarray]], names: Sequence[str], frame: int, t: float
) -> Detections:
    """Return :class:`Detections` (source ``"text"``, polygons of the text lines in pixels, frame
    ``frame`` at ``t`` seconds) from ``(class index into names, conf, polygon)`` triples."""
    n = len(found)
    poly = np.asarray([p for _, _, p in found], dtype=np.float64).reshape(n, 4, 2)
    xyxy = np.concatenate([poly.min(axis=1), poly.max(axis=1)], axis=1) if n else np.zeros((0, 4))
    return Detections(
        xyxy,
        np.asarray([c for _, c, _ in found], dtype=np.float64),
        np.asarray([names[k] for k, _, _ in found], dtype=object),
        polygon=poly,
        frame=frame,
        time=t,
        source="text",
    )


def side_by_side(lines: Sequence[TextLine]) -> list[tuple[int, int]]:
    """Return index pairs ``(left, right)`` of ``lines`` that continue each other on one row: heights
    within :data:`JOIN_HEIGHT_RATIO` of each other, vertical overlap of at least :data:`JOIN_OVERLAP` of
    the shorter one, and the right one starting at most :data:`JOIN_GAP` line heights after the left one
    ends (and not before its middle). Each line is in at most one pair, its nearest right neighbour's."""
    boxes = [
        (p[:, 0].min(), p[:, 1].min(), p[:, 0].max(), p[:, 1].max()) for p in (ln.polygon for ln in lines)
    ]
    pairs: list[tuple[int, int]] = []
    used: set[int] = set()
    for i, (ax1, ay1, ax2, ay2) in sorted(enumerate(boxes), key=lambda kv: kv[1][0]):
        if i in used:
            continue
        best: tuple[float, int] | None = None
        for j, (bx1, by1, _, by2) in enumerate(boxes):
            if j == i or j in used:
                continue
            ha, hb = ay2 - ay1, by2 - by1
            if min(ha, hb) <= 0 or max(ha, hb) / min(ha, hb) > JOIN_HEIGHT_RATIO:
                continue
            if min(ay2, by2) - max(ay1, by1) < JOIN_OVERLAP * min(ha, hb):
                continue
            gap = bx1 - ax2
            if bx1 < (ax1 + ax2) / 2 or gap > JOIN_GAP * max(ha, hb):
                continue
            if best is None or gap < best[0]:
                best = (gap, j)
        if best is not None:
            pairs.append((i, best[1]))
            used |= {i, best[1]}
    return pairs


def _axes(polygon: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Return a line polygon's unit vectors along and across it (clockwise from the top-left) and its
    height across, pixels."""
    p = np.asarray(polygon, dtype=np.float64).reshape(4, 2)
    along = (p[1] - p[0]) + (p[2] - p[3])
    along = along / max(float(np.linalg.norm(along)), 1e-9)
    across = np.array([-along[1], along[0]])
    height = float((p[3] - p[0]) @ across + (p[2] - p[1]) @ across) / 2.0
    return along, across, abs(height)


def stacked(lines: Sequence[TextLine]) -> list[tuple[int, int]]:
    """Return index pairs ``(upper, lower)`` of ``lines`` that form a two-line wordmark, measured in
    the upper line's own axes (a tilted board tilts both): heights within :data:`STACK_HEIGHT_RATIO`
    of each other, overlapping along the line by at least :data:`STACK_OVERLAP` of the shorter one,
    and the lower line's centre :data:`STACK_BELOW` mean line heights below the upper one's. Each
    line is in at most one pair, with its nearest line below."""
    polys = [np.asarray(ln.polygon, np.float64).reshape(4, 2) for ln in lines]
    geo = [(_axes(p), p, p.mean(0)) for p in polys]
    candidates: list[tuple[float, int, int]] = []
    for i, ((u, v, ha), pa, ca) in enumerate(geo):
        for j, ((_, _, hb), pb, cb) in enumerate(geo):
            if j == i or min(ha, hb) <= 0 or max(ha, hb) / min(ha, hb) > STACK_HEIGHT_RATIO:
                continue
            below = float((cb - ca) @ v) / ((ha + hb) / 2.0)
            if not STACK_BELOW[0] <= below <= STACK_BELOW[1]:
                continue
            ta, tb = pa @ u, pb @ u
            overlap = min(ta.max(), tb.max()) - max(ta.min(), tb.min())
            if overlap < STACK_OVERLAP * min(np.ptp(ta), np.ptp(tb)):
                continue
            candidates.append((below, i, j))
    pairs: list[tuple[int, int]] = []
    used: set[int] = set()
    for _, i, j in sorted(candidates):
        if i not in used and j not in used:
            pairs.append((i, j))
            used |= {i, j}
    return pairs


def _row_polygon(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Return the polygon of two lines side by side: the left one's left end to the right one's right."""
    return np.stack([left[0], right[1], right[2], left[3]])


def _stack_polygon(upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Return the rectangle, in the upper line's axes, around two stacked lines (4, 2 pixels,
    clockwise from the top-left)."""
    u, v, _ = _axes(upper)
    pts = np.concatenate(
        [np.asarray(upper, np.float64).reshape(4, 2), np.asarray(lower, np.float64).reshape(4, 2)]
    )
    a, b = pts @ u, pts @ v
    corners = [(a.min(), b.min()), (a.max(), b.min()), (a.max(), b.max()), (a.min(), b.max())]
    return np.array([x * u + y * v for x, y in corners])


def widen_line(polygon: np.ndarray, along: float, across: float) -> np.ndarray:
    """Return ``polygon`` (4, 2 pixels, clockwise from the top-left) extended by ``along`` of its
    length at each end and by ``across`` of its height above and below, along its own axes."""
    p = np.asarray(polygon, dtype=np.float64).reshape(4, 2)
    u, v = p[1] - p[0], p[3] - p[0]
    a, b = along, across
    return np.stack([p[0] - a * u - b * v, p[1] + a * u - b * v, p[2] + a * u + b * v, p[3] - a * u + b * v])


def regrown_line(line: TextLine, text: str, most: float = WIDER_X) -> np.ndarray:
    """Return ``line``'s polygon extended to hold ``text``, a second read of a wider crop around it:
    the first read's text is found in ``text`` (OCR confusions folded) and the polygon grows by the
    characters before and after it, each as wide as the first read's characters on average, at most
    ``most`` of its length at each end (the crop's margin); pixels, (4, 2)."""
    old, new = confusable_key(line.text), confusable_key(text)
    window = best_window(old, new, len(old) // 2) if old else None
    if window is None:  # the second read holds nothing of the first: as much as it grew, evenly
        grown = max(0.0, len(new) / max(1, len(old)) - 1.0) / 2
        before = after = grown
    else:
        before, after = window[1] / len(old), (len(new) - window[2]) / len(old)
    return part_of_line(line.polygon, -min(before, most), 1.0 + min(after, most))


def part_of_line(polygon: np.ndarray, start: float, end: float) -> np.ndarray:
    """Return the part of a text line's ``polygon`` (4, 2 pixels, clockwise from the top-left) from
    ``start`` to ``end``, fractions of its length along its own reading direction; characters are
    taken as equally wide, so the part is approximate by a fraction of a character. ``start`` below 0
    or ``end`` above 1 extend the line beyond its ends."""
    p = np.asarray(polygon, dtype=np.float64).reshape(4, 2)
    top, bottom = p[1] - p[0], p[2] - p[3]
    return np.stack([p[0] + start * top, p[0] + end * top, p[3] + end * bottom, p[3] + start * bottom])


def crop_polygon(image: np.ndarray, polygon: np.ndarray, height: int = 48, pad: float = 0.15) -> np.ndarray:
    """Return the region of ``polygon`` (4, 2 pixels, clockwise from the top-left) rectified to an
    upright crop ``height`` pixels tall, widened by ``pad`` of its height on every side (BGR)."""
    p = np.asarray(polygon, dtype=np.float32)
    w = float(max(np.linalg.norm(p[1] - p[0]), np.linalg.norm(p[2] - p[3])))
    h = float(max(np.linalg.norm(p[3] - p[0]), np.linalg.norm(p[2] - p[1])))
    if w < 2 or h < 2:
        return np.zeros((0, 0, 3), dtype=np.uint8)
    if h > w:  # a vertical box: read it turned to horizontal (its long side is the text line)
        p = np.roll(p, -1, axis=0)
        w, h = h, w
    m = h * pad
    out_w = max(2, round(height * (w + 2 * m) / (h + 2 * m)))
    scale = height / (h + 2 * m)
    dst = np.float32(
        [
            [m * scale, m * scale],
            [(w + m) * scale, m * scale],
            [(w + m) * scale, (h + m) * scale],
            [m * scale, (h + m) * scale],
        ]
    )
    warp = cv2.getPerspectiveTransform(p, dst)
    return cv2.warpPerspective(
        image, warp, (out_w, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
