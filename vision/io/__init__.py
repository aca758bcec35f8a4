"""Pixels in: video sources, still photos, sponsor artwork and finding media under folders.

Imports nothing, so a caller pays only for the modules it uses.
"""
