"""Outcome models on data with a known generating function: accuracy, monotonicity, intervals,
schema checks, artifact round trip and drift."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from measure.roi.candidates import conformal_quantile, make_splits
from measure.roi.drift import DriftWarning, drift_report, noise_threshold, psi, reference_bins
from measure.roi.fit import RoiError, RoiFit, RoiModel, fit_roi, save_fit
from measure.roi.sample import SampleData, sample_roi_data, true_web_visits


@pytest.fixture(scope="module")
def train() -> SampleData:
    return sample_roi_data(n_events=40, seed=0)


@pytest.fixture(scope="module")
def held_out() -> SampleData:
    """New events of the same sponsors (other seed, other event ids)."""
    return sample_roi_data(n_events=80, seed=11, event_prefix="H")


@pytest.fixture(scope="module")
def fit(train: SampleData) -> RoiFit:
    return fit_roi(train.features, train.outcomes, "web_visits")


def test_chosen_model_beats_the_baseline_by_30_percent(fit: RoiFit, held_out: SampleData) -> None:
    m = fit.metrics
    assert m["chosen"]["name"] != "baseline"
    assert m["chosen"]["mae"] <= 0.7 * m["baseline"]["mae"]
    # ... and on events it has never seen, against the training median
    y = held_out.outcomes["web_visits"].to_numpy()
    pred = fit.model.predict(held_out.features, warn=False).table["prediction"].to_numpy()
    baseline = np.median(fit.oof["actual"])
    assert np.mean(np.abs(y - pred)) <= 0.7 * np.mean(np.abs(y - baseline))
    # the model tracks the noiseless generating function
    truth = true_web_visits(held_out.features)
    assert np.corrcoef(pred, truth)[0, 1] > 0.9


def test_metrics_shape_and_folds(fit: RoiFit, train: SampleData) -> None:
    m = fit.metrics
    assert set(m) == {"target", "baseline", "candidates", "chosen"}
    assert m["target"] == "web_visits"
    assert set(m["baseline"]) == {"mae", "rmse", "r2", "mape"}
    assert set(m["chosen"]) == {"name", "mae", "rmse", "r2", "mape", "interval_coverage"}
    assert set(m["candidates"]) == {"baseline", "ridge", "hgb"}
    for c in m["candidates"].values():
        assert len(c["folds"]) == fit.model.meta["cv"]["n_splits"]
        assert all(f["mae"] > 0 and f["baseline_mae"] > 0 for f in c["folds"])
    # dates exist, so folds are time-ordered: every test event is later than every training event
    assert fit.model.meta["cv"]["scheme"] == "time"
    dates = train.features.drop_duplicates("event_id").set_index("event_id")["date"]
    test_sets = fit.model.meta["cv"]["test_events"]
    for i, events in enumerate(test_sets):
        later = {e for block in test_sets[i:] for e in block}
        earlier = [e for e in dates.index if e not in later]
        assert dates[earlier].max() <= dates[events].min()
    # out-of-fold rows never repeat an event across folds
    assert fit.oof.groupby("event_id")["fold"].nunique().max() == 1


def _sweep(model: RoiModel, base: pd.DataFrame, grid: np.ndarray) -> np.ndarray:
    """Predictions (rows: base rows, columns: grid) with exposure_s set to each grid value."""
    out = []
    for v in grid:
        df = base.copy()
        df["exposure_s"] = v
        out.append(model.predict(df, warn=False).table["prediction"].to_numpy())
    return np.stack(out, axis=1)


@pytest.mark.parametrize("candidate", ["ridge", "hgb"])
def test_predictions_rise_with_exposure(candidate: str, fit: RoiFit, train: SampleData) -> None:
    model = fit.model
    if candidate != fit.model.name:
        model = fit_roi(
            train.features, train.outcomes, "web_visits", candidates=[candidate], n_splits=2
        ).model
        assert model.name == candidate
    base = train.features.iloc[::37].reset_index(drop=True)
    base.attrs = dict(train.features.attrs)
    grid = np.linspace(0.0, 1.5 * train.features["exposure_s"].max(), 15)
    pred = _sweep(model, base, grid)
    assert np.all(np.diff(pred, axis=1) >= -1e-9), "a prediction fell as exposure_s rose"
    assert np.all(pred[:, -1] > pred[:, 0]), "exposure_s had no effect"


def test_conformal_intervals_cover_held_out_events(fit: RoiFit, held_out: SampleData) -> None:
    assert 0.83 <= fit.metrics["chosen"]["interval_coverage"] <= 0.97
    table = fit.model.predict(held_out.features, warn=False).table
    y = held_out.outcomes["web_visits"].to_numpy()
    covered = (y >= table["lower"]) & (y <= table["upper"])
    assert 0.83 <= covered.mean() <= 0.97
    assert (table["lower"] >= 0).all()  # visits are never negative, so neither is a lower bound


def test_grouped_cv_also_calibrates(train: SampleData, held_out: SampleData) -> None:
    fit = fit_roi(train.features, train.outcomes, "web_visits", cv="group", candidates=["ridge"])
    assert fit.model.meta["cv"]["scheme"] == "group"
    tested = [e for block in fit.model.meta["cv"]["test_events"] for e in block]
    assert sorted(tested) == sorted(train.features["event_id"].unique())  # every event held out once
    table = fit.model.predict(held_out.features, warn=False).table
    y = held_out.outcomes["web_visits"].to_numpy()
    assert 0.83 <= ((y >= table["lower"]) & (y <= table["upper"])).mean() <= 0.97


def test_importance_finds_the_drivers(fit: RoiFit) -> None:
    imp = fit.importance.set_index("feature")["importance"]
    assert imp.idxmax() == "audience"  # the outcome scales with the audience
    # clutter does not enter the generating function: shuffling it barely matters
    assert abs(imp["mean_clutter"]) < 0.1 * imp["audience"]
    assert imp[["exposure_s", "quality_s", "solo_s"]].max() > 5 * abs(imp["mean_clutter"])


def test_prediction_validates_the_schema(fit: RoiFit, held_out: SampleData) -> None:
    f = held_out.features
    with pytest.raises(RoiError, match="missing feature columns: quality_s"):
        fit.model.predict(f.drop(columns=["quality_s"]))
    with pytest.raises(RoiError, match=r"unknown columns .*: brand_colour"):
        fit.model.predict(f.assign(brand_colour="red"))
    wrong = f.copy()
    wrong.attrs["schema_version"] = "99"
    with pytest.raises(RoiError, match="schema version 99"):
        fit.model.predict(wrong)
    # a column the model needs, present but empty (photo statistics for a video model, or the reverse)
    with pytest.raises(RoiError, match="'exposure_s' is missing in 800 of 800 rows"):
        fit.model.predict(f.assign(exposure_s=np.nan))


def test_fit_refuses_bad_input(train: SampleData) -> None:
    f, o = train.features, train.outcomes
    with pytest.raises(RoiError, match="missing feature columns: media_value"):
        fit_roi(f.drop(columns=["media_value"]), o, "web_visits")
    with pytest.raises(
        RoiError, match=r"choose the target column with --target \(columns: web_visits, leads\)"
    ):
        fit_roi(f, o)
    with pytest.raises(RoiError, match="no target column 'revenue'"):
        fit_roi(f, o, "revenue")
    with pytest.raises(RoiError, match=r"only 0 \(event, sponsor\) rows have both"):
        fit_roi(f, o.assign(event_id="other-" + o["event_id"]), "web_visits")
    with pytest.raises(RoiError, match="more than one outcome"):
        fit_roi(f, pd.concat([o, o.iloc[:1]]), "web_visits")
    with pytest.raises(RoiError, match="non-numeric value 'n/a'"):
        fit_roi(f, o.astype({"web_visits": object}).assign(web_visits=lambda d: d["web_visits"].where(
            d.index != 3, "n/a")), "web_visits")  # fmt: skip
    with pytest.raises(RoiError, match="cv 'time' needs a date"):
        fit_roi(f.assign(date=pd.NaT), o, "web_visits", cv="time")


def test_artifact_round_trip(fit: RoiFit, held_out: SampleData, tmp_path: Path) -> None:
    paths = save_fit(fit, tmp_path / "model")
    loaded = RoiModel.load(tmp_path / "model")
    a = fit.model.predict(held_out.features, warn=False).table
    b = loaded.predict(held_out.features, warn=False).table
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert loaded.features == fit.model.features and loaded.half_width == fit.model.half_width
    metrics = json.loads(paths["metrics"].read_text())
    assert metrics["chosen"]["name"] == fit.metrics["chosen"]["name"]
    assert metrics["chosen"]["mae"] == pytest.approx(fit.metrics["chosen"]["mae"])
    meta = json.loads(paths["meta"].read_text())
    assert len(meta["training"]["features_sha256"]) == 64 and meta["schema_version"] == "1"
    assert [c["name"] for c in meta["feature_schema"]["columns"]][:2] == ["event_id", "sponsor"]

    # a modified artifact is refused, not unpickled
    blob = paths["model"].read_bytes()
    paths["model"].write_bytes(blob[:-10] + b"0123456789")
    with pytest.raises(RoiError, match="sha256 does not match"):
        RoiModel.load(tmp_path / "model")
    with pytest.raises(RoiError, match="not a model directory"):
        RoiModel.load(tmp_path)


def test_drift_warning_fires_on_shifted_data(fit: RoiFit) -> None:
    same = sample_roi_data(n_events=40, seed=5, event_prefix="S")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DriftWarning)  # any drift warning fails the test
        quiet = fit.model.predict(same.features)
    assert quiet.drifted == []
    assert (quiet.drift["psi"] < 0.25).sum() >= len(quiet.drift) - 1

    shifted = sample_roi_data(n_events=40, seed=5, event_prefix="S", exposure_scale=4.0)
    with pytest.warns(DriftWarning, match="exposure_s"):
        loud = fit.model.predict(shifted.features)
    assert {"exposure_s", "quality_s", "media_value"} <= set(loud.drifted)
    assert "mean_clarity" not in loud.drifted and "audience" not in loud.drifted


def test_psi_basics() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=5000)
    ref = reference_bins(x)
    assert len(ref["proportions"]) == 11  # 10 deciles + missing
    assert psi(ref, x) == pytest.approx(0.0, abs=1e-9)
    assert psi(ref, rng.normal(size=5000)) < 0.02
    assert psi(ref, rng.normal(1.0, size=5000)) > 0.25
    # ties collapse bins rather than producing empty ones
    assert len(reference_bins(np.r_[np.zeros(900), np.arange(100.0)])["edges"]) < 9
    # small samples: the noise threshold grows
    assert noise_threshold(ref, 20) > noise_threshold(ref, 2000)
    report = drift_report({"x": ref}, pd.DataFrame({"x": rng.normal(3.0, size=500)}))
    assert report.loc[0, "level"] == "high"


def test_splits_and_conformal_quantile() -> None:
    events = pd.Series(np.repeat([f"e{i}" for i in range(12)], 3))
    scheme, splits = make_splits(events, None, "auto", 4)
    assert scheme == "group" and len(splits) == 4
    for tr, te in splits:
        assert not set(events.iloc[tr]) & set(events.iloc[te])
    dates = pd.Series(pd.to_datetime("2024-01-01") + pd.to_timedelta(np.repeat(np.arange(12), 3), unit="D"))
    scheme, splits = make_splits(events, dates, "auto", 3)
    assert scheme == "time"
    for tr, te in splits:
        assert dates.iloc[tr].max() < dates.iloc[te].min()
    r = np.arange(1.0, 20.0)  # 19 residuals: the 90% quantile is the ceil(20 * 0.9) = 18th
    assert conformal_quantile(r, 0.9) == 18.0
    assert conformal_quantile(r[:5], 0.9) == np.inf


def test_roi_modules_do_not_import_torch() -> None:
    import subprocess
    import sys

    code = (
        "import sys, measure.roi.features, measure.roi.fit, measure.roi.sample, measure.roi.drift, cli.roi; "
        "bad = [m for m in ('torch', 'ultralytics', 'matplotlib') if m in sys.modules]; "
        "assert not bad, bad"
    )
    root = Path(__file__).resolve().parents[1]
    r = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
