"""Options shared by the commands that sample the user's footage (``adapt`` and ``review``)."""

from __future__ import annotations

from typing import Annotated

import typer

from vision.footage import BURST_FRAMES

MinTrack = Annotated[
    int, typer.Option(help=f"Frames of its {BURST_FRAMES}-frame burst a video track must be found in.")
]
SampleFps = Annotated[float, typer.Option(help="Video frames sampled per second.")]
MaxFrames = Annotated[int, typer.Option(help="Most frames sampled from all the footage.")]
