"""``sponsorlens roi``: sample -> fit -> predict -> explain through the real typer commands."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from PIL import Image
from roi_fixtures import video_row, write_video_report
from typer.testing import CliRunner

from cli.roi import roi_app
from measure.roi.features import read_features, write_features
from measure.roi.sample import sample_roi_data

app = typer.Typer()
app.add_typer(roi_app, name="roi")


@app.callback()
def _root() -> None:
    """Stand-in for the sponsorlens app (the real one mounts roi_app the same way)."""


runner = CliRunner()


def _png_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as im:
        assert im.format == "PNG"
        return im.size


def test_sample_fit_predict_explain(tmp_path: Path) -> None:
    data = tmp_path / "sample"
    r = runner.invoke(app, ["roi", "sample", "--out", str(data)])
    assert r.exit_code == 0, r.output
    feats = read_features(data / "features.parquet")
    assert len(feats) == 400 and feats["event_id"].nunique() == 40 and feats["sponsor"].nunique() == 10
    outcomes = pd.read_csv(data / "outcomes.csv")
    assert {"event_id", "sponsor", "web_visits", "leads"} <= set(outcomes.columns)

    model = tmp_path / "model"
    r = runner.invoke(
        app, ["roi", "fit", str(data / "features.parquet"), str(data / "outcomes.csv"), "--target", "leads",
              "--out", str(model)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    metrics = json.loads((model / "metrics.json").read_text())
    assert set(metrics) == {"target", "baseline", "candidates", "chosen"}
    assert metrics["target"] == "leads"
    assert set(metrics["baseline"]) == {"mae", "rmse", "r2", "mape"}
    assert set(metrics["chosen"]) == {"name", "mae", "rmse", "r2", "mape", "interval_coverage"}
    assert metrics["chosen"]["mae"] < 0.7 * metrics["baseline"]["mae"]
    assert f"chosen: {metrics['chosen']['name']}" in r.output
    cols, rows = _png_size(model / "pred_vs_actual.png")
    assert cols > 300 and rows > 200
    cv = pd.read_csv(model / "cv_predictions.csv")
    assert cv["fold"].nunique() == 5

    # predict on new events of the same population
    new = sample_roi_data(n_events=30, seed=3, event_prefix="N")
    write_features(new.features, tmp_path / "new.csv")
    r = runner.invoke(app, ["roi", "predict", str(model), str(tmp_path / "new.csv")])
    assert r.exit_code == 0, r.output
    pred = pd.read_csv(tmp_path / "new.predictions.csv")
    assert len(pred) == 300 and (pred["lower"] <= pred["prediction"]).all()
    assert (pred["prediction"] <= pred["upper"]).all()
    drift = json.loads((tmp_path / "new.drift.json").read_text())
    assert drift["drifted"] == [] and "warning" not in r.output

    r = runner.invoke(app, ["roi", "explain", str(model)])
    assert r.exit_code == 0, r.output
    assert f"model: {metrics['chosen']['name']} predicting leads" in r.output
    assert "audience" in r.output and "exposure_s" in r.output
    _png_size(model / "importance.png")


def test_predict_warns_on_drift_and_refuses_bad_tables(tmp_path: Path) -> None:
    d = sample_roi_data(n_events=20, seed=0)
    write_features(d.features, tmp_path / "f.parquet")
    d.outcomes.to_parquet(tmp_path / "o.parquet")  # outcomes may be Parquet too
    r = runner.invoke(
        app, ["roi", "fit", str(tmp_path / "f.parquet"), str(tmp_path / "o.parquet"), "-t", "web_visits",
              "--out", str(tmp_path / "m"), "--candidate", "ridge", "--folds", "3"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output

    shifted = sample_roi_data(n_events=20, seed=1, exposure_scale=5.0)
    write_features(shifted.features, tmp_path / "shifted.parquet")
    r = runner.invoke(app, ["roi", "predict", str(tmp_path / "m"), str(tmp_path / "shifted.parquet")])
    assert r.exit_code == 0, r.output
    assert "warning:" in r.stderr and "exposure_s (PSI" in r.stderr
    assert "exposure_s" in json.loads((tmp_path / "shifted.drift.json").read_text())["drifted"]

    # a features table missing a column: one line, exit code 3, no traceback, no output file
    broken = d.features.drop(columns=["solo_s"])
    broken.to_csv(tmp_path / "broken.csv", index=False)
    (tmp_path / "broken.csv.schema.json").write_text('{"schema_version": "1"}')
    r = runner.invoke(app, ["roi", "predict", str(tmp_path / "m"), str(tmp_path / "broken.csv")])
    assert r.exit_code == 3
    assert r.stderr.strip() == f"error: {tmp_path / 'broken.csv'}: missing feature columns: solo_s"
    assert not (tmp_path / "broken.predictions.csv").exists()

    r = runner.invoke(app, ["roi", "fit", str(tmp_path / "f.parquet"), str(tmp_path / "o.parquet")])
    assert r.exit_code == 3 and "choose the target column with --target" in r.stderr
    assert "Traceback" not in r.output
    r = runner.invoke(app, ["roi", "explain", str(tmp_path)])
    assert r.exit_code == 3 and "not a model directory" in r.stderr


def test_features_command(tmp_path: Path) -> None:
    write_video_report(tmp_path / "runs" / "m1", "m1.mp4", [video_row("Acme", 12.0), video_row("Bolt", 3.0)])
    write_video_report(tmp_path / "runs" / "m2", "m2.mp4", [video_row("Acme", 7.0)])
    (tmp_path / "costs.csv").write_text("event_id,sponsor,cost\nm1,Acme,1000\n", encoding="utf-8")
    out = tmp_path / "features.parquet"
    r = runner.invoke(
        app,
        [
            "roi",
            "features",
            str(tmp_path / "runs"),
            "--costs",
            str(tmp_path / "costs.csv"),
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    df = read_features(out)
    assert sorted(zip(df["event_id"], df["sponsor"], strict=True)) == [
        ("m1", "Acme"),
        ("m1", "Bolt"),
        ("m2", "Acme"),
    ]
    assert df.set_index(["event_id", "sponsor"]).loc[("m1", "Acme"), "cost"] == 1000.0

    r = runner.invoke(app, ["roi", "features", str(tmp_path / "nowhere")])
    assert r.exit_code == 3 and r.stderr.startswith("error: ") and "not found" in r.stderr


@pytest.mark.parametrize("cmd", ["features", "fit", "predict", "explain", "sample"])
def test_help(cmd: str) -> None:
    r = runner.invoke(app, ["roi", cmd, "--help"])
    assert r.exit_code == 0 and "Usage" in r.output


def test_cli_candidate_names_match_the_models() -> None:
    from cli.roi import CANDIDATES as CLI_CANDIDATES
    from measure.roi.candidates import CANDIDATES

    assert CLI_CANDIDATES == CANDIDATES
