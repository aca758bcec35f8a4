"""Measurement settings and the rate card, validated with pydantic.

A config file (``--config``) is TOML, YAML or JSON with this shape::

    [measure]            # all optional; defaults below
    min_clarity = 0.3    # a detection counts only if its clarity, size factor left out, is at least this, [0, 1]
    min_side_px = 10     # ... and its short side is at least this many pixels (of the frame scaled to 720p)
    min_visible = 0.6    # ... and at least this fraction of the logo is in view (not cut off, not hidden), [0, 1]
    max_gap_s = 0.5      # a sponsor's gaps in one shot up to this many seconds are bridged (one missed frame: 1 s)
    min_exposure_s = 1.0 # a segment counts as an "exposure" from this many seconds

    [rate_card]          # optional; media_value is 0 without it
    currency = "EUR"
    default_per_s = 0.0  # rate for sponsors not listed, currency per quality-second
    [rate_card.rates]
    Acme = 120.0

Validation errors name the bad field, e.g. ``measure.min_clarity: Input should be less than or
equal to 1``. Validation is strict: unknown keys are refused (a typo never silently falls back to a
default), numbers must be finite numbers (not ``nan``, ``inf``, ``true`` or ``"0.5"``) and sponsor
names strings. No value is a path, so a config cannot point the tool at other files.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from measure.configfile import read_settings_file
from measure.errors import ConfigError


class MeasureSettings(BaseModel):
    """Thresholds that decide what counts as exposure. All are reported in ``settings``."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    min_clarity: float = Field(
        0.3,
        ge=0.0,
        le=1.0,
        description="minimum clarity without its size factor (clarity / size_score), [0, 1]",
    )
    min_side_px: float = Field(
        10.0, ge=0.0, description="minimum short side, pixels of the frame scaled to a 720 px short side"
    )
    min_visible: float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        description="minimum visible fraction of the logo (in the frame and not hidden), [0, 1]",
    )
    max_gap_s: float = Field(
        0.5,
        ge=0.0,
        description="longest bridged gap of a sponsor in one shot, seconds (one missed analysed frame: up to 1 s; 0 bridges none)",
    )
    min_exposure_s: float = Field(1.0, ge=0.0, description="shortest segment counted as an exposure, s")


class RateCard(BaseModel):
    """Media-value rates: currency per quality-second, per sponsor."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    currency: str = Field("EUR", min_length=1, max_length=8)
    default_per_s: float = Field(0.0, ge=0.0)
    rates: dict[str, float] = Field(default_factory=dict)

    @field_validator("rates")
    @classmethod
    def _rates_finite(cls, v: dict[str, float]) -> dict[str, float]:
        for name, rate in v.items():
            if not math.isfinite(rate) or rate < 0:
                raise ValueError(f"rate for {name!r} must be a finite number >= 0")
        return v

    def rate(self, sponsor: str) -> float:
        """Return the rate for ``sponsor`` in currency per quality-second."""
        return self.rates.get(sponsor, self.default_per_s)


class Config(BaseModel):
    """The whole ``--config`` file."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    measure: MeasureSettings = Field(default_factory=MeasureSettings)
    rate_card: RateCard | None = None
    sponsors: list[str] | None = Field(None, description="analyse only these sponsors")

    def check_sponsors(self, known: Iterable[str]) -> None:
        """Raise :class:`ConfigError` if the config names a sponsor the model does not know."""
        known = set(known)
        named = set(self.sponsors or []) | set(self.rate_card.rates if self.rate_card else [])
        unknown = sorted(named - known)
        if unknown:
            raise ConfigError(
                f"config names sponsors the model does not know: {', '.join(unknown)} "
                f"(model classes: {', '.join(sorted(known))})"
            )


def _format_error(path: Path, err: ValidationError) -> str:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or "(top level)"
    return f"{path}: {loc}: {first['msg']}"


def load_config(path: str | Path | None) -> Config:
    """Return the validated TOML, YAML or JSON config at ``path``; ``None`` gives the defaults.

    The file is read by :func:`measure.configfile.read_settings_file` (a regular UTF-8 file, a
    byte-order mark allowed, each key once, bounded nesting and size). Raises :class:`ConfigError`
    with one line naming the file and the field."""
    if path is None:
        return Config()
    path = Path(path)
    data = read_settings_file(path, "config")
    if data is None and path.suffix.lower() in (".yaml", ".yml"):
        data = {}  # an empty YAML file: the defaults
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: (top level): expected a table of settings")
    try:
        return Config.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_format_error(path, e)) from None
