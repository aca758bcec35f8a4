"""A realistic synthetic ROI data set with a known generating function (for the demo, docs and tests).

Events (default 40, weekly from 2024-08-03) have an audience drawn log-normally around 400,000
people and a competition. Each of the sponsors (default 10) has a placement level, a typical
screen share and a media rate; per event its exposure seconds vary log-normally around its level.
The other features follow from that (clarity, quality seconds, share of voice, solo time, clutter,
media value, cost).

The outcome ``web_visits`` has diminishing returns in exposure:

    web_visits = audience / 100,000 * (60 * log1p(exposure_s / 20) * (0.4 + mean_clarity)
                                       + 25 * log1p(solo_s / 10)) * (1 + 6 * mean_screen_share)

times log-normal noise (sigma ``noise``), and a share ``outlier_rate`` of rows multiplied by 3 to
6 (a viral moment). ``leads`` is about 3% of web visits with its own noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from measure.roi.schema import conform, write_features
from measure.store import atomic_path

SPONSOR_NAMES: tuple[str, ...] = (
    "Northwind Air", "Bluepeak Bank", "Voltra Energy", "Fizzco", "Kestrel Motors",
    "Orbital Telecom", "Greenleaf Foods", "Helix Pharma", "Stride Sportswear", "Quanta Insurance",
    "Lumen Bet", "Cobalt Logistics",
)  # fmt: skip
COMPETITIONS: tuple[str, ...] = ("League", "Cup", "Friendly")


@dataclass(frozen=True)
class SampleData:
    """Synthetic features (schema table), outcomes (event_id, sponsor, web_visits, leads), events."""

    features: pd.DataFrame
    outcomes: pd.DataFrame
    events: pd.DataFrame


def true_web_visits(features: pd.DataFrame) -> np.ndarray:
    """Return the noiseless ``web_visits`` (visits) of each row of a features table."""
    f = features
    core = 60.0 * np.log1p(f["exposure_s"] / 20.0) * (0.4 + f["mean_clarity"]) + 25.0 * np.log1p(
        f["solo_s"] / 10.0
    )
    return np.asarray(f["audience"] / 1e5 * core * (1.0 + 6.0 * f["mean_screen_share"]), dtype=float)


def sample_roi_data(
    n_events: int = 40,
    n_sponsors: int = 10,
    seed: int = 0,
    noise: float = 0.15,
    outlier_rate: float = 0.02,
    exposure_scale: float = 1.0,
    start: str = "2024-08-03",
    event_prefix: str = "E",
    sponsor_seed: int = 0,
) -> SampleData:
    """Generate ``n_events`` x ``n_sponsors`` rows of features and outcomes.

    ``exposure_scale`` multiplies every sponsor's exposure (use it to simulate drift). Event ids
    are ``{event_prefix}{index:03d}``; ``seed`` draws the events, ``sponsor_seed`` the sponsors'
    traits. Returns a :class:`SampleData`; features carry every schema
    column (photo statistics missing) and ``attrs["schema_version"]``.
    """
    if not 1 <= n_sponsors <= len(SPONSOR_NAMES):
        raise ValueError(f"n_sponsors must be between 1 and {len(SPONSOR_NAMES)}")
    if n_events < 1:
        raise ValueError("n_events must be at least 1")
    sponsors = list(SPONSOR_NAMES[:n_sponsors])
    # sponsor traits are the same for every seed (the same sponsors, new events): placement level
    # (s of exposure per match), typical screen share, media rate (EUR per quality-second)
    traits = np.random.default_rng(sponsor_seed)
    level_s = np.geomspace(600.0, 25.0, n_sponsors) * traits.uniform(0.8, 1.25, n_sponsors)
    share0 = traits.uniform(0.01, 0.06, n_sponsors)
    rate = traits.uniform(40.0, 200.0, n_sponsors)
    rng = np.random.default_rng(seed)

    dates = pd.Timestamp(start) + pd.to_timedelta(7 * np.arange(n_events), unit="D")
    events = pd.DataFrame(
        {
            "event_id": [f"{event_prefix}{i:03d}" for i in range(n_events)],
            "date": dates,
            "competition": rng.choice(COMPETITIONS, n_events, p=[0.6, 0.25, 0.15]),
            "audience": np.round(rng.lognormal(np.log(4e5), 0.6, n_events), -2),
        }
    )
    ev = np.repeat(np.arange(n_events), n_sponsors)
    sp = np.tile(np.arange(n_sponsors), n_events)
    n = len(ev)
    event_factor = rng.lognormal(0.0, 0.25, n_events)[ev]  # long or short broadcast, camera work
    exposure_s = level_s[sp] * event_factor * rng.lognormal(0.0, 0.6, n) * exposure_scale
    mean_clarity = np.clip(rng.beta(6, 3, n), 0.05, 0.99)
    solo_s = exposure_s * rng.beta(2, 5, n)
    mean_share = np.clip(share0[sp] * rng.lognormal(0.0, 0.35, n), 0.001, 0.5)
    quality_s = exposure_s * mean_clarity
    df = pd.DataFrame(
        {
            "event_id": events["event_id"].to_numpy()[ev],
            "sponsor": np.asarray(sponsors)[sp],
            "source_kind": "video",
            "source_path": [f"broadcasts/{e}.mp4" for e in events["event_id"].to_numpy()[ev]],
            "date": events["date"].to_numpy()[ev],
            "competition": events["competition"].to_numpy()[ev],
            "audience": events["audience"].to_numpy()[ev],
            "exposure_s": exposure_s,
            "exposures": np.maximum(1, rng.poisson(exposure_s / 7.0)).astype(float),
            "quality_s": quality_s,
            "mean_screen_share": mean_share,
            "max_screen_share": np.clip(mean_share * rng.uniform(2.0, 5.0, n), 0, 1),
            "mean_clarity": mean_clarity,
            "solo_s": solo_s,
            "mean_clutter": rng.uniform(0.3, 2.5, n),
            "media_value": quality_s * rate[sp],
        }
    )
    df["share_of_voice"] = df["exposure_s"] / df.groupby("event_id")["exposure_s"].transform("sum")
    df["cost"] = np.round(df["media_value"] * rng.uniform(0.5, 1.5, n) + 5000.0, -1)
    features = conform(df)

    visits = true_web_visits(features) * rng.lognormal(0.0, noise, n)
    outliers = rng.random(n) < outlier_rate
    visits[outliers] *= rng.uniform(3.0, 6.0, int(outliers.sum()))
    leads = visits * 0.03 * rng.lognormal(0.0, noise, n)
    outcomes = pd.DataFrame(
        {
            "event_id": features["event_id"],
            "sponsor": features["sponsor"],
            "web_visits": np.round(visits),
            "leads": np.round(leads, 1),
        }
    )
    return SampleData(features, outcomes, events)


def write_sample(out_dir: str | Path, **kwargs: object) -> dict[str, Path]:
    """Write ``features.parquet``, ``outcomes.csv`` and ``events.csv`` into ``out_dir``.

    Keyword arguments go to :func:`sample_roi_data`. Returns the paths written, by name.
    """
    out = Path(out_dir)
    data = sample_roi_data(**kwargs)  # type: ignore[arg-type]
    paths = {
        "features": out / "features.parquet",
        "outcomes": out / "outcomes.csv",
        "events": out / "events.csv",
    }
    write_features(data.features, paths["features"])
    with atomic_path(paths["outcomes"]) as tmp:
        data.outcomes.to_csv(tmp, index=False, lineterminator="\n")
    with atomic_path(paths["events"]) as tmp:
        data.events.to_csv(tmp, index=False, date_format="%Y-%m-%d", lineterminator="\n")
    return paths
