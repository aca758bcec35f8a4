"""JSON cleaning: any record SponsorLens writes (reports, model cards, dataset notes, ROI fits) made
into valid, strict JSON the same way."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from measure.paths import valid_text


def jsonable(obj: Any) -> Any:
    """Return ``obj`` as JSON-ready data: dataclasses as dicts, mappings with string keys, tuples as
    lists, numpy scalars as Python ones, NaN and infinities as None, paths as text, text made valid
    UTF-8 (:func:`measure.paths.valid_text`). Anything else is returned as it is."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = dataclasses.asdict(obj)
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, Path):
        obj = str(obj)
    if isinstance(obj, str):
        return valid_text(obj)
    return obj


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Return a table as a list of JSON-ready row dicts."""
    return jsonable(df.to_dict(orient="records"))
