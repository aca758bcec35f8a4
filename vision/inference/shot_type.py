"""Shot type of each camera shot: ``wide``, ``tight`` or ``closeup``, from cheap per-frame measurements.

During the pass, :class:`ShotFeatures` measures each analysed frame on its downscaled copy (the cut
detector's, 256 px wide; about 1 ms a frame):

* ``detail``: the fraction of pixels on a Canny edge (thresholds 80 / 160 on the grey frame). A
  close-up shows one near subject before a defocused background: little fine structure;
* a colour histogram (64 px wide copy, HSV): 18 hue bins for saturated pixels (S >= 50) and 3
  brightness bins for the others (ice, white floors). After the pass the video's playing-surface
  colour is learned from the video itself: the bin (with its two hue neighbours) that covers the
  most pixels over all frames, each frame weighted by its detail, so that long close-ups of one
  shirt colour do not win. ``surface`` is the share of the frame in that colour (green for grass, blue
  or orange for courts, white for ice; nothing is hard-coded).

:func:`shot_types` decides each shot from the medians over its analysed frames, and the sizes of its
in-venue sponsor detections (boards, banners: the known size of a real object, so a measure of zoom):

1. ``closeup`` when the median ``detail`` is below ``SHOT_DETAIL_CLOSEUP``, unless the shot's in-venue
   detections are small (median short side below ``SHOT_LOGO_TIGHT`` of the frame height: boards
   seen from afar, so the camera is not close; a plain wide view of grass can have little detail);
2. else, when the shot has in-venue detections, ``tight`` when the median short side of those
   detections is at least ``SHOT_LOGO_TIGHT`` of the frame height, ``wide`` below;
3. else ``wide`` when the playing surface covers at least ``SHOT_SURFACE_WIDE`` of the frame,
   ``tight`` below.

Constants: :mod:`measure.methodology`.
"""

from __future__ import annotations

import cv2
import numpy as np

from measure.methodology import SHOT_DETAIL_CLOSEUP, SHOT_LOGO_TIGHT, SHOT_SURFACE_WIDE

#: Colour bins: 18 hue bins (saturated pixels) then 3 brightness bins (unsaturated pixels).
N_BINS = 21
_HUE_BINS = 18
_COLOUR_WIDTH = 64
_MIN_SATURATION = 50


def colour_histogram(small: np.ndarray) -> np.ndarray:
    """Return the (N_BINS,) share of the frame's pixels in each colour bin (fractions, sum 1)."""
    h, w = small.shape[:2]
    if small.ndim == 2:
        small = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
    tiny = cv2.resize(
        small, (_COLOUR_WIDTH, max(1, round(h * _COLOUR_WIDTH / w))), interpolation=cv2.INTER_AREA
    )
    hsv = cv2.cvtColor(tiny, cv2.COLOR_BGR2HSV).reshape(-1, 3)
    hue, sat, val = hsv[:, 0], hsv[:, 1], hsv[:, 2]
    bins = np.where(sat >= _MIN_SATURATION, hue // 10, _HUE_BINS + np.minimum(val // 86, 2))
    return np.bincount(bins, minlength=N_BINS)[:N_BINS] / len(bins)


def detail(small: np.ndarray) -> float:
    """Return the fraction of the frame's pixels on a Canny edge (grey, thresholds 80 / 160)."""
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
    return float(np.count_nonzero(cv2.Canny(grey, 80, 160))) / grey.size


class ShotFeatures:
    """Feed the downscaled analysed frames in order; keeps each frame's ``detail`` and colour histogram."""

    def __init__(self) -> None:
        self._detail: list[float] = []
        self._hist: list[np.ndarray] = []

    def update(self, small: np.ndarray) -> None:
        """Measure the frame ``small`` (BGR or grey, already downscaled)."""
        self._detail.append(detail(small))
        self._hist.append(colour_histogram(small).astype(np.float32))

    @property
    def details(self) -> np.ndarray:
        """Return each frame's detail (fraction of pixels on an edge)."""
        return np.asarray(self._detail, dtype=np.float64)

    @property
    def histograms(self) -> np.ndarray:
        """Return the (n_frames, N_BINS) colour histograms (fractions of each frame)."""
        return np.asarray(self._hist, dtype=np.float64).reshape(-1, N_BINS)


def surface_bins(histograms: np.ndarray, details: np.ndarray) -> list[int]:
    """Return the colour bins of the video's playing surface: the bin with the most pixels over all
    frames weighted by their detail, with its two hue neighbours when it is a hue bin."""
    if len(histograms) == 0:
        return []
    weights = details + 1e-6
    top = int(np.argmax((histograms * weights[:, None]).sum(axis=0)))
    if top < _HUE_BINS:
        return [(top - 1) % _HUE_BINS, top, (top + 1) % _HUE_BINS]
    return [top]


def surface_shares(histograms: np.ndarray, details: np.ndarray) -> np.ndarray:
    """Return each frame's share (fraction of the frame) in the video's playing-surface colour."""
    bins = surface_bins(histograms, details)
    if not bins:
        return np.zeros(0)
    return histograms[:, bins].sum(axis=1)


def shot_types(
    shot_of_frame: np.ndarray,
    n_shots: int,
    details: np.ndarray,
    surface: np.ndarray,
    logo_side: np.ndarray,
) -> tuple[str, ...]:
    """Return one of ``SHOT_TYPES`` per shot (index = shot).

    Per analysed frame: ``shot_of_frame`` its shot, ``details`` its detail, ``surface`` its playing-surface
    share and ``logo_side`` the median short side of its in-venue detections in fractions of the frame
    height (NaN without one). Rules: module docstring. A shot without analysed frames is ``wide``.
    """
    out: list[str] = []
    for s in range(n_shots):
        sel = shot_of_frame == s
        if not sel.any():
            out.append("wide")
            continue
        logos = logo_side[sel]
        logos = logos[~np.isnan(logos)]
        side = float(np.median(logos)) if len(logos) else None
        small_boards = side is not None and side < SHOT_LOGO_TIGHT
        if float(np.median(details[sel])) < SHOT_DETAIL_CLOSEUP and not small_boards:
            out.append("closeup")
        elif side is not None:
            out.append("tight" if side >= SHOT_LOGO_TIGHT else "wide")
        else:
            out.append("wide" if float(np.median(surface[sel])) >= SHOT_SURFACE_WIDE else "tight")
    return tuple(out)
