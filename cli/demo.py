"""``sponsorlens demo``: render a broadcast-like clip with known truth, analyse it, compare.

The clip comes from the scene renderer used for onboarding (:mod:`vision.training.clip`), with the demo
sponsors' artwork shipped in ``weights/demo_artwork``; the model is the shipped ``weights/demo.pt``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from cli.app import app
from cli.errors import user_errors
from cli.options import Anonymise, ReadFps, Replays
from measure.limits import check_fps, check_imgsz
from weights import WEIGHTS_DIR

#: The demo sponsors as a catalogue: the text reader checks the demo model with it by default.
DEMO_CATALOGUE = WEIGHTS_DIR / "demo_catalogue.toml"


def print_comparison(cmp: pd.DataFrame) -> None:
    """Print the measured-vs-truth table."""
    table = Table(title="Measured against true exposure")
    for label in ("sponsor", "true s", "measured s", "error", "true share", "share", "error"):
        table.add_column(label, justify="left" if label == "sponsor" else "right")
    for r in cmp.itertuples():
        table.add_row(
            r.sponsor,
            f"{r.true_exposure_s:.1f}",
            f"{r.exposure_s:.1f}",
            "-" if pd.isna(r.exposure_err) else f"{r.exposure_err:+.1%}",
            f"{r.true_mean_screen_share:.2%}",
            f"{r.mean_screen_share:.2%}",
            "-" if pd.isna(r.share_err) else f"{r.share_err:+.1%}",
        )
    Console().print(table)


@app.command()
@user_errors
def demo(
    out: Annotated[
        Path, typer.Option("--out", help="Directory for the clip, its truth and the analysis.")
    ] = Path("demo_out"),
    seconds: Annotated[float, typer.Option(help="Clip length, seconds.")] = 30.0,
    sample_fps: Annotated[
        float | None, typer.Option(help="Frames analysed per second (CPU-friendly).")
    ] = 5.0,
    weights: Annotated[
        Path | None, typer.Option(help="Model to analyse with. Default: the shipped demo model.")
    ] = None,
    imgsz: Annotated[int, typer.Option(help="Inference size, pixels (the clip is 1280 wide).")] = 1280,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda:N.")] = "auto",
    seed: Annotated[int, typer.Option(help="Seed of the rendered clip.")] = 7,
    sponsors: Annotated[
        str | None,
        typer.Option(
            help="Sponsor catalogue the text reader checks the model with. Default: the demo catalogue "
            "(weights/demo_catalogue.toml); 'none' for the model alone."
        ),
    ] = None,
    read_fps: ReadFps = None,
    anonymise: Anonymise = True,
    replays: Replays = True,
) -> None:
    """Render a 720p broadcast-like clip of the demo sponsors, analyse it and compare with the truth."""
    from cli.analysis import write_analysis
    from cli.analyze import print_summary, tqdm_progress
    from measure.settings import Config
    from measure.truth import comparison_markdown, truth_comparison
    from vision.inference.analysis import analyse_video_file
    from vision.inference.detector import DEFAULT_WEIGHTS
    from vision.inference.detectors import open_detectors
    from vision.io.artwork import load_logos
    from vision.training.clip import render_clip

    check_imgsz(imgsz)
    check_fps(sample_fps, "--sample-fps")
    check_fps(read_fps, "--read-fps")
    clip_dir = out / "clip"
    video = clip_dir / "demo_clip.mp4"
    typer.echo(f"rendering a {seconds:g} s 1280x720 clip of the demo sponsors to {video} ...")
    truth = render_clip(load_logos(WEIGHTS_DIR / "demo_artwork"), video, seconds=seconds, seed=seed)
    catalogue = None if (sponsors or "").lower() == "none" else sponsors or str(DEMO_CATALOGUE)
    found = open_detectors(weights or DEFAULT_WEIGHTS, catalogue, imgsz=imgsz, device=device)
    result = analyse_video_file(
        video,
        found.detector,
        Config(),
        sample_fps=sample_fps,
        progress=tqdm_progress("analysing"),
        reader=found.reader,
        read_fps=read_fps,
        anonymise=anonymise,
        occlusion=found.occlusion,
        replays=replays,
    )
    analysis_dir = out / "analysis"
    write_analysis(analysis_dir, video, result, html=True, anonymise=anonymise)
    print_summary(result.sponsors, None)
    cmp = truth_comparison(result.sponsors, truth.exposure_s, truth.mean_screen_share)
    cmp.to_csv(out / "truth_comparison.csv", index=False)
    (out / "truth_comparison.md").write_text(comparison_markdown(cmp), encoding="utf-8")
    print_comparison(cmp)
    typer.echo(f"report: {analysis_dir / 'report.html'}")
