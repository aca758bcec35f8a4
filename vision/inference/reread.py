"""Read again where a sponsor was: the reader alone, from one whole-frame read to the next.

The text detector misses lettering on some reads that it found a second before (blur from a pan, a
compression artefact, a player's arm across it), while recognition on a crop of the place still
reads it. So when the reader is the detector, each text detection of the previous analysed frame of
the same shot that has no detection of its sponsor over it now is cropped at its place
(:func:`vision.inference.reader.crop_polygon`) and recognised alone (a few milliseconds a crop).
Its place is where the camera moved it: the camera's motion between the two frames is estimated as
a similarity transform (shift, zoom, roll) from ORB features matched across the whole frame
(:func:`camera_motion`, RANSAC, so players running do not count); without a reliable estimate (fewer
than :data:`MIN_INLIERS` agreeing features), nothing is re-read. When
the crop names that sponsor (:func:`vision.inference.checking.read_verdict`), it is a detection of
this frame, at that place, with the recognition score as confidence. A board that moved off its
place reads as something else, or as nothing, and is not kept; a re-read detection can be re-read
at the next frame in turn, so a board the text detector keeps missing stays found while it stays
legible where it was. Never across a cut.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from measure.geometry import box_iou
from vision.inference.checking import read_verdict
from vision.inference.detections import Detections
from vision.inference.reader import TextReader, crop_polygon, text_detections

#: A previous detection counts as found again when a detection of its sponsor overlaps it by this IoU.
FOUND_IOU = 0.3
#: At most this many crops are read again per frame (the most confident previous detections first).
MAX_REREADS = 24
#: Frames are matched at this width, pixels (ORB features, camera motion).
MOTION_WIDTH = 960
#: A camera motion estimate needs at least this many features that agree with it.
MIN_INLIERS = 25


#: A frame's ORB features: keypoints, descriptors (None when it has none) and the scale they were found at.
Features = tuple[Sequence[cv2.KeyPoint], np.ndarray | None, float]


def orb_features(image: np.ndarray) -> Features:
    """Return the ORB features of the BGR ``image``, found on it in grey at :data:`MOTION_WIDTH` (never
    scaled up), with that scale (small / full)."""
    scale = min(1.0, MOTION_WIDTH / image.shape[1])
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image
    keypoints, descriptors = cv2.ORB_create(1500).detectAndCompute(
        cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), None
    )
    return keypoints, descriptors, scale


def camera_motion(before: np.ndarray | Features, after: np.ndarray | Features) -> np.ndarray | None:
    """Return the 2 x 3 similarity transform (pixels of the full frame) that takes points of the BGR
    frame ``before`` to the same scene points in ``after``, or None when fewer than
    :data:`MIN_INLIERS` matched ORB features agree on one (a cut, a blur, a featureless frame).
    Either frame may be given as its :func:`orb_features` instead."""
    ka, da, scale = orb_features(before) if isinstance(before, np.ndarray) else before
    kb, db, _ = orb_features(after) if isinstance(after, np.ndarray) else after
    if da is None or db is None or len(ka) < MIN_INLIERS or len(kb) < MIN_INLIERS:
        return None
    matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(da, db)
    if len(matches) < MIN_INLIERS:
        return None
    src = np.float32([ka[m.queryIdx].pt for m in matches])
    dst = np.float32([kb[m.trainIdx].pt for m in matches])
    m, inliers = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=2.0)
    if m is None or inliers is None or int(inliers.sum()) < MIN_INLIERS:
        return None
    m = m.astype(np.float64)
    m[:, 2] /= scale  # the rotation-and-zoom part is the same at any scale; the shift scales
    return m


class ReReader:
    """Keeps the previous analysed frame's text detections and reads their places again in the next."""

    def __init__(self, reader: TextReader) -> None:
        self.reader = reader
        self.index = {n: i for i, n in enumerate(reader.names)}
        self.previous: Detections | None = None
        #: the previous frame, and its ORB features once found (each frame's are found at most once)
        self.previous_image: np.ndarray | None = None
        self.previous_features: Features | None = None
        #: crops recognised, and detections they added, over the run
        self.crops = 0
        self.added = 0

    def update(self, image: np.ndarray, dets: Detections, frame: int, t: float, new_shot: bool) -> Detections:
        """Return ``dets`` (the whole-frame read of ``image``, frame ``frame`` at ``t`` seconds) plus
        the previous frame's detections read again at their place (see the module doc); remember the
        result for the next frame. ``new_shot``: a cut came before this frame, so nothing is re-read."""
        out = dets
        prev = None if new_shot else self.previous
        motion, features = None, None
        if prev is not None and len(prev) and self.previous_image is not None:
            before = self.previous_features or orb_features(self.previous_image)
            features = orb_features(image)
            motion = camera_motion(before, features)
        if prev is not None and motion is not None:
            h, w = image.shape[:2]
            places = prev.polygon @ motion[:, :2].T + motion[:, 2]
            boxes = np.concatenate([places.min(axis=1), places.max(axis=1)], axis=1)
            centre = places.mean(axis=1)
            inside = (centre[:, 0] >= 0) & (centre[:, 0] < w) & (centre[:, 1] >= 0) & (centre[:, 1] < h)
            missing = [
                int(i)
                for i in np.argsort(-prev.confidence)
                if inside[i] and not self._found(str(prev.sponsor[i]), boxes[i], dets)
            ][:MAX_REREADS]
            if missing:
                crops = [crop_polygon(image, places[i]) for i in missing]
                self.crops += len(crops)
                found = []
                for i, (text, score) in zip(missing, self.reader.recognise(crops), strict=True):
                    sponsor = str(prev.sponsor[i])
                    if score >= self.reader.min_score and read_verdict(self.reader, sponsor, text, score)[0]:
                        found.append((self.index[sponsor], float(score), places[i]))
                if found:
                    self.added += len(found)
                    out = Detections.merge([dets, text_detections(found, self.reader.names, frame, t)])
        self.previous, self.previous_image, self.previous_features = out, image, features
        return out

    @staticmethod
    def _found(sponsor: str, box: np.ndarray, now: Detections) -> bool:
        """Whether ``now`` has a detection of ``sponsor`` over ``box`` (xyxy pixels)."""
        same = now.sponsor == sponsor
        return bool(same.any() and (box_iou(box, now.xyxy[same]) >= FOUND_IOU).any())
