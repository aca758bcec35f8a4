"""Per-detection quality on logos rendered with OpenCV, and exact union areas."""

from __future__ import annotations

import itertools
import math

import cv2
import numpy as np
import pandas as pd
import pytest

from measure.methodology import METRICS
from measure.quality import (
    LEGIBLE_SIDE_PX,
    REFERENCE_SIDE_PX,
    detection_quality,
    qualifies,
    reference_sides,
    short_sides,
    union_share,
    zones_and_centrality,
)
from measure.records import DETECTION_COLUMNS, QUALITY_COLUMNS, ZONES
from measure.settings import MeasureSettings
from vision.inference.quality import frame_quality, score_detections

W, H = 640, 360
GRASS, BOARD, WHITE, YELLOW = (40, 110, 30), (200, 40, 20), (255, 255, 255), (0, 200, 255)


def box_poly(x1: float, y1: float, x2: float, y2: float) -> np.ndarray:
    return np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]], dtype=float)


def render_logo(
    height_px: int,
    x: int = 200,
    y: int = 150,
    board: tuple[int, int, int] = BOARD,
    ink: tuple[int, int, int] = WHITE,
    mark: tuple[int, int, int] = YELLOW,
    text: str = "ACME",
) -> tuple[np.ndarray, np.ndarray]:
    """Return a pitch-green frame with a 3:1 sponsor board (text + round mark) and its polygon."""
    img = np.full((H, W, 3), GRASS, np.uint8)
    w = 3 * height_px
    cv2.rectangle(img, (x, y), (x + w - 1, y + height_px - 1), board, -1)
    scale = cv2.getFontScaleFromHeight(cv2.FONT_HERSHEY_DUPLEX, int(height_px * 0.55), 2)
    thick = max(1, height_px // 20)
    org = (x + int(0.08 * w), y + int(0.78 * height_px))
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_DUPLEX, scale, ink, thick, cv2.LINE_AA)
    cv2.circle(img, (x + int(0.9 * w), y + height_px // 2), height_px // 4, mark, -1, cv2.LINE_AA)
    return img, box_poly(x, y, x + w, y + height_px)[None]


def blurred(img: np.ndarray, sigma: float) -> np.ndarray:
    return img if sigma == 0 else cv2.GaussianBlur(img, (0, 0), sigma)


SIGMAS = [0, 0.5, 1, 1.5, 2, 3, 4, 6, 8]


@pytest.mark.parametrize("height_px", [24, 60, 150])
def test_clarity_falls_strictly_as_blur_rises(height_px: int) -> None:
    img, poly = render_logo(height_px)
    scores = [frame_quality(blurred(img, s), poly) for s in SIGMAS]
    clarity = [float(s["clarity"][0]) for s in scores]
    sharpness = [float(s["sharpness"][0]) for s in scores]
    assert all(a > b for a, b in itertools.pairwise(clarity)), clarity
    assert all(a > b for a, b in itertools.pairwise(sharpness)), sharpness
    # ... and rises again as blur falls: read backwards, the sequence is strictly increasing
    assert clarity[::-1] == sorted(clarity)


def test_sharpness_does_not_depend_on_logo_size() -> None:
    for sigma in (0, 1, 3):
        values = [
            frame_quality(blurred(img, sigma), p)["sharpness"][0]
            for img, p in map(render_logo, (40, 80, 160))
        ]
        assert max(values) - min(values) < 0.06, (sigma, values)


def test_sharp_60px_logo_scores_high_and_blurred_small_logo_clearly_lower() -> None:
    img, poly = render_logo(60)
    sharp = frame_quality(img, poly)
    assert sharp["clarity"][0] > 0.7
    assert sharp["contrast"][0] > 0.9 and sharp["size_score"][0] == 1.0
    img40, poly40 = render_logo(40)
    soft = frame_quality(blurred(img40, 4), poly40)["clarity"][0]
    assert soft < sharp["clarity"][0] - 0.3


def test_flat_crop_scores_zero() -> None:
    img = np.full((H, W, 3), 128, np.uint8)
    poly = box_poly(100, 100, 300, 160)[None]
    q = frame_quality(img, poly)
    assert q["clarity"][0] == 0.0 and q["contrast"][0] == 0.0 and q["sharpness"][0] == 0.0
    noisy = np.clip(img + np.random.default_rng(0).normal(0, 3, img.shape), 0, 255).astype(np.uint8)
    assert frame_quality(noisy, poly)["clarity"][0] < 0.02  # sensor noise is not a logo


def test_low_contrast_logo_scores_lower() -> None:
    strong_img, poly = render_logo(60)
    weak_img, _ = render_logo(60, board=(120, 120, 120), ink=(150, 150, 150), mark=(100, 100, 100))
    strong, weak = frame_quality(strong_img, poly), frame_quality(weak_img, poly)
    assert weak["contrast"][0] < 0.3 < 0.9 < strong["contrast"][0]
    assert weak["clarity"][0] < strong["clarity"][0] - 0.2
    # grey text on a black board in a grey frame: full-range contrast, read from the grey image
    black_board = render_logo(60, board=(0, 0, 0), ink=(255, 255, 255))[0]
    grey = cv2.cvtColor(black_board, cv2.COLOR_BGR2GRAY)
    assert frame_quality(grey, poly)["contrast"][0] == pytest.approx(1.0)


def test_colour_contrast_counts_even_when_luma_is_similar() -> None:
    # pure red ink on pure green board: luma 76 vs 150, but the red channel spans 0..255
    img, poly = render_logo(60, board=(0, 255, 0), ink=(0, 0, 255))
    assert frame_quality(img, poly)["contrast"][0] == pytest.approx(1.0)


def test_size_score_and_short_side() -> None:
    for height_px in (4, 8, 16, 32):
        img, poly = render_logo(height_px)
        q = frame_quality(img, poly)
        assert q["short_side_px"][0] == height_px
        reference = height_px * REFERENCE_SIDE_PX / H  # the 360 px tall frame scaled to 720 px
        assert q["size_score"][0] == pytest.approx(min(1.0, reference / LEGIBLE_SIDE_PX))
    small = frame_quality(*render_logo(8))["clarity"][0]
    large = frame_quality(*render_logo(32))["clarity"][0]
    assert small < 0.6 * large


def test_legibility_does_not_depend_on_the_resolution() -> None:
    """One picture at 640x360 and at 1280x720 (the same logo, twice the pixels) is equally legible."""
    img, poly = render_logo(8)  # 8 px on the 360 px frame: 16 px at 720p
    big = cv2.resize(img, (2 * W, 2 * H), interpolation=cv2.INTER_CUBIC)
    low, high = frame_quality(img, poly), frame_quality(big, 2 * poly)
    assert high["short_side_px"][0] == 2 * low["short_side_px"][0]
    assert low["size_score"][0] == pytest.approx(high["size_score"][0]) == pytest.approx(16 / LEGIBLE_SIDE_PX)
    assert (
        reference_sides(low["short_side_px"], H)[0] == reference_sides(high["short_side_px"], 2 * H)[0] == 16
    )
    settings = MeasureSettings(min_clarity=0.0, min_side_px=12)
    assert qualifies(low["clarity"], low["short_side_px"], H, settings, low["visible_fraction"])[0]
    assert qualifies(high["clarity"], high["short_side_px"], 2 * H, settings, high["visible_fraction"])[0]
    # the same 8 px logo on a 1080p frame is 5.3 px at 720p: too small
    assert not qualifies(low["clarity"], low["short_side_px"], 1080, settings, low["visible_fraction"])[0]
    with pytest.raises(ValueError, match="positive"):
        reference_sides(8.0, 0)


def test_truncated_logo_at_the_frame_border() -> None:
    img, poly = render_logo(60, x=W - 90)  # a 180 px wide board with only 90 px inside the frame
    q = frame_quality(img, poly)
    assert q["visible_fraction"][0] == pytest.approx(0.5)
    assert q["screen_share"][0] == pytest.approx(90 * 60 / (W * H))
    full = frame_quality(*render_logo(60))
    assert q["clarity"][0] < 0.6 * full["clarity"][0]
    assert q["zone"][0] == "middle-right"
    outside = frame_quality(img, box_poly(W + 10, 0, W + 50, 40)[None])
    assert (
        outside["visible_fraction"][0] == 0 and outside["clarity"][0] == 0 and outside["screen_share"][0] == 0
    )


def test_rotated_logo() -> None:
    img, _ = render_logo(60)
    centre, size, angle = (290.0, 180.0), (180.0, 60.0), 20.0
    rotation = cv2.getRotationMatrix2D((W / 2, H / 2), angle, 1.0)
    rotated_img = cv2.warpAffine(img, rotation, (W, H), borderValue=GRASS)
    corners = cv2.boxPoints(((centre[0], centre[1]), size, 0.0))  # the unrotated board
    poly = cv2.transform(corners[None], rotation)[0].astype(float)
    q = frame_quality(rotated_img, poly[None])
    assert q["short_side_px"][0] == pytest.approx(60.0, abs=1e-4)
    assert q["screen_share"][0] == pytest.approx(180 * 60 / (W * H), rel=1e-5)
    assert q["visible_fraction"][0] == pytest.approx(1.0)
    assert q["clarity"][0] > 0.6


def test_zones_and_centrality() -> None:
    cells = []
    for row in range(3):
        for col in range(3):
            cx, cy = (col + 0.5) * W / 3, (row + 0.5) * H / 3
            cells.append(box_poly(cx - 5, cy - 5, cx + 5, cy + 5))
    zone, centrality = zones_and_centrality(np.array(cells), W, H)
    assert zone.tolist() == list(ZONES)
    assert centrality[4] == 1.0
    assert centrality[0] == pytest.approx(1 - math.hypot(W / 3, H / 3) / math.hypot(W / 2, H / 2))
    _, corner = zones_and_centrality(box_poly(0, 0, 2, 2)[None], W, H)
    assert corner[0] == pytest.approx(1 - math.hypot(W / 2 - 1, H / 2 - 1) / math.hypot(W / 2, H / 2))
    # a box hanging out of the frame is placed by its visible part
    zone, _ = zones_and_centrality(box_poly(-100, 300, 20, 400)[None], W, H)
    assert zone.tolist() == ["bottom-left"]


def test_union_share_exact_for_boxes() -> None:
    two = np.array([box_poly(0, 0, 20, 10), box_poly(10, 0, 30, 10)])
    assert union_share(two, 100, 100) == 300 / 10_000
    assert union_share(two[:1], 100, 100) == 200 / 10_000
    assert union_share(np.array([two[0], two[0]]), 100, 100) == 200 / 10_000  # identical: once
    nested = np.array([box_poly(10, 10, 90, 90), box_poly(20, 20, 30, 30)])
    assert union_share(nested, 100, 100) == 6400 / 10_000
    apart = np.array([box_poly(0, 0, 10, 10), box_poly(50, 50, 70, 60)])
    assert union_share(apart, 100, 100) == 300 / 10_000
    clipped = np.array([box_poly(-10, -10, 10, 10), box_poly(95, 95, 120, 120), box_poly(200, 0, 300, 50)])
    assert union_share(clipped, 100, 100) == (100 + 25) / 10_000
    cross = np.array([box_poly(40, 0, 60, 100), box_poly(0, 40, 100, 60)])
    assert union_share(cross, 100, 100) == 3600 / 10_000
    assert union_share(np.zeros((0, 4, 2)), 100, 100) == 0.0
    assert union_share(np.array([box_poly(-50, -50, 150, 150)]), 100, 100) == 1.0


def test_union_share_rotated() -> None:
    diamond = np.array([[50, 30], [70, 50], [50, 70], [30, 50]], dtype=float)  # area 800
    assert union_share(diamond[None], 100, 100) == pytest.approx(0.08, rel=1e-12)
    right_half = box_poly(50, 0, 100, 100)
    assert union_share(np.array([diamond, right_half]), 100, 100) == pytest.approx(0.54, rel=1e-12)
    shifted = diamond + np.array([10.0, 0.0])  # the overlap is a 45° square of area 450
    union = (800 + 800 - 450) / 10_000
    assert union_share(np.array([diamond, shifted]), 100, 100) == pytest.approx(union, rel=1e-12)
    half_out = diamond - np.array([50.0, 0.0])  # centred on the left border: half inside
    assert union_share(half_out[None], 100, 100) == pytest.approx(0.04, rel=1e-12)


def test_short_sides_of_a_rotated_rectangle() -> None:
    poly = cv2.boxPoints(((100.0, 100.0), (80.0, 30.0), 33.0)).astype(float)
    assert short_sides(poly[None])[0] == pytest.approx(30.0, abs=1e-4)


def test_score_detections_fills_every_quality_column() -> None:
    img, poly = render_logo(60)
    (x1, y1), (x2, y2) = poly[0, 0], poly[0, 2]
    row = {c: np.nan for c in DETECTION_COLUMNS}
    row.update(frame=0, t=0.0, sponsor="A", conf=0.9, x1=x1, y1=y1, x2=x2, y2=y2, track_id=1, shot=0)
    dets = pd.DataFrame([row]).astype(DETECTION_COLUMNS)
    scored = score_detections(dets, img, MeasureSettings(min_clarity=0.5))
    assert list(scored.columns) == [*DETECTION_COLUMNS, *QUALITY_COLUMNS]
    for col, dtype in {**DETECTION_COLUMNS, **QUALITY_COLUMNS}.items():
        if dtype != "object":
            assert scored[col].dtype == dtype, col
    assert bool(scored["qualifies"].iloc[0]) is True
    # the same number; OpenCV sums in another order on 1 thread than on several (1e-9 apart), and
    # a test that ran before may have left it on either
    assert scored["clarity"].iloc[0] == pytest.approx(frame_quality(img, poly)["clarity"][0], rel=1e-8)


def test_bad_frames_are_rejected() -> None:
    poly = box_poly(0, 0, 10, 10)[None]
    with pytest.raises(ValueError, match="uint8"):
        frame_quality(np.zeros((10, 10), np.float32), poly)
    with pytest.raises(ValueError, match="NaN"):
        frame_quality(np.zeros((10, 10), np.uint8), np.full((1, 4, 2), np.nan))


def test_methodology_names_every_quality_column() -> None:
    for col in QUALITY_COLUMNS:
        assert col in METRICS, col
    assert f"{LEGIBLE_SIDE_PX:g} px" in METRICS["size_score"]


def test_union_share_matches_pixel_counting_for_random_integer_boxes() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        k = int(rng.integers(1, 6))
        corners = rng.integers(-15, 75, size=(k, 2, 2))
        lo, hi = corners.min(axis=1), corners.max(axis=1)
        grid = np.zeros((45, 60), bool)  # a 60 x 45 frame, one cell per pixel
        for (x1, y1), (x2, y2) in zip(lo, hi, strict=True):
            grid[max(y1, 0) : max(y2, 0), max(x1, 0) : max(x2, 0)] = True
        polys = np.array([box_poly(x1, y1, x2, y2) for (x1, y1), (x2, y2) in zip(lo, hi, strict=True)])
        assert union_share(polys, 60, 45) == grid.sum() / (60 * 45)


def test_measure_scores_from_pixel_measures_alone() -> None:
    """measure needs no pixels: given the crops' sharpness and contrast, it gives what the frame gives."""
    img, poly = render_logo(48)
    from_pixels = frame_quality(img, poly)
    from_numbers = detection_quality(
        poly, img.shape[1], img.shape[0], from_pixels["sharpness"], from_pixels["contrast"]
    )
    assert from_pixels["clarity"][0] > 0.1
    for key, value in from_pixels.items():
        assert list(from_numbers[key]) == list(value), key
    with pytest.raises(ValueError, match="1 polygons but 2 sharpness"):
        detection_quality(poly, 640, 360, [0.5, 0.5], [0.5])


def test_size_is_gated_once_by_min_side_px_not_again_inside_clarity() -> None:
    """A sharp, high-contrast 10 px logo (at 720p) has clarity 10/32 x its legibility, under 0.3, and
    still counts: min_clarity judges clarity without its size factor; min_side_px judges size."""
    settings = MeasureSettings()  # min_clarity 0.3, min_side_px 10
    sharp, tiny = frame_quality(*render_logo(5)), frame_quality(*render_logo(4))
    img, poly = render_logo(24)
    blurred = frame_quality(cv2.GaussianBlur(img, (0, 0), 12.0), poly)
    # 5 px on the 360 px frame = 10 px at 720p
    assert sharp["clarity"][0] < settings.min_clarity < sharp["clarity"][0] / sharp["size_score"][0]
    assert qualifies(sharp["clarity"], sharp["short_side_px"], H, settings, sharp["visible_fraction"])[0]
    # a large logo blurred past reading fails on clarity whatever its size
    assert blurred["size_score"][0] == 1.0 and blurred["clarity"][0] < settings.min_clarity
    assert not qualifies(
        blurred["clarity"], blurred["short_side_px"], H, settings, blurred["visible_fraction"]
    )[0]
    # a sharp logo under min_side_px (8 px at 720p) fails on size
    assert not qualifies(tiny["clarity"], tiny["short_side_px"], H, settings, tiny["visible_fraction"])[0]
