"""A real analysis directory built without a model: a video drawn with OpenCV, its true logo
positions as detections, scored by ``measure.quality`` and aggregated by ``measure.exposure``.

Used by the report, compare, evidence and annotate tests (and to look at the report by eye).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from measure.exposure import aggregate
from measure.folder import write_analysis
from measure.records import DETECTION_COLUMNS, QUALITY_COLUMNS, Timeline
from measure.settings import MeasureSettings, RateCard
from measure.store import tool_info
from vision.inference.quality import frame_quality


@dataclass(frozen=True)
class Logo:
    """A logo on screen from frame ``first`` to ``last`` (inclusive), moving linearly.

    ``xy`` is its top-left corner at ``first`` and ``v`` its velocity (pixels per frame); ``angle``
    (degrees) turns it into an oriented detection; ``blur`` (pixels) makes it less legible.
    """

    sponsor: str
    first: int
    last: int
    xy: tuple[float, float]
    size: tuple[int, int]
    color: tuple[int, int, int]
    v: tuple[float, float] = (0.0, 0.0)
    angle: float = 0.0
    blur: float = 0.0
    track: int = 0


def _poly(logo: Logo, i: int) -> np.ndarray:
    x = logo.xy[0] + logo.v[0] * (i - logo.first)
    y = logo.xy[1] + logo.v[1] * (i - logo.first)
    w, h = logo.size
    if logo.angle:
        pts = cv2.boxPoints(((x + w / 2, y + h / 2), (w, h), logo.angle))
        return np.asarray(pts, dtype=float)
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], dtype=float)


def _background(i: int, cut: int | None, width: int, height: int) -> np.ndarray:
    img = np.zeros((height, width, 3), np.uint8)
    if cut is None or i < cut:
        img[:] = (40, 120, 40)  # pitch
        cv2.line(img, (width // 2, 0), (width // 2, height), (230, 230, 230), 2)
        cv2.circle(img, (width // 2, height // 2), height // 5, (230, 230, 230), 2)
    else:
        img[:] = (90, 60, 30)  # a different camera
        cv2.rectangle(img, (0, height * 2 // 3), (width, height), (50, 50, 50), -1)
    return img


def _draw(img: np.ndarray, logo: Logo, poly: np.ndarray) -> None:
    """Paint the logo (filled polygon, white letters, optional blur) into ``img`` in place."""
    pad = int(3 * logo.blur) + 2
    x0, y0 = np.maximum(np.floor(poly.min(0)).astype(int) - pad, 0)
    x1, y1 = np.minimum(np.ceil(poly.max(0)).astype(int) + pad, (img.shape[1], img.shape[0]))
    if x1 <= x0 or y1 <= y0:
        return
    roi = img[y0:y1, x0:x1]
    layer = np.zeros_like(roi)
    mask = np.zeros(roi.shape[:2], np.uint8)
    pts = np.round(poly - (x0, y0)).astype(np.int32)
    cv2.fillPoly(layer, [pts], logo.color)
    cv2.fillPoly(mask, [pts], 255)
    c = pts.mean(axis=0).astype(int)
    scale = max(logo.size[1] / 40, 0.3)
    text = "".join(ch for ch in logo.sponsor if ch.isascii())[:6].upper()
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
    cv2.putText(
        layer,
        text,
        (int(c[0] - tw / 2), int(c[1] + th / 2)),
        cv2.FONT_HERSHEY_SIMPLEX,
        scale,
        (255, 255, 255),
        2,
        cv2.LINE_AA,
    )
    if logo.blur:
        layer = cv2.GaussianBlur(layer, (0, 0), logo.blur)
        mask = cv2.GaussianBlur(mask, (0, 0), logo.blur)
    a = (mask.astype(np.float32) / 255)[..., None]
    roi[:] = (roi * (1 - a) + layer * a).astype(np.uint8)


def write_video(
    path: Path, logos: list[Logo], n_frames: int, fps: float, size: tuple[int, int], cut: int | None
) -> pd.DataFrame:
    """Write the clip (mp4v) and return its true detections, scored by ``measure.quality``."""
    width, height = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    assert writer.isOpened()
    parts = []
    for i in range(n_frames):
        img = _background(i, cut, width, height)
        on = [lg for lg in logos if lg.first <= i <= lg.last]
        polys = np.array([_poly(lg, i) for lg in on]).reshape(-1, 4, 2)
        for lg, p in zip(on, polys, strict=True):
            _draw(img, lg, p)
        writer.write(img)
        if not on:
            continue
        q = frame_quality(img, polys)
        xy = np.stack(
            [polys[:, :, 0].min(1), polys[:, :, 1].min(1), polys[:, :, 0].max(1), polys[:, :, 1].max(1)], 1
        )
        oriented = np.array([bool(lg.angle) for lg in on])
        part = {
            "frame": i,
            "t": i / fps,
            "sponsor": [lg.sponsor for lg in on],
            "conf": 0.9,
            "x1": xy[:, 0], "y1": xy[:, 1], "x2": xy[:, 2], "y2": xy[:, 3],
            "track_id": [lg.track for lg in on],
            "shot": 0 if cut is None or i < cut else 1,
            "source": "model",
        }  # fmt: skip
        for k in range(4):
            part[f"px{k}"] = np.where(oriented, polys[:, k, 0], np.nan)
            part[f"py{k}"] = np.where(oriented, polys[:, k, 1], np.nan)
        part.update(q)
        parts.append(pd.DataFrame(part))
    writer.release()
    cols = [c for c in (*DETECTION_COLUMNS, *QUALITY_COLUMNS) if c != "qualifies"]
    df = pd.concat(parts, ignore_index=True)[cols]
    return df.astype({c: DETECTION_COLUMNS.get(c) or QUALITY_COLUMNS[c] for c in cols})


#: The default scene: three sponsors on screen at different times, one oriented and moving, one
#: blurred for a while (so not every detection counts), a unicode name with a slash, and a
#: sponsor the model knows that never appears.
SPONSORS = ["Apexa", "Boltline", "Café Noir/Ü", "Dunmore"]


def default_logos(n: int, width: int, height: int) -> list[Logo]:
    s = width / 640
    return [
        Logo(
            "Apexa", 0, int(n * 0.45), (40 * s, 30 * s), (int(150 * s), int(48 * s)), (40, 40, 200), track=1
        ),
        Logo(
            "Apexa",
            int(n * 0.6),
            n - 1,
            (380 * s, 250 * s),
            (int(200 * s), int(60 * s)),
            (40, 40, 200),
            track=4,
        ),
        Logo(
            "Boltline",
            int(n * 0.2),
            int(n * 0.8),
            (260 * s, 150 * s),
            (int(120 * s), int(40 * s)),
            (200, 120, 20),
            v=(0.4 * s, 0.1 * s),
            angle=12.0,
            track=2,
        ),
        Logo(
            "Café Noir/Ü",
            int(n * 0.3),
            int(n * 0.55),
            (60 * s, 260 * s),
            (int(110 * s), int(40 * s)),
            (30, 160, 230),
            track=3,
        ),
        Logo(
            "Café Noir/Ü",
            int(n * 0.56),
            int(n * 0.7),
            (60 * s, 260 * s),
            (int(110 * s), int(40 * s)),
            (30, 160, 230),
            blur=14.0 * s,
            track=3,
        ),
    ]


def build_analysis(
    root: Path,
    name: str = "match",
    seconds: float = 6.0,
    fps: float = 25.0,
    size: tuple[int, int] = (640, 360),
    logos: list[Logo] | None = None,
    sponsors: list[str] | None = None,
    rate_card: RateCard | None = None,
    stopped: dict | None = None,
) -> tuple[Path, Path]:
    """Write ``root/<name>.mp4`` and its analysis directory ``root/<name>``; return both paths."""
    n = round(seconds * fps)
    width, height = size
    video = root / f"{name}.mp4"
    sponsors = sponsors or SPONSORS
    cut = n // 2
    dets = write_video(
        video, logos if logos is not None else default_logos(n, width, height), n, fps, size, cut
    )
    timeline = Timeline(
        times=np.arange(n) / fps,
        frames=np.arange(n),
        duration_s=n / fps,
        width=width,
        height=height,
        cuts_s=(cut / fps,),
    )
    settings = MeasureSettings()
    rc = (
        rate_card
        if rate_card is not None
        else RateCard(currency="EUR", default_per_s=100.0, rates={"Apexa": 250.0})
    )
    exp = aggregate(dets, timeline, settings, rc, sponsors=sponsors)
    report = {
        "source": {
            "path": str(video),
            "kind": "video",
            "duration_s": n / fps,
            "fps": fps,
            "width": width,
            "height": height,
            "frames": n,
            "analysed_frames": n,
            "cuts_s": [cut / fps],
        },
        "model": {
            "weights": "weights/demo.pt",
            "sha256": "0123456789abcdef" * 4,
            "task": "obb",
            "classes": sponsors,
            "imgsz": 640,
            "device": "cpu",
        },
        "settings": {
            **settings.model_dump(),
            "sample_fps": None,
            "conf": 0.25,
            "imgsz": 640,
            "device": "cpu",
            "track_memory_s": 1.0,
            "rate_card": rc.model_dump(),
            "sponsors": None,
        },
        "tool": tool_info(),
        "stopped": stopped,
    }
    out = root / name
    write_analysis(out, report, exp.sponsors, exp.detections, segments=exp.segments, context=exp.context)
    return video, out
