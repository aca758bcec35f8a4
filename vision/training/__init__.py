"""Training: synthetic scenes with exact labels, the test clip, training, self-training on the
user's footage (with its model and text teachers) and labelled real frames.

Imports nothing itself, so a caller pays only for the modules it uses.
"""
