"""Camera-cut detection from frame content, with PySceneDetect's ``ContentDetector``.

Two ``ContentDetector`` instances run side by side and a cut is placed when either fires: one with
PySceneDetect's default weights (mean change of hue, saturation and luma from the previous analysed
frame), one with *edges* weighted as much as the three colour terms (edge maps dilated by a 9-pixel
kernel, so that a pan moves them less than a cut does). The edge one catches cuts between two views
of the same scene in the same colours (a wide and a tight view of one pitch), which the colour terms
alone mostly miss; the colour one keeps the cuts whose change is all colour (averaging in an
unchanged edge term would dilute them). Both use the flash filter in ``SUPPRESS`` mode: a cut is
placed at the first frame over the threshold and further cuts are suppressed for ``min_shot_s``, so
a wipe transition (a replay's) gives one cut at its start; the default ``MERGE`` mode places it at
the wipe's end, up to a second late, and reports it frames after the fact. ``bench/cuts.py``
compares the options (figures in docs/benchmarks.md).

Frames are fed as they are analysed (so with ``--sample-fps`` a cut is placed at the first analysed
frame after it). Frames are downscaled to ``DETECT_WIDTH`` pixels wide first, as PySceneDetect's
own ``SceneManager`` does, which keeps the cost per frame small.
"""

from __future__ import annotations

import cv2
import numpy as np
from scenedetect import FrameTimecode
from scenedetect.detector import FlashFilter
from scenedetect.detectors import ContentDetector

DETECT_WIDTH = 256
#: The weights of the second detector: edges as much as each colour term (the first uses the defaults).
EDGE_WEIGHTS = ContentDetector.Components(delta_hue=1.0, delta_sat=1.0, delta_lum=1.0, delta_edges=1.0)
#: Its edge dilation kernel (pixels, on frames DETECT_WIDTH wide; PySceneDetect would pick 5 here):
#: wider, so a pan that shifts edges by a few pixels changes the edge map less than a cut does.
EDGE_KERNEL = 9


def downscale(image: np.ndarray, width: int = DETECT_WIDTH) -> np.ndarray:
    """Return ``image`` shrunk to ``width`` pixels wide by pixel-area averaging (unchanged if narrower).

    A frame at least four times wider is first halved (exact 2x2 averages, OpenCV's fast
    integer-factor path) as many times as that holds, then area-resized: the same averages as one
    ``INTER_AREA`` resize up to uint8 rounding (0.24 grey levels on average at 1080p), at less than
    half the cost (4 ms instead of 9 ms a 1080p frame on one CPU core).
    """
    h, w = image.shape[:2]
    if w <= width:
        return image
    while w >= 4 * width and w % 2 == 0 and h % 2 == 0:
        w, h = w // 2, h // 2
        image = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
    return cv2.resize(image, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)


class CutDetector:
    """Feed analysed frames in order; :meth:`update` says whether a new shot starts at this frame.

    ``threshold`` is ContentDetector's, for both detectors (mean change of the weighted terms, each
    0-255; default 27); ``min_shot_s`` is the shortest shot in seconds (a cut sooner after the last
    one is dropped); ``fps`` is the source's nominal frame rate (for timecodes).
    """

    def __init__(self, fps: float, threshold: float = 27.0, min_shot_s: float = 0.5) -> None:
        self.fps = float(fps) if fps > 0 else 25.0
        self.min_shot_s = float(min_shot_s)
        self._detectors = [
            ContentDetector(
                threshold=threshold,
                min_scene_len=self.min_shot_s,
                weights=weights,
                kernel_size=kernel,
                filter_mode=FlashFilter.Mode.SUPPRESS,
            )
            for weights, kernel in (
                (ContentDetector.DEFAULT_COMPONENT_WEIGHTS, None),
                (EDGE_WEIGHTS, EDGE_KERNEL),
            )
        ]
        self.cuts_s: list[float] = []

    def update(self, image: np.ndarray, t: float) -> bool:
        """Return True when ``image`` (at ``t`` seconds) is the first frame of a new shot."""
        image = downscale(image)
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        tc = FrameTimecode(float(t), fps=self.fps)
        fired = [bool(d.process_frame(tc, image)) for d in self._detectors]  # feed both every frame
        if any(fired) and t > 0 and (not self.cuts_s or t - self.cuts_s[-1] >= self.min_shot_s):
            self.cuts_s.append(float(t))
            return True
        return False
