"""Scoring a detector against hand labels of real footage (per-frame presence, clip exposure).

Apart from the core metrics: nothing a report contains depends on it. Imports nothing itself.
"""
