"""The review contact sheet: one self-contained HTML page of the detections the model is unsure of."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from cli.annotators import LabelAnnotator, PolygonAnnotator, annotate_each, scaled
from cli.draw import sponsor_colors
from vision.training.footage import FootageFrame

#: Width of a frame thumbnail and height of a zoomed crop on the sheet, pixels.
THUMB_W = 480
CROP_H = 96

_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
h1{font-size:1.4rem} .frame{border:1px solid #ccc;border-radius:6px;padding:.6rem;margin:1rem 0}
.frame h2{font-size:1rem;margin:.2rem 0 .5rem} .crops{display:flex;flex-wrap:wrap;gap:.6rem}
.crop{text-align:center;font-size:.8rem} .crop img{display:block;border:2px solid #e67e22}
.sure img{border-color:#27ae60} code{background:#f3f3f3;padding:0 .2rem}
"""


def _data_uri(image: np.ndarray) -> str:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise OSError("could not encode a contact-sheet image")
    return "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode("ascii")


def _thumbnail(
    image: np.ndarray, frame: FootageFrame, sure: np.ndarray, colors: dict[str, str]
) -> np.ndarray:
    """Return the frame's thumbnail (BGR, ``THUMB_W`` wide): every detection outlined in its sponsor's
    colour (solid: ``sure``, dashed: uncertain) and numbered from 1 in detection order."""
    scale = THUMB_W / image.shape[1]
    thumb = cv2.resize(image, (THUMB_W, max(1, round(image.shape[0] * scale))), interpolation=cv2.INTER_AREA)
    dets = scaled(frame.dets, scale)
    dets.data.update(sure=np.asarray(sure, bool), number=np.array([f"{i + 1}" for i in range(len(dets))]))
    annotators = (PolygonAnnotator(colors, 2, solid="sure"), LabelAnnotator(colors, 12, text="number"))
    return annotate_each(thumb, dets, annotators)


def _crop(image: np.ndarray, xyxy: np.ndarray) -> np.ndarray:
    x1, y1, x2, y2 = xyxy
    pad = 0.3 * max(x2 - x1, y2 - y1)
    h, w = image.shape[:2]
    a, b = int(max(0, x1 - pad)), int(max(0, y1 - pad))
    c, d = int(min(w, x2 + pad)), int(min(h, y2 + pad))
    crop = image[b:d, a:c].copy()
    cv2.rectangle(crop, (int(x1 - a), int(y1 - b)), (int(x2 - a), int(y2 - b)), (0, 140, 255), 1)
    s = CROP_H / max(1, crop.shape[0])
    return cv2.resize(crop, (max(1, round(crop.shape[1] * s)), CROP_H), interpolation=cv2.INTER_CUBIC)


def write_sheet(
    path: str | Path,
    frames: Sequence[FootageFrame],
    sure: Sequence[np.ndarray],
    names: Sequence[str],
    keep_conf: float,
    notes: Sequence[Sequence[str]] | None = None,
) -> Path:
    """Write the contact sheet of ``frames`` (with their ``sure`` masks) to ``path``; return it.

    Each frame shows a thumbnail with every detection numbered (solid outline: sure, dashed:
    uncertain) and a zoomed crop of each detection with its sponsor and confidence, followed by
    ``notes[frame][detection]`` when given (what the text reader read there).
    """
    colors = sponsor_colors(names)
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>SponsorLens review</title>",
        f"<style>{_CSS}</style></head><body><h1>Detections to review ({len(frames)} frames)</h1>",
        "<p>Orange crops are uncertain (confidence below "
        f"{keep_conf:g}, or not confirmed over time or at a second size); green ones are sure. Each "
        "frame's label file in <code>labels/</code> holds all of them, numbered as here. Delete the "
        "wrong lines, fix boxes, add missed logos (any YOLO labelling tool opens the folder), then "
        "run <code>sponsorlens train ... --labels THIS_FOLDER</code>.</p>",
    ]
    for k, (f, s) in enumerate(zip(frames, sure, strict=True)):
        image = cv2.imread(str(f.path))
        if image is None:
            raise OSError(f"{f.path}: sampled frame is missing")
        where = f"{html.escape(Path(f.source).name)}" + (f" at {f.t:.2f} s" if f.is_video else "")
        parts.append(f"<div class='frame'><h2>{html.escape(f.stem)}: {where}</h2>")
        parts.append(f"<img alt='{html.escape(f.stem)}' src='{_data_uri(_thumbnail(image, f, s, colors))}'>")
        parts.append("<div class='crops'>")
        for i in np.argsort(f.dets.confidence):
            sponsor = html.escape(f.dets.sponsor[i])
            cls = "crop sure" if s[i] else "crop"
            note = f"<br>{html.escape(notes[k][i])}" if notes is not None and notes[k][i] else ""
            parts.append(
                f"<div class='{cls}'><img alt='{sponsor}' src='{_data_uri(_crop(image, f.dets.xyxy[i]))}'>"
                f"#{i + 1} {sponsor} {f.dets.confidence[i]:.2f}{note}</div>"
            )
        parts.append("</div></div>")
    parts.append("</body></html>")
    out = Path(path)
    out.write_text("\n".join(parts), encoding="utf-8")
    return out
