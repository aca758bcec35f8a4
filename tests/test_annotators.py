"""The annotators of ``cli/annotators.py`` on a real picture: outlines in the sponsor's colour where the
detection is, dashed ones with gaps, labels on a box of that colour, and the shared draw order."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from cli.annotators import (
    LabelAnnotator,
    PolygonAnnotator,
    annotate_each,
    scaled,
    sponsor_track_labels,
)
from cli.draw import bgr, sponsor_colors
from vision.inference.detections import Detections

REPO = Path(__file__).resolve().parent.parent
COLORS = sponsor_colors(["Apexa", "Boltline"])


def scene() -> np.ndarray:
    """A real picture: the Apexa and Boltline artwork side by side on grey, 640 x 360."""
    img = np.full((360, 640, 3), 128, np.uint8)
    for k, name in enumerate(["Apexa", "Boltline"]):
        art = cv2.imread(str(REPO / "weights" / "demo_artwork" / f"{name}.png"))
        art = cv2.resize(art, (240, round(240 * art.shape[0] / art.shape[1])))
        img[150 : 150 + art.shape[0], 40 + 320 * k : 40 + 320 * k + art.shape[1]] = art
    return img


def detections() -> Detections:
    """Apexa boxed (tracked, qualifying) and Boltline as a tilted polygon (untracked, not qualifying)."""
    poly = np.array([[[350.0, 140], [600, 150], [596, 230], [346, 220]]])
    both = Detections.merge(
        [
            Detections([[40.0, 140, 280, 220]], [0.9], ["Apexa"], track_id=7),
            Detections(np.array([[346.0, 140, 600, 230]]), [0.6], ["Boltline"], polygon=poly),
        ]
    )
    both.data["qualifies"] = np.array([True, False])
    return both


def _is(img: np.ndarray, y: int, x: int, color: tuple[int, int, int], tol: int = 40) -> bool:
    return bool(np.abs(img[y, x].astype(int) - color).max() <= tol)


def test_polygon_annotator_outlines_in_the_sponsor_colour_solid_and_dashed() -> None:
    img = scene()
    before = img.copy()
    out = PolygonAnnotator(COLORS, 3, outline=2, solid="qualifies").annotate(img, detections())
    assert out is img
    apexa, bolt = bgr(COLORS["Apexa"]), bgr(COLORS["Boltline"])
    # the solid box: its colour along the whole top edge, with the dark outline just outside it
    assert all(_is(img, 140, x, apexa) for x in range(50, 270, 5))
    assert _is(img, 137, 160, (0, 0, 0), tol=45) and _is(img, 143, 160, (0, 0, 0), tol=45)
    # the dashed polygon: its colour on the left edge, with gaps (the picture shows between dashes)
    left = [_is(img, y, round(350 - 4 * (y - 140) / 80), bolt) for y in range(142, 219)]
    assert 0.25 < np.mean(left) < 0.85
    # inside the outlines the picture is untouched
    assert np.array_equal(img[160:200, 60:260], before[160:200, 60:260])
    assert np.array_equal(img[165:205, 370:570], before[165:205, 370:570])


def test_label_annotator_writes_each_label_above_its_detection() -> None:
    img = scene()
    d = detections()
    LabelAnnotator(COLORS, 16, text=sponsor_track_labels, offset=3).annotate(img, d)
    assert sponsor_track_labels(d) == ["Apexa #7", "Boltline"]
    apexa = bgr(COLORS["Apexa"])
    box = np.all(np.abs(img[110:137, 40:140].astype(int) - apexa) <= 2, axis=2)
    assert box.mean() > 0.5  # the label's box, in the sponsor's colour, just above the detection
    assert (~box).sum() > 30  # ... with text written on it
    assert np.array_equal(img[145:, :], scene()[145:, :])  # nothing drawn below the label's anchor row
    # a column of data as the text, a sponsor without a colour drawn on white
    other = scene()
    d.data["n"] = np.array(["1", "2"])
    d.sponsor = np.array(["Apexa", "Unknown"], dtype=object)
    LabelAnnotator(COLORS, 12, text="n").annotate(other, d)
    assert (np.abs(other[120:140, 346:370].astype(int) - 255).max(axis=2) == 0).mean() > 0.3


def test_annotate_each_draws_detection_by_detection_and_scaled_matches_a_resized_picture() -> None:
    d = detections()
    annotators = (PolygonAnnotator(COLORS, 2), LabelAnnotator(COLORS, 12))
    a = annotate_each(scene(), d, annotators)
    b = scene()
    for i in range(len(d)):
        for an in annotators:
            an.annotate(b, d[[i]])
    assert np.array_equal(a, b)
    half = scaled(d, 0.5)
    np.testing.assert_array_equal(half.corners, d.corners * 0.5)
    assert d.xyxy[0, 2] == 280  # the original is left as it was
    small = cv2.resize(scene(), (320, 180), interpolation=cv2.INTER_AREA)
    PolygonAnnotator(COLORS, 2).annotate(small, half)
    assert _is(small, 70, 70, bgr(COLORS["Apexa"]))
