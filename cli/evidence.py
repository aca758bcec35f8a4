"""Evidence thumbnails: the frames behind the numbers, with the counted logo boxed and labelled.

Two uses, one sequential decode of the video (:func:`write_thumbnails`):

* ``DIR/frames/best_<sponsor>.jpg``: each sponsor's best frame (``best_frame`` of the sponsors
  table), shown in the HTML report;
* ``DIR/frames/other_<brand>.jpg``: a crop around each other brand's best read (the ambush radar,
  :mod:`measure.ambush`), shown in the HTML report's "Other brands seen";
* ``--evidence EVDIR``: one thumbnail per exposure segment (its ``best_frame``), named
  ``<segment>_<sponsor>_<start_frame>-<end_frame>.jpg`` where ``<segment>`` is the 0-based row of
  ``segments.csv``, plus ``index.csv`` mapping every segment to its frame numbers, timestamps
  and file, so any disputed second can be checked by eye.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from cli.annotators import LabelAnnotator, PolygonAnnotator, annotate_each, scaled, sponsor_track_labels
from cli.draw import paste_label, sponsor_colors
from measure.errors import InputError, OutputError
from measure.store import atomic_dir, check_output_dir, only_files, write_bytes_atomic
from vision.inference.detections import Detections
from vision.inference.faces import Anonymiser, anonymiser

#: Long side of a thumbnail, pixels.
THUMB_SIDE_PX = 960
JPEG_QUALITY = 88

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str, max_len: int = 60) -> str:
    """Return a file-name-safe ASCII form of ``name`` (unique per name).

    Accents are dropped, other characters become ``_``; when anything had to change, 8 hex digits
    of the name's SHA-1 are appended so different names never share a file.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    cleaned = _UNSAFE.sub("_", ascii_name).strip("._-")[:max_len]
    if cleaned == name and cleaned:
        return cleaned
    digest = hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{cleaned}-{digest}" if cleaned else f"sponsor-{digest}"


def best_frame_file(sponsor: str) -> str:
    """Return the file name of a sponsor's best-frame thumbnail inside ``DIR/frames``."""
    return f"best_{safe_name(sponsor)}.jpg"


def other_brand_file(brand: str) -> str:
    """Return the file name of an other brand's thumbnail (a crop around its best read) in ``DIR/frames``."""
    return f"other_{safe_name(brand)}.jpg"


#: Margin around an other brand's read in its thumbnail: this many line heights on every side ...
CROP_MARGIN_LINES = 1.5
#: ... and the crop is at least this many pixels wide and high (where the frame allows).
CROP_MIN_PX = (320, 180)


def brand_crop(box: Sequence[float], width: int, height: int) -> tuple[int, int, int, int]:
    """Return the ``(x1, y1, x2, y2)`` pixels of the crop around a read's ``box`` (xyxy pixels) in a
    ``width`` x ``height`` frame: the box widened by :data:`CROP_MARGIN_LINES` of its height on every
    side, at least :data:`CROP_MIN_PX`, kept inside the frame."""
    x1, y1, x2, y2 = (float(v) for v in box)
    m = CROP_MARGIN_LINES * max(y2 - y1, 1.0)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    half_w = max((x2 - x1) / 2 + m, CROP_MIN_PX[0] / 2)
    half_h = max((y2 - y1) / 2 + m, CROP_MIN_PX[1] / 2)
    left, top = max(0, round(cx - half_w)), max(0, round(cy - half_h))
    right, bottom = min(width, round(cx + half_w)), min(height, round(cy + half_h))
    return left, top, max(right, left + 1), max(bottom, top + 1)


def segment_file(index: int, sponsor: str, start_frame: int, end_frame: int) -> str:
    """Return the evidence thumbnail name of segment ``index`` (0-based row of ``segments.csv``)."""
    return f"{index:04d}_{safe_name(sponsor)}_{int(start_frame)}-{int(end_frame)}.jpg"


@dataclass(frozen=True)
class Shot:
    """One thumbnail to write: which frame, which file, and the detections to draw on it (pixels
    of the decoded frame, each labelled with its sponsor and track); ``caption`` (may be empty) is
    written along the bottom of the picture.
    """

    frame: int
    path: Path
    detections: Detections
    caption: str
    around: tuple[float, float, float, float] | None = None  # xyxy pixels: show only a crop around it


def _detections(dets: pd.DataFrame, frame: int, sponsor: str) -> Detections:
    """Return the sponsor's detections on ``frame`` (only the qualifying ones if any)."""
    if dets.empty or not {"frame", "sponsor"} <= set(dets.columns):
        return Detections.empty()
    sel = dets[(dets["frame"] == frame) & (dets["sponsor"] == sponsor)]
    if "qualifies" in sel and sel["qualifies"].any():
        sel = sel[sel["qualifies"].astype(bool)]
    return Detections.from_frame(sel)


def _render(image: np.ndarray, shot: Shot, colors: dict[str, str]) -> np.ndarray:
    """Return the thumbnail (BGR): the frame (or the crop around the shot's ``around`` box,
    :func:`brand_crop`) scaled to ``THUMB_SIDE_PX``, outlines, labels and caption."""
    if shot.around is not None:
        x1, y1, x2, y2 = brand_crop(shot.around, image.shape[1], image.shape[0])
        image = image[y1:y2, x1:x2]
    h, w = image.shape[:2]
    scale = min(1.0, THUMB_SIDE_PX / max(h, w))
    img = (
        cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        if scale < 1
        else (image.copy())
    )
    th, tw = img.shape[:2]
    line = max(2, round(max(th, tw) / 300))
    font = max(14, round(max(th, tw) / 36))
    annotators = (
        PolygonAnnotator(colors, line, outline=2),  # the dark outline keeps the box visible on any background
        LabelAnnotator(colors, font, text=sponsor_track_labels, offset=line),
    )
    annotate_each(img, scaled(shot.detections, scale), annotators)
    if shot.caption:
        paste_label(img, shot.caption, 0, th, (32, 32, 32), max(12, round(font * 0.75)), above=True)
    return img


def _logo_corners(dets: pd.DataFrame) -> dict[int, np.ndarray]:
    """Return {frame: (N, 4, 2) corners of every logo detected on it}: the pixels kept sharp."""
    if dets.empty or "frame" not in dets.columns:
        return {}
    return {int(f): Detections.from_frame(g).corners for f, g in dets.groupby("frame")}


def write_shots(
    video: str | Path,
    shots: Sequence[Shot],
    colors: dict[str, str],
    anonymise: Anonymiser | None = None,
    keep: Mapping[int, np.ndarray] | None = None,
) -> list[Path]:
    """Decode ``video`` once, from the start, and write every shot's JPEG; return the files written.

    With ``anonymise`` the faces on each frame are blurred first, except inside the ``keep``
    polygons of that frame (``{frame: (N, 4, 2) pixels}``, the logos found on it).

    Frames are matched by decoded-frame index; decoding stops after the last frame needed. A shot
    whose frame is never reached (damaged video) is skipped. Raises :class:`OutputError` if a file
    cannot be written.
    """
    from vision.io.sources import open_video

    by_frame: dict[int, list[Shot]] = defaultdict(list)
    for s in shots:
        by_frame[int(s.frame)].append(s)
    if not by_frame:
        return []
    last = max(by_frame)
    written: list[Path] = []
    with open_video(video) as source:
        for frame in source:
            todo = by_frame.get(frame.index, ())
            image = frame.image
            if todo and anonymise is not None:
                image = anonymise(image.copy(), (keep or {}).get(frame.index, ()))
            for shot in todo:
                img = _render(image, shot, colors)
                _write_jpeg(shot.path, img)
                written.append(shot.path)
            if frame.index >= last:
                break
    return written


def _write_jpeg(path: Path, img: np.ndarray) -> None:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise OutputError(f"{path}: cannot encode JPEG")
    write_bytes_atomic(path, buf.tobytes())


def _fmt_t(t: float) -> str:
    m, s = divmod(max(float(t), 0.0), 60.0)
    return f"{int(m)}:{s:06.3f}"


#: Columns of ``index.csv``: segment row, sponsor, frame numbers, seconds, shown frame, file.
INDEX_COLUMNS = [
    "segment", "sponsor", "start_frame", "end_frame", "start_s", "end_s", "duration_s",
    "best_frame", "best_t", "file",
]  # fmt: skip


def is_evidence_dir(path: Path) -> bool:
    """True when ``path`` holds an earlier evidence folder and nothing else: an ``index.csv`` with
    the :data:`INDEX_COLUMNS` header and ``.jpg`` thumbnails."""
    try:
        with open(path / "index.csv", encoding="utf-8") as f:
            header = f.readline().strip().split(",")
        csvs = [p.name for p in path.iterdir() if p.suffix == ".csv"]
        return (
            header[: len(INDEX_COLUMNS)] == INDEX_COLUMNS
            and csvs == ["index.csv"]
            and (only_files(path, (".jpg", ".csv")))
        )
    except (OSError, UnicodeDecodeError):
        return False


def check_evidence_dir(path: Path) -> None:
    """Raise :class:`measure.store.OutputError` when ``path`` cannot take an evidence directory: an
    existing file, or a non-empty directory that is not an earlier evidence directory
    (:func:`is_evidence_dir`), so ``--evidence .`` can never replace the user's files. Call it
    before a long analysis."""
    check_output_dir(path, is_evidence_dir, "evidence folder")


def _evidence_dir(path: Path) -> contextlib.AbstractContextManager[Path]:
    """Return :func:`measure.store.atomic_dir` for ``path`` (written whole, replacing an old one)."""
    return atomic_dir(path, is_evidence_dir, "evidence folder")


def _segment_shots(
    segments_df: pd.DataFrame, detections_df: pd.DataFrame, directory: Path, shots: list[Shot]
) -> pd.DataFrame:
    """Append one shot per segment (its best frame) to ``shots``; return the evidence index table."""
    rows = []
    for i, seg in enumerate(segments_df.itertuples(index=False)):
        sponsor = str(seg.sponsor)
        frame = int(seg.best_frame)
        name = segment_file(i, sponsor, seg.start_frame, seg.end_frame)
        caption = (
            f"#{i} {sponsor} · frames {int(seg.start_frame)}-{int(seg.end_frame)} · "
            f"{_fmt_t(seg.start_s)}-{_fmt_t(seg.end_s)} · shown: frame {frame}"
        )
        shots.append(Shot(frame, directory / name, _detections(detections_df, frame, sponsor), caption))
        rows.append(
            {
                "segment": i,
                "sponsor": sponsor,
                "start_frame": int(seg.start_frame),
                "end_frame": int(seg.end_frame),
                "start_s": float(seg.start_s),
                "end_s": float(seg.end_s),
                "duration_s": float(seg.duration_s),
                "best_frame": frame,
                "best_t": float(seg.best_t),
                "file": name,
            }
        )
    return pd.DataFrame(rows, columns=INDEX_COLUMNS)


def write_thumbnails(
    out_dir: Path,
    video: str | Path,
    sponsors_df: pd.DataFrame,
    segments_df: pd.DataFrame,
    detections_df: pd.DataFrame,
    evidence_dir: Path | None = None,
    classes: Sequence[str] | None = None,
    anonymise: bool = True,
    other_brands: pd.DataFrame | None = None,
) -> dict[str, Path]:
    """Write each sponsor's best frame to ``out_dir/frames`` and, with ``evidence_dir``, one
    thumbnail per segment plus ``evidence_dir/index.csv``; decode ``video`` once for both.
    ``other_brands`` (:data:`measure.ambush.OTHER_BRAND_COLUMNS`) adds a crop around each other
    brand's best read (:func:`other_brand_file`), its text kept sharp like the logos.

    ``classes`` orders the sponsor colours (the model's class order; default: the sponsors table).
    ``anonymise`` blurs the faces on every picture (:mod:`vision.inference.faces`), not the logos.
    Returns ``{sponsor: best-frame file}`` for the thumbnails written. Sponsors without a
    ``best_frame`` (never seen) get none. ``evidence_dir`` is written whole or not at all (through a
    temporary directory), replacing an earlier evidence directory there. A live stream cannot be
    decoded again: for a stream URL nothing is written and ``{}`` returned, or ValueError raised
    when ``evidence_dir`` is asked for.
    Raises :class:`OutputError` when a file cannot be written.
    """
    from vision.io.sources import is_stream_url

    if is_stream_url(video):
        if evidence_dir is not None:
            raise InputError(f"{video}: --evidence needs a video file; a live stream cannot be read twice")
        return {}
    names = list(classes or []) + [str(s) for s in sponsors_df.get("sponsor", pd.Series(dtype=object))]
    colors = sponsor_colors(names)
    frames_dir = Path(out_dir) / "frames"
    try:
        frames_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"{frames_dir}: cannot create directory: {e.strerror or e}") from None
    shots: list[Shot] = []
    best: dict[str, Path] = {}
    for row in sponsors_df.itertuples(index=False):
        frame = getattr(row, "best_frame", None)
        if frame is None or pd.isna(frame) or int(frame) < 0:
            continue  # never visible
        sponsor, frame = str(row.sponsor), int(frame)
        path = frames_dir / best_frame_file(sponsor)
        shots.append(Shot(frame, path, _detections(detections_df, frame, sponsor), ""))
        best[sponsor] = path
    keep = _logo_corners(detections_df)
    for row in (other_brands if other_brands is not None else pd.DataFrame()).itertuples(index=False):
        box = (float(row.best_x1), float(row.best_y1), float(row.best_x2), float(row.best_y2))
        frame = int(row.best_frame)
        shots.append(Shot(frame, frames_dir / other_brand_file(str(row.brand)), Detections.empty(), "", box))
        corners = np.array([[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]]])[None]
        keep[frame] = np.concatenate([keep[frame], corners]) if frame in keep else corners

    evidence = _evidence_dir(Path(evidence_dir)) if evidence_dir is not None else contextlib.nullcontext(None)
    with evidence as ev_tmp:
        index = _segment_shots(segments_df, detections_df, ev_tmp, shots) if ev_tmp is not None else None
        blur = anonymiser(anonymise) if shots else None
        written = set(write_shots(video, shots, colors, blur, keep if blur else None))
        if ev_tmp is not None and index is not None:
            index["written"] = [ev_tmp / f in written for f in index["file"]]
            try:
                index.to_csv(ev_tmp / "index.csv", index=False)
            except OSError as e:
                raise OutputError(f"{evidence_dir}/index.csv: cannot write: {e.strerror or e}") from None
    return {s: p for s, p in best.items() if p in written}
