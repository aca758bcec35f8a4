"""Pixels to detections: sources, detector, tracker, shot cuts, training data and training."""

import os

# SponsorLens never downloads at run time: tell ultralytics it is offline before it is imported.
os.environ.setdefault("YOLO_OFFLINE", "1")
# ... and never let it pip-install a missing package at run time (it tries, e.g. for HEIF images).
os.environ.setdefault("YOLO_AUTOINSTALL", "false")
