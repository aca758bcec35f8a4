"""The options several commands share, declared once: the same name, type, default and help on
``analyze``, ``photos`` and ``batch`` (and ``--anonymise`` on every command that writes pictures).
A command takes one as ``weights: Weights = None``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

WEIGHTS_HELP = (
    "Model weights (.pt with its model card, or an exported model). Default: the shipped demo model, "
    "or no model when --sponsors is given."
)
SPONSORS_HELP = (
    "Sponsor catalogue: comma-separated names or a TOML/YAML/JSON file (names, aliases, reads, category). "
    "Without --weights the text reader alone finds them; with --weights it checks the model's detections."
)
READ_FPS_HELP = (
    "With --weights and --sponsors: also read whole frames this many times per second and add the "
    "sponsors the model missed. Default: no whole-frame reads."
)
CHECK_HELP = "With --weights and --sponsors: read each model track's crops and drop the rejected tracks."
UNREAD_HELP = (
    "With --weights and --sponsors: what counts of the model's tracks the reader could not read "
    "(blurred, tiny, icon-like). 'count': all of them; 'drop': only the tracks it confirmed; 'auto': "
    "drop them when most of the tracks the reader could judge named something else (the model is "
    "unreliable on this footage), decided at the end of a video or photo archive (batch photos: "
    "counted). Sponsors with reads = false always count."
)
ANONYMISE_HELP = (
    "Blur the faces in every picture written (best frames, evidence thumbnails, the annotated video, "
    "review sheets, label images, training scenes and frames); logos stay sharp. --no-anonymise keeps "
    "faces as they are."
)
REPLAYS_HELP = (
    "Find the shots that are replays, from a replay caption in a corner (REPLAY, WIEDERHOLUNG, ...): "
    "at most two border reads a shot. --no-replays counts every shot as live."
)
READ_PHOTOS_HELP = (
    "With --weights and --sponsors: also read whole photos and add the sponsors the model missed."
)


class UnreadPolicy(StrEnum):
    """What counts of the model's tracks the text reader could not read
    (:data:`vision.inference.checking.UNREAD_POLICIES`)."""

    auto = "auto"
    count = "count"
    drop = "drop"


Weights = Annotated[Path | None, typer.Option(help=WEIGHTS_HELP)]
Conf = Annotated[float, typer.Option(help="Detector confidence threshold, 0-1.")]
ImgSz = Annotated[int, typer.Option(help="Inference size, pixels (long side).")]
Device = Annotated[str, typer.Option(help="auto, cpu or cuda:N. auto picks CUDA when present.")]
ConfigFile = Annotated[Path | None, typer.Option(help="TOML/YAML/JSON config: thresholds, rate card.")]
TrustWeights = Annotated[bool, typer.Option(help="Load weights even if their checksum fails.")]
Sponsors = Annotated[str | None, typer.Option(help=SPONSORS_HELP)]
ReadFps = Annotated[float | None, typer.Option(help=READ_FPS_HELP)]
Check = Annotated[bool, typer.Option(help=CHECK_HELP)]
Unread = Annotated[UnreadPolicy, typer.Option(help=UNREAD_HELP)]
ReadPhotos = Annotated[bool, typer.Option(help=READ_PHOTOS_HELP)]
Anonymise = Annotated[bool, typer.Option(help=ANONYMISE_HELP)]
Replays = Annotated[bool, typer.Option(help=REPLAYS_HELP)]
