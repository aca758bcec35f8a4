"""Annotators: draw :class:`vision.inference.detections.Detections` on a picture, with one verb.

Like supervision's annotators, each is configured once (colours, thickness, font size) and then
``annotate(scene, detections)`` draws on the BGR ``scene`` in place and returns it. The evidence
thumbnails and best frames (:mod:`cli.evidence`), the annotated video (:mod:`cli.annotate`) and the
review contact sheet (:mod:`cli.review_sheet`) all draw through these classes; the drawing calls
themselves (outline, dashes, label sprites) are :mod:`cli.draw`'s.

Colours are ``{sponsor: "#rrggbb"}`` (:func:`cli.draw.sponsor_colors`); a sponsor not in it is
drawn white. Per-detection switches and texts come from ``detections.data`` columns (or a
field such as ``sponsor``), so a caller adds a column rather than a new annotator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import numpy as np

from cli.draw import bgr, draw_polygon, paste_label
from vision.inference.detections import Detections

#: Colour of a sponsor missing from the colours, BGR.
WHITE: tuple[int, int, int] = (255, 255, 255)
#: Colour of the dark outline under a solid polygon, BGR.
DARK: tuple[int, int, int] = (0, 0, 0)


class Annotator(Protocol):
    """Anything that draws detections on a BGR picture in place and returns it."""

    def annotate(self, scene: np.ndarray, detections: Detections) -> np.ndarray: ...


def _colors(colors: Mapping[str, str]) -> dict[str, tuple[int, int, int]]:
    return {s: bgr(c) for s, c in colors.items()}


def _column(detections: Detections, name: str) -> np.ndarray:
    """Return the per-detection values of ``name``: a ``data`` column, else a field (``sponsor`` ...)."""
    if name in detections.data:
        return np.asarray(detections.data[name])
    return np.asarray(getattr(detections, name))


class PolygonAnnotator:
    """Outlines each detection's polygon (or box corners) in its sponsor's colour.

    ``thickness`` is the outline's width in pixels. ``solid`` names a boolean column (in ``data``)
    saying which detections are drawn solid; the others are dashed, ``dashed_thickness`` pixels wide
    (default ``thickness``). ``outline`` > 0 draws a dark outline ``outline`` pixels wider under
    every solid one, so it shows on any background. Without ``solid`` every detection is solid.
    """

    def __init__(
        self,
        colors: Mapping[str, str],
        thickness: int = 2,
        outline: int = 0,
        solid: str | None = None,
        dashed_thickness: int | None = None,
    ) -> None:
        self.colors = _colors(colors)
        self.thickness = thickness
        self.outline = outline
        self.solid = solid
        self.dashed_thickness = thickness if dashed_thickness is None else dashed_thickness

    def annotate(self, scene: np.ndarray, detections: Detections) -> np.ndarray:
        """Draw the outlines on ``scene`` (BGR, in place); return ``scene``."""
        solid = (
            np.ones(len(detections), bool)
            if self.solid is None
            else _column(detections, self.solid).astype(bool)
        )
        for sponsor, poly, ok in zip(detections.sponsor, detections.corners, solid, strict=True):
            color = self.colors.get(sponsor, WHITE)
            if ok and self.outline > 0:
                draw_polygon(scene, poly, DARK, self.thickness + self.outline)
            draw_polygon(scene, poly, color, self.thickness if ok else self.dashed_thickness, solid=bool(ok))
        return scene


class LabelAnnotator:
    """Writes a label on a box of its sponsor's colour at each detection's top-left corner.

    ``text`` is the name of a column (a ``data`` column or a field, default ``sponsor``) or a
    function of the detections returning one text per detection. ``size_px`` is the font size
    in pixels; the label sits above the point ``offset`` pixels above the polygon's top-left
    (its smallest x and y), shifted into the picture when it would leave it.
    """

    def __init__(
        self,
        colors: Mapping[str, str],
        size_px: int = 12,
        text: str | Callable[[Detections], Sequence[str]] = "sponsor",
        offset: int = 0,
    ) -> None:
        self.colors = _colors(colors)
        self.size_px = size_px
        self.text = text
        self.offset = offset

    def annotate(self, scene: np.ndarray, detections: Detections) -> np.ndarray:
        """Draw the labels on ``scene`` (BGR, in place); return ``scene``."""
        texts = self.text(detections) if callable(self.text) else _column(detections, self.text)
        for sponsor, poly, text in zip(detections.sponsor, detections.corners, texts, strict=True):
            x, y = poly.min(axis=0)
            paste_label(
                scene, str(text), int(x), int(y) - self.offset, self.colors.get(sponsor, WHITE), self.size_px
            )
        return scene


def sponsor_track_labels(detections: Detections) -> list[str]:
    """Return each detection's label: its sponsor, with ``#track`` when tracked."""
    return [
        s if t < 0 else f"{s} #{t}"
        for s, t in zip(detections.sponsor, detections.track_id.tolist(), strict=True)
    ]


def annotate_each(scene: np.ndarray, detections: Detections, annotators: Sequence[Annotator]) -> np.ndarray:
    """Draw detection by detection, each through every annotator in turn, on ``scene`` (in place);
    return ``scene``. A label then stays above its own outline and below later detections' outlines,
    as SponsorLens has always drawn them."""
    for i in range(len(detections)):
        one = detections[i : i + 1]
        for a in annotators:
            a.annotate(scene, one)
    return scene


def scaled(detections: Detections, factor: float) -> Detections:
    """Return ``detections`` with boxes and polygons multiplied by ``factor`` (for a resized picture)."""
    out = detections[:]
    out.xyxy = detections.xyxy * factor
    out.polygon = None if detections.polygon is None else detections.polygon * factor
    return out
