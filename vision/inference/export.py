"""Export a verified ``.pt`` model to ONNX, OpenVINO or TensorRT, with a model card beside it.

Exported models are not pickles, but they are still checked against their card when a card is
present (see :mod:`vision.inference.modelcard`; an OpenVINO folder is hashed file by file). The card of an
export copies the classes and task of its source, records the export's own input size and options,
and names the source by path and sha256 under ``exported_from``.

ultralytics does the conversion (``YOLO.export``). It is told never to install packages at run
time (``YOLO_AUTOINSTALL=false``, set in :mod:`vision`), so the runtimes must be installed first:
``pip install 'sponsorlens[export]'`` (ONNX and OpenVINO) and TensorRT for ``engine``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import importlib.util
import logging
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from measure.errors import InputError
from measure.limits import check_batch, check_imgsz
from vision.inference.modelcard import WeightsError, card_path, verify_weights, write_card

#: Export formats: the suffix ultralytics gives the result ("_openvino_model" is a folder).
FORMATS: dict[str, str] = {"onnx": ".onnx", "openvino": "_openvino_model", "engine": ".engine"}

#: Python modules each format needs (import name -> PyPI name), checked before exporting.
REQUIRED: dict[str, dict[str, str]] = {
    "onnx": {"onnx": "onnx", "onnxruntime": "onnxruntime", "onnxslim": "onnxslim"},
    "openvino": {"openvino": "openvino"},
    "engine": {"onnx": "onnx", "onnxslim": "onnxslim", "tensorrt": "tensorrt"},
}


@dataclass(frozen=True)
class ExportResult:
    """The exported model (a file, or a folder for OpenVINO) and its model card path."""

    path: Path
    card: Path


def default_export_path(weights: str | Path, fmt: str, imgsz: int, half: bool = False) -> Path:
    """Return where an export goes by default: beside the source, named by size and precision.

    ``weights/demo.pt`` at 640 becomes ``weights/demo_640.onnx`` (card ``demo_640.json``),
    ``weights/demo_640_fp16.engine`` or the folder ``weights/demo_640_openvino_model``. The size is
    in the name so exports at several sizes can live side by side, and no export's card can
    overwrite the source's ``demo.json``.
    """
    if fmt not in FORMATS:
        raise WeightsError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    weights = Path(weights)
    return weights.parent / f"{weights.stem}_{imgsz}{'_fp16' if half else ''}{FORMATS[fmt]}"


def check_runtime(fmt: str) -> None:
    """Raise :class:`WeightsError` naming the packages to install when ``fmt`` cannot be exported."""
    if fmt not in REQUIRED:
        raise WeightsError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    missing = [pypi for module, pypi in REQUIRED[fmt].items() if importlib.util.find_spec(module) is None]
    if missing:
        hint = "pip install 'sponsorlens[export]'" if fmt != "engine" else f"pip install {' '.join(missing)}"
        raise WeightsError(f"{fmt} export needs the package(s) {', '.join(missing)}: {hint}")


def _versions(fmt: str) -> dict[str, str]:
    """Return the versions of the packages that made an export (for its card)."""
    out = {}
    for pypi in ("ultralytics", "torch", *REQUIRED[fmt].values()):
        try:
            out[pypi] = importlib.metadata.version(pypi)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


@contextlib.contextmanager
def _quiet_ultralytics() -> Iterator[None]:
    """Silence ultralytics' INFO lines (they name the temporary export folder); keep warnings."""
    from ultralytics.utils import LOGGER

    level = LOGGER.level
    LOGGER.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # torch.jit.trace's deprecation notice
            yield
    finally:
        LOGGER.setLevel(level)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def export_model(
    weights: str | Path,
    fmt: str,
    out: str | Path | None = None,
    imgsz: int | None = None,
    half: bool = False,
    dynamic: bool | None = None,
    batch: int = 8,
    device: str = "auto",
    trust_weights: bool = False,
) -> ExportResult:
    """Export ``weights`` (a ``.pt`` verified against its card) to ``fmt`` and write the export's card.

    ``imgsz``: input size in pixels (long side); default the source card's ``imgsz``, else 640.
    ``dynamic``: accept any batch and image size (default True for ONNX and OpenVINO, whose dynamic
    graphs let ultralytics letterbox a 16:9 frame to 640x384 instead of 640x640; False for
    TensorRT). ``batch``: the batch a static export is built for (the maximum for a dynamic
    TensorRT engine). ``half``: fp16 weights. ``out``: destination, default
    :func:`default_export_path`. An existing export at ``out`` is replaced only once the new one
    has been written. Returns an :class:`ExportResult`. Raises :class:`WeightsError` (exit code 4
    in the CLI) for an unknown format, missing packages, TensorRT without CUDA, a source that is
    not a verifiable ``.pt``, or a conversion that fails.
    """
    from vision.inference.detector import select_device

    if fmt not in FORMATS:
        raise WeightsError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    weights = Path(weights)
    if weights.is_dir() or weights.suffix != ".pt":
        raise WeightsError(f"{weights}: export needs a PyTorch .pt model, not an exported one")
    if batch < 1:
        raise InputError(f"--batch must be at least 1, got {batch}")
    digest, card = verify_weights(weights, trust=trust_weights)
    card = card or {}
    check_runtime(fmt)
    device = select_device(device)
    if fmt == "engine" and not device.startswith("cuda"):
        raise WeightsError("engine (TensorRT) export needs a CUDA GPU; use --format onnx or openvino on CPU")
    imgsz = int(imgsz or card.get("imgsz") or 640)
    check_batch(batch, check_imgsz(imgsz))  # bounded: a huge export shape exhausts memory
    if dynamic is None:
        dynamic = fmt != "engine"
    dest = Path(out) if out is not None else default_export_path(weights, fmt, imgsz, half)
    if fmt == "openvino" and not dest.name.endswith(FORMATS["openvino"]):
        raise WeightsError(f"{dest}: an OpenVINO model is a folder whose name ends in {FORMATS['openvino']}")
    if fmt != "openvino" and dest.suffix != FORMATS[fmt]:
        raise WeightsError(f"{dest}: a {fmt} model's file name must end in {FORMATS[fmt]}")
    if dest.resolve() == weights.resolve():
        raise WeightsError(f"{dest}: the export would overwrite its source")
    new_card = dest.parent / f"{dest.name}.json" if fmt == "openvino" else dest.with_suffix(".json")
    if new_card.resolve() == card_path(weights).resolve():
        raise WeightsError(f"{dest}: its model card would overwrite the source's {card_path(weights)}")
    dest.parent.mkdir(parents=True, exist_ok=True)

    from ultralytics import YOLO

    task = card.get("task")
    with tempfile.TemporaryDirectory(prefix=".export-", dir=dest.parent) as tmp:
        # ultralytics writes the export beside its input: export a copy, so nothing next to the
        # source is overwritten and a failed export leaves no half-written file behind.
        src = Path(tmp) / f"{dest.stem if fmt != 'openvino' else 'model'}.pt"
        shutil.copyfile(weights, src)
        try:
            model = YOLO(str(src), task=task) if task else YOLO(str(src))
        except Exception as e:  # ultralytics raises many types for a bad file
            raise WeightsError(f"{weights}: cannot load model: {e}") from None
        if model.task not in ("detect", "obb"):
            raise WeightsError(f"{weights}: a {model.task} model; need a detect or obb model")
        try:
            with _quiet_ultralytics():
                produced = model.export(
                    format=fmt,
                    imgsz=imgsz,
                    quantize=16 if half else None,
                    dynamic=dynamic,
                    batch=batch,
                    device="cpu" if device == "cpu" else device.replace("cuda:", ""),
                    simplify=True,
                    verbose=False,
                )
        except Exception as e:  # conversion failures come as many types
            raise WeightsError(
                f"{weights}: {fmt} export failed: {str(e).splitlines()[0] if str(e) else e!r}"
            ) from None
        produced_path = Path(str(produced))
        names = model.names
        classes = [names[i] for i in sorted(names)] if isinstance(names, dict) else list(names)
        _remove(card_path(dest))
        _remove(dest)
        produced_path.replace(dest)
    export_card: dict[str, Any] = {
        "name": dest.name.removesuffix(FORMATS[fmt]) if fmt == "openvino" else dest.stem,
        "classes": card.get("classes", classes),
        "task": model.task,
        "arch": card.get("arch"),
        "imgsz": imgsz,
        "format": fmt,
        "dynamic": bool(dynamic),
        "half": bool(half),
        "batch": batch,
        "exported_from": {
            "path": str(weights),
            "sha256": digest,
            "name": card.get("name"),
            "imgsz": card.get("imgsz"),
        },
        "validation": card.get("validation"),
        "exported_with": _versions(fmt),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    return ExportResult(dest, write_card(dest, export_card))
