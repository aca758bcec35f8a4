"""Camera-cut detection from frame content, with PySceneDetect's ``ContentDetector``.

Frames are fed as they are analysed (so with ``--sample-fps`` a cut is placed at the first analysed
frame after it). Frames are downscaled to ``DETECT_WIDTH`` pixels wide first, as PySceneDetect's
own ``SceneManager`` does, which keeps the cost per frame small.
"""

from __future__ import annotations

import cv2
import numpy as np
from scenedetect import FrameTimecode
from scenedetect.detectors import ContentDetector

DETECT_WIDTH = 256


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

    ``threshold`` is ContentDetector's (mean HSV/edge change, default 27); ``min_shot_s`` is the
    shortest shot in seconds; ``fps`` is the source's nominal frame rate (for timecodes).
    """

    def __init__(self, fps: float, threshold: float = 27.0, min_shot_s: float = 0.5) -> None:
        self.fps = float(fps) if fps > 0 else 25.0
        self._detector = ContentDetector(threshold=threshold, min_scene_len=float(min_shot_s))
        self.cuts_s: list[float] = []

    def update(self, image: np.ndarray, t: float) -> bool:
        """Return True when ``image`` (at ``t`` seconds) is the first frame of a new shot."""
        image = downscale(image)
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        cuts = self._detector.process_frame(FrameTimecode(float(t), fps=self.fps), image)
        if cuts and t > 0:
            self.cuts_s.append(float(t))
            return True
        return False
