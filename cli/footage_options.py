"""Options shared by the commands that sample the user's footage (``adapt`` and ``review``)."""

from __future__ import annotations

from typing import Annotated

import typer

# The burst length is vision.training.footage.BURST_FRAMES (3), which validates the value; it is not
# imported here, so that loading the command line loads no training module.
MinTrack = Annotated[int, typer.Option(help="Frames of its 3-frame burst a video track must be found in.")]
SampleFps = Annotated[float, typer.Option(help="Video frames sampled per second.")]
MaxFrames = Annotated[int, typer.Option(help="Most frames sampled from all the footage.")]
