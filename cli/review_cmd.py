"""``sponsorlens review``: the detections a model is unsure of, as a contact sheet and editable labels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.app import app
from cli.errors import user_errors
from cli.footage_options import MaxFrames, MinTrack, SampleFps
from cli.options import Anonymise
from measure.errors import InputError
from measure.limits import check_fps, check_imgsz
from vision.inference.detector import DEFAULT_WEIGHTS

if TYPE_CHECKING:
    import numpy as np

    from vision.inference.detections import Detections
    from vision.inference.reader import TextReader


def read_detections(reader: TextReader, image: np.ndarray, dets: Detections) -> list[tuple[str, str] | None]:
    """Read each detection's crop; return ``(text read, verdict)`` per detection (``confirmed``,
    ``rejected`` or ``unread``, as :func:`vision.inference.checking.read_verdict` judges), None for a sponsor
    whose mark does not read."""
    from vision.inference.checking import read_verdict, verdict
    from vision.inference.reader import crop_polygon

    out: list[tuple[str, str] | None] = []
    for sponsor, corners in zip(dets.sponsor, dets.corners, strict=True):
        if sponsor not in reader.names:
            out.append(None)
            continue
        ((text, score),) = reader.recognise([crop_polygon(image, corners)])
        out.append((text, verdict(*read_verdict(reader, sponsor, text, score))))
    return out


@app.command()
@user_errors
def review(
    sources: Annotated[list[Path], typer.Argument(help="Videos, photos, or folders of them.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for review.html and the label files.")] = Path(
        "review"
    ),
    weights: Annotated[Path, typer.Option(help="Model (.pt with its card).")] = DEFAULT_WEIGHTS,
    frames: Annotated[int, typer.Option(help="Most frames to put up for review.")] = 40,
    conf: Annotated[float, typer.Option(help="Confidence at which a detection counts as sure.")] = 0.5,
    low_conf: Annotated[float, typer.Option(help="Detection threshold; below it nothing is shown.")] = 0.1,
    min_track: MinTrack = 3,
    sample_fps: SampleFps = 1.0,
    max_frames: MaxFrames = 300,
    imgsz: Annotated[int, typer.Option(help="Inference size, pixels (long side).")] = 640,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda:N.")] = "auto",
    trust_weights: Annotated[bool, typer.Option(help="Load weights whose card does not verify.")] = False,
    sponsors: Annotated[
        str | None,
        typer.Option(
            help="Sponsor catalogue (names or a TOML/YAML/JSON file): the text reader reads each detection; "
            "the sheet shows what it read, and detections it rejects are left out of the label files."
        ),
    ] = None,
    anonymise: Anonymise = True,
) -> None:
    """Write OUT/review.html and OUT/{classes.txt,images,labels} for the uncertain detections.

    Correct the label files with any YOLO labelling tool, then add them with `train --labels OUT`.
    """
    import cv2

    from cli.review_sheet import write_sheet
    from vision.inference.detector import LogoDetector
    from vision.training.footage import pseudo_rule, review_order, sample_footage, sure_mask
    from vision.training.labelled import write_labelled

    rule = pseudo_rule(conf, low_conf, min_track)
    if frames < 1:
        raise InputError(f"--frames must be at least 1, got {frames}")
    check_imgsz(imgsz)
    check_fps(sample_fps, "--sample-fps")
    det = LogoDetector(weights, conf=low_conf, imgsz=imgsz, device=device, trust_weights=trust_weights)
    sampled = sample_footage(sources, det, out / "sampled", sample_fps, max_frames, anonymise=anonymise)
    sure = sure_mask(sampled, rule)
    order = review_order(sampled, sure, frames, conf)
    chosen, masks = [sampled[i] for i in order], [sure[i] for i in order]
    reader = None
    if sponsors is not None:
        from measure.catalogue import parse_catalogue
        from vision.inference.detectors import reader_beside

        reader = reader_beside(det, parse_catalogue(sponsors), device=device)
    items = []
    listing = []
    notes: list[list[str]] = []
    for f, is_sure in zip(chosen, masks, strict=True):
        image = cv2.imread(str(f.path))
        verdicts = read_detections(reader, image, f.dets) if reader is not None else [None] * len(f.dets)
        classes = f.dets.class_ids(det.names)
        boxes = [(int(c), tuple(map(float, xyxy))) for c, xyxy in zip(classes, f.dets.xyxy, strict=True)]
        items.append(
            (f.stem, image, [b for b, v in zip(boxes, verdicts, strict=True) if not v or v[1] != "rejected"])
        )
        notes.append([f"reads {v[0]!r}: {v[1]}" if v else "" for v in verdicts])
        for i, (c, xyxy) in enumerate(boxes):
            row = {
                "frame": f.stem,
                "n": i + 1,
                "sponsor": det.names[c],
                "conf": round(float(f.dets.confidence[i]), 4),
                "xyxy": [round(v, 1) for v in xyxy],
                "sure": bool(is_sure[i]),
            }
            if verdicts[i]:
                row["read"], row["verdict"] = verdicts[i]
            listing.append(row)
    write_labelled(out, det.names, items)
    sheet = write_sheet(out / "review.html", chosen, masks, det.names, conf, notes if reader else None)
    (out / "review.json").write_text(json.dumps(listing, indent=2))
    typer.echo(
        f"{len(sampled)} frames sampled; {len(chosen)} with uncertain detections written to {out}/ "
        f"({sum(not d['sure'] for d in listing)} uncertain, {sum(d['sure'] for d in listing)} sure). "
        f"Open {sheet}, correct {out}/labels/, then: sponsorlens train LOGOS --labels {out} ..."
    )
