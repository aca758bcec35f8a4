"""The YOLO logo detector: frames in, one :class:`vision.inference.detections.Detections` per frame out.

It wraps ultralytics. Class names of the model are sponsor names. Both axis-aligned (``detect``) and
oriented (``obb``) models are accepted; oriented ones also return the 4-point polygon.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from measure.errors import InputError, first_line
from measure.limits import check_imgsz
from vision.inference.detections import Detections
from vision.inference.modelcard import WeightsError, verify_weights
from weights import WEIGHTS_DIR

#: The model shipped with SponsorLens, trained by ``sponsorlens train`` on the demo sponsors.
DEFAULT_WEIGHTS = Path(os.environ.get("SPONSORLENS_WEIGHTS", WEIGHTS_DIR / "demo.pt"))


def select_device(device: str = "auto") -> str:
    """Return the torch device string to run on: CUDA when available for ``auto``, else CPU."""
    if device != "auto":
        return device
    import torch

    return "cuda:0" if torch.cuda.is_available() else "cpu"


#: Python module that runs each exported format (by file suffix; "" for an OpenVINO folder).
RUNTIMES: dict[str, tuple[str, str]] = {
    ".onnx": ("onnxruntime", "ONNX"),
    "": ("openvino", "OpenVINO"),
    ".engine": ("tensorrt", "TensorRT"),
}


def _check_runtime(weights: Path) -> None:
    """Raise :class:`WeightsError` when the package that runs an exported model is missing
    (ultralytics would otherwise fail at the first frame, or try to install it)."""
    import importlib.util

    if weights.is_dir() and not weights.name.endswith("_openvino_model"):
        raise WeightsError(
            f"{weights}: a folder of weights must be an OpenVINO export named NAME_openvino_model"
        )
    key = "" if weights.is_dir() else weights.suffix.lower()
    if key not in RUNTIMES:
        return
    module, name = RUNTIMES[key]
    if importlib.util.find_spec(module) is None:
        hint = "pip install 'sponsorlens[export]'" if module != "tensorrt" else "pip install tensorrt"
        raise WeightsError(f"{weights}: running {name} models needs the package {module}: {hint}")


def inference_precision(weights: Path, device: str, card: dict[str, Any]) -> str:
    """Return the arithmetic a model runs in on ``device``: ``"fp16"``, ``"bf16"`` or ``"fp32"``.

    A ``.pt`` runs fp16 on CUDA and fp32 on CPU. An OpenVINO export on CPU runs bf16 where the CPU
    has bfloat16 units (OpenVINO's default there: about 1.8x faster than its fp32, and not
    bit-identical to it), else fp32. Other exports run the precision they were exported in (the
    card's ``half``).
    """
    if weights.is_dir() and not device.startswith("cuda"):
        import openvino as ov

        return "bf16" if "BF16" in ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES") else "fp32"
    if weights.suffix == ".pt":
        return "fp16" if device.startswith("cuda") else "fp32"
    return "fp16" if card.get("half") else "fp32"


class LogoDetector:
    """Batched YOLO inference over decoded frames.

    ``weights`` is a ``.pt`` verified against its model card (see :mod:`vision.inference.modelcard`) or an
    exported model (``.onnx``, ``.engine``, an OpenVINO folder; see :mod:`vision.inference.export`), checked
    against its card when it has one; the card's ``task`` tells ultralytics what the export is.
    ``conf`` is the confidence threshold, ``imgsz`` the inference size in pixels (long side; a
    fixed-size export runs at the size it was exported at, and ``imgsz`` then says so), ``device``
    ``auto``, ``cpu`` or ``cuda:N``; fp16 is used on CUDA. ``threads`` is the number of torch threads
    for CPU inference (default: every core; ultralytics would leave one free, which is half of a
    2-core machine).
    """

    def __init__(
        self,
        weights: str | Path = DEFAULT_WEIGHTS,
        conf: float = 0.25,
        imgsz: int = 640,
        device: str = "auto",
        trust_weights: bool = False,
        iou: float = 0.5,
        threads: int | None = None,
    ) -> None:
        if not 0.0 < conf < 1.0:
            raise InputError(f"--conf must be between 0 and 1, got {conf}")
        check_imgsz(imgsz)  # 32 to 4096 pixels: larger sizes exhaust memory
        self.weights = Path(weights)
        self.sha256, self.card = verify_weights(self.weights, trust=trust_weights)
        _check_runtime(self.weights)
        from ultralytics import YOLO

        task = (self.card or {}).get("task")
        try:
            self.model = YOLO(str(self.weights), task=task) if task else YOLO(str(self.weights))
            names = self.model.names  # exported models are opened here
        except Exception as e:  # ultralytics raises many types for a bad file
            raise WeightsError(f"{self.weights}: cannot load model: {first_line(e)}") from None
        if self.model.task not in ("detect", "obb"):
            raise WeightsError(f"{self.weights}: a {self.model.task} model; need a detect or obb model")
        self.task: str = self.model.task
        self.names: list[str] = [names[i] for i in sorted(names)] if isinstance(names, dict) else list(names)
        self.conf = conf
        self.iou = iou
        self.exported = self.weights.is_dir() or self.weights.suffix != ".pt"
        card = self.card or {}
        if self.exported and card.get("dynamic") is False and card.get("imgsz"):
            imgsz = int(card["imgsz"])  # a fixed-size export runs at its own size, whatever was asked
        self.imgsz = imgsz
        self.device = select_device(device)
        self.half = self.device.startswith("cuda")
        self.precision = inference_precision(self.weights, self.device, card)
        self.threads = threads or os.cpu_count() or 1
        if self.device == "cpu":  # after ultralytics' device set-up, which sets its own thread count
            self.model.add_callback("on_predict_start", self._set_threads)

    def _set_threads(self, predictor: Any) -> None:
        """Set torch to ``self.threads`` CPU threads (an ultralytics ``on_predict_start`` callback)."""
        import torch

        if torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)

    def info(self) -> dict[str, Any]:
        """Return the model block of a report: weights path, sha256, task, classes, inference size
        (pixels), device and arithmetic precision."""
        return {
            "weights": str(self.weights),
            "sha256": self.sha256,
            "task": self.task,
            "classes": self.names,
            "imgsz": self.imgsz,
            "device": self.device,
            "precision": self.precision,
        }

    def predict(
        self,
        images: Sequence[np.ndarray],
        frames: Sequence[int],
        times: Sequence[float],
        imgsz: int | None = None,
    ) -> list[Detections]:
        """Detect logos in a batch of BGR images; return one :class:`vision.inference.detections.Detections` per image.

        ``imgsz`` (pixels, long side) overrides the detector's inference size for this call.
        """
        if not len(images):
            return []
        results = self.model.predict(
            list(images),
            imgsz=imgsz or self.imgsz,
            conf=self.conf,
            iou=self.iou,
            device=self.device,
            quantize=16 if self.half else None,
            batch=len(images),
            verbose=False,
        )
        predictor = self.model.predictor
        if self.exported and predictor is not None and not getattr(predictor.model, "dynamic", True):
            self.imgsz = int(max(predictor.imgsz))  # the size the fixed-size export really ran at
        return [self._convert(r, f, t) for r, f, t in zip(results, frames, times, strict=True)]

    def _convert(self, result: Any, frame: int, t: float) -> Detections:
        """Return one ultralytics result as :class:`Detections` of ``frame`` at ``t`` seconds."""
        return Detections.from_ultralytics(result, self.names, frame=frame, time=t)
