"""``sponsorlens adapt``: self-train a model on the user's own unlabelled footage."""

from __future__ import annotations

import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cli.app import app
from cli.errors import user_errors
from cli.footage_options import MaxFrames, MinTrack, SampleFps
from cli.options import Anonymise
from measure.limits import check_batch, check_fps, check_imgsz
from measure.store import check_name


class Teacher(StrEnum):
    """Where ``adapt``'s pseudo-labels come from (see :mod:`vision.training.adapt`)."""

    auto = "auto"
    text = "text"
    model = "model"


@app.command()
@user_errors
def adapt(
    sources: Annotated[list[Path], typer.Argument(help="Videos, photos, or folders of them (unlabelled).")],
    weights: Annotated[Path, typer.Option(help="Starting model (.pt with its card), e.g. from `train`.")],
    logos: Annotated[Path, typer.Option(help="The sponsors' artwork, as given to `train`.")],
    name: Annotated[str, typer.Option(help="Model name: writes NAME.pt and its card NAME.json.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for NAME.pt and NAME.json.")] = Path(
        "weights"
    ),
    rounds: Annotated[int, typer.Option(help="Pseudo-label and fine-tune rounds.")] = 2,
    conf: Annotated[float, typer.Option(help="Confidence a pseudo-label needs.")] = 0.5,
    low_conf: Annotated[
        float, typer.Option(help="Detection threshold; uncertain detections lie between.")
    ] = 0.1,
    min_track: MinTrack = 3,
    sample_fps: SampleFps = 1.0,
    max_frames: MaxFrames = 300,
    infer_imgsz: Annotated[int, typer.Option(help="Inference size for pseudo-labelling, pixels.")] = 640,
    labels: Annotated[
        list[Path] | None, typer.Option(help="Reviewed real labels to add every round (repeatable).")
    ] = None,
    imgsz: Annotated[int, typer.Option(help="Training image size, pixels.")] = 640,
    epochs: Annotated[int, typer.Option(help="Fine-tuning epochs per round.")] = 10,
    images: Annotated[int, typer.Option(help="Synthetic images per round.")] = 1000,
    batch: Annotated[int, typer.Option(help="Training batch size.")] = 16,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda:N.")] = "auto",
    seed: Annotated[int, typer.Option(help="Seed for synthesis and training.")] = 0,
    workdir: Annotated[
        Path | None, typer.Option(help="Keep sampled frames, pseudo-labels and runs here.")
    ] = None,
    keep: Annotated[
        bool,
        typer.Option("--keep", help="Keep the work folder (a temporary one without --workdir) and print it."),
    ] = False,
    trust_weights: Annotated[bool, typer.Option(help="Load weights whose card does not verify.")] = False,
    sponsors: Annotated[
        str | None,
        typer.Option(help="Sponsor catalogue for the text teacher: a comma list of names or a file."),
    ] = None,
    teacher: Annotated[
        Teacher,
        typer.Option(
            case_sensitive=False,
            help="Pseudo-labels from the text reader (text), the model's sure detections (model), or "
            "text when a sponsor's artwork reads, else model (auto).",
        ),
    ] = Teacher.auto,
    anonymise: Anonymise = True,
) -> None:
    """Pseudo-label the footage (with the text reader or the model's sure detections) and fine-tune on
    it, ROUNDS times."""
    from vision.inference.detector import LogoDetector
    from vision.training.adapt import adapt as run_adapt
    from vision.training.footage import pseudo_rule
    from vision.training.teacher import check_teacher, plan_teacher

    check_name(name)
    check_imgsz(imgsz)
    check_batch(batch)  # images per training step: 1 to MAX_BATCH (memory is the trainer's: ultralytics)
    check_imgsz(infer_imgsz, "--infer-imgsz")
    check_fps(sample_fps, "--sample-fps")
    check_teacher(teacher.value)
    rule = pseudo_rule(conf, low_conf, min_track)
    names = (
        []
        if teacher == Teacher.model
        else LogoDetector(weights, device="cpu", trust_weights=trust_weights).names
    )
    plan = plan_teacher(teacher.value, names, logos, sponsors, device)
    typer.echo(f"teacher: {plan.teacher} ({plan.why})")
    if keep and workdir is None:  # a temporary folder that stays, named in the last line
        workdir = Path(tempfile.mkdtemp(prefix=f"sponsorlens-adapt-{name}-"))
    path = run_adapt(
        sources,
        weights,
        logos,
        name,
        out,
        workdir,
        keep=keep,
        rounds=rounds,
        rule=rule,
        low_conf=low_conf,
        infer_imgsz=infer_imgsz,
        labels=labels or [],
        trust_weights=trust_weights,
        sample_fps=sample_fps,
        max_frames=max_frames,
        imgsz=imgsz,
        epochs=epochs,
        images=images,
        batch=batch,
        device=device,
        seed=seed,
        teacher=plan.teacher,
        sponsors=sponsors,
        reader=plan.reader,
        layouts=plan.layouts,
        anonymise=anonymise,
    )
    typer.echo(
        f"wrote {path} and {path.with_suffix('.json')}" + (f" (work files in {workdir})" if workdir else "")
    )
