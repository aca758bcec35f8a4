"""``sponsorlens export --weights W --format onnx|openvino|engine``: export a model for faster inference."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.app import app
from cli.errors import user_errors


@app.command(name="export")
@user_errors
def export_cmd(
    weights: Annotated[Path, typer.Option(help="The .pt model to export (verified against its model card).")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="onnx (ONNX Runtime, CPU or GPU), openvino (Intel/AMD CPUs) or engine (TensorRT, GPU).",
        ),
    ],
    imgsz: Annotated[
        int | None,
        typer.Option(help="Input size, pixels (long side). Default: the model card's training size."),
    ] = None,
    half: Annotated[
        bool, typer.Option("--half", help="fp16 weights (for GPUs; usually slower on CPU).")
    ] = False,
    dynamic: Annotated[
        bool | None,
        typer.Option(
            "--dynamic/--static",
            help="Any batch and frame shape (default for onnx, openvino) or one fixed shape (default for engine).",
        ),
    ] = None,
    batch: Annotated[
        int, typer.Option(help="Batch a static export is built for (maximum batch of a dynamic engine).")
    ] = 8,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda:N (engine needs CUDA).")] = "auto",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Where to write it. Default: beside the source, e.g. demo_640.onnx."
        ),
    ] = None,
    trust_weights: Annotated[
        bool, typer.Option(help="Export even if the checksum of the .pt fails.")
    ] = False,
) -> None:
    """Export a model to ONNX, OpenVINO or TensorRT and write its model card; pass it to --weights."""
    from measure.limits import check_imgsz
    from vision.inference.export import export_model

    if imgsz is not None:
        check_imgsz(imgsz)  # before the model is verified and loaded
    result = export_model(
        weights,
        fmt,
        out=out,
        imgsz=imgsz,
        half=half,
        dynamic=dynamic,
        batch=batch,
        device=device,
        trust_weights=trust_weights,
    )
    typer.echo(f"wrote {result.path} and its model card {result.card}")
