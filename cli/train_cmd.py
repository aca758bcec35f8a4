"""``sponsorlens train LOGOS_DIR --name NAME``: onboard sponsors from their logo files."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from cli.app import app
from cli.errors import user_errors
from cli.options import Anonymise
from measure.errors import InputError
from measure.limits import check_batch, check_imgsz
from measure.store import check_name


@app.command()
@user_errors
def train(
    logos_dir: Annotated[
        Path, typer.Argument(help="SPONSOR.png|jpg|svg files, or SPONSOR/ folders of variants.")
    ],
    name: Annotated[str, typer.Option(help="Model name: writes NAME.pt and its card NAME.json.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for NAME.pt and NAME.json.")] = Path(
        "weights"
    ),
    backgrounds: Annotated[
        list[Path] | None,
        typer.Option(help="Folders of photos or videos of the target footage (repeatable)."),
    ] = None,
    task: Annotated[str, typer.Option(help="detect (boxes) or obb (oriented boxes).")] = "detect",
    imgsz: Annotated[int, typer.Option(help="Training image size, pixels.")] = 640,
    epochs: Annotated[int, typer.Option(help="Training epochs.")] = 60,
    images: Annotated[int, typer.Option(help="Synthetic images to render (train + validation).")] = 2000,
    batch: Annotated[int, typer.Option(help="Training batch size.")] = 16,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda:N.")] = "auto",
    seed: Annotated[int, typer.Option(help="Seed for synthesis and training.")] = 0,
    workdir: Annotated[Path | None, typer.Option(help="Keep the synthetic dataset and run here.")] = None,
    keep: Annotated[
        bool,
        typer.Option("--keep", help="Keep the work folder (a temporary one without --workdir) and print it."),
    ] = False,
    init: Annotated[
        Path | None,
        typer.Option(
            help="Start from an earlier model: all of it for the same sponsors (fine-tune), its backbone "
            "for others (faster onboarding)."
        ),
    ] = None,
    labels: Annotated[
        list[Path] | None,
        typer.Option(
            help="Folder of real labelled frames (classes.txt, images/, labels/ in YOLO format), as "
            "written by `review` or `adapt` (repeatable)."
        ),
    ] = None,
    label_repeat: Annotated[
        int | None,
        typer.Option(help="Times each --labels frame is repeated [default: about 30% of training images]."),
    ] = None,
    sponsors: Annotated[
        str | None,
        typer.Option(
            help="Sponsor catalogue (comma-separated names or a TOML/YAML/JSON file): onboard exactly these "
            "sponsors, named as the catalogue names them, from their artwork in LOGOS_DIR."
        ),
    ] = None,
    anonymise: Anonymise = True,
) -> None:
    """Synthesise training scenes from sponsor artwork and train a YOLO logo detector."""
    from measure.catalogue import parse_catalogue
    from vision.training.train import train as run_training

    check_name(name)
    check_imgsz(imgsz)
    check_batch(batch)  # images per training step: 1 to MAX_BATCH (memory is the trainer's: ultralytics)
    names = parse_catalogue(sponsors).names if sponsors is not None else None
    if keep and workdir is None:  # a temporary folder that stays, named in the last line
        workdir = Path(tempfile.mkdtemp(prefix=f"sponsorlens-train-{name}-"))
    for bg in backgrounds or []:
        if not bg.exists():
            raise InputError(f"{bg}: --backgrounds path not found")
    path = run_training(
        logos_dir,
        name,
        out,
        backgrounds=backgrounds or [],
        task=task,
        imgsz=imgsz,
        epochs=epochs,
        images=images,
        device=device,
        seed=seed,
        batch=batch,
        workdir=workdir,
        keep=keep,
        init=init,
        labels=labels or [],
        label_repeat=label_repeat,
        sponsors=names,
        anonymise=anonymise,
    )
    typer.echo(
        f"wrote {path} and {path.with_suffix('.json')}" + (f" (work files in {workdir})" if workdir else "")
    )
