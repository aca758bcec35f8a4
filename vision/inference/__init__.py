"""What an analysis runs: the YOLO detector, the text reader, tracking, shot cuts, the streaming
pipeline, pixel scoring of detections, model cards and export. Imports no training module.

Imports nothing itself, so a caller pays only for the modules it uses.
"""
