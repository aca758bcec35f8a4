"""Detections to numbers: quality per detection, exposure per sponsor, ROI features.

This package never imports torch or ultralytics, and this ``__init__`` imports nothing, so
``import measure.settings`` stays cheap. The main entry points:

- :mod:`measure.records`: the detection table columns and :class:`~measure.records.Timeline`.
- :mod:`measure.quality`: :func:`~measure.quality.detection_quality` scores one frame's detections
  (screen share, sharpness, contrast, clarity, zone, ...); :func:`~measure.quality.union_share`.
- :mod:`measure.exposure`: :func:`~measure.exposure.aggregate` turns scored detections of a video
  into per-sponsor exposure seconds, segments, share of voice, quality seconds and media value.
- :mod:`measure.methodology`: the definition of every metric (:data:`~measure.methodology.METRICS`)
  and the docs' Methodology page (docs/methodology.md, generated from it).
"""
