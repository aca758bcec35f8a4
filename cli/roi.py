"""``sponsorlens roi``: features, outcome models, predictions and sample data.

Mounted by ``cli/main.py`` as ``app.add_typer(roi_app, name="roi")``. User errors (bad files,
schema mismatches, too little data) print one line ``error: ...`` on stderr with the exit codes of
:mod:`cli.errors` (3 bad input, 6 output not writable).
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Annotated

import typer

from cli.errors import user_errors

# The names of measure.roi.candidates.CANDIDATES, kept here so that `sponsorlens --help` does not import
# scikit-learn (a test checks they agree).
CANDIDATES: tuple[str, ...] = ("baseline", "ridge", "hgb")

roi_app = typer.Typer(
    help="ROI features and the regression models that predict sponsorship outcomes from exposure.",
    no_args_is_help=True,
)


def _fmt(v: float | None, digits: int = 4) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    return f"{v:.{digits}g}"


def _echo_warnings(caught: list[warnings.WarningMessage], kind: type[Warning]) -> None:
    for w in caught:
        if issubclass(w.category, kind):
            typer.echo(f"warning: {w.message}", err=True)


@roi_app.command("features")
@user_errors
def features_cmd(
    inputs: Annotated[
        list[Path],
        typer.Argument(help="analysis directories (with report.json), folders of them, or .duckdb databases"),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="features table to write (.parquet or .csv)")
    ] = Path("features.parquet"),
    events: Annotated[
        Path | None,
        typer.Option(
            help="events table (CSV/Parquet): event_id, path, date, competition, audience[, sponsor, cost]"
        ),
    ] = None,
    costs: Annotated[
        Path | None, typer.Option(help="costs table (CSV/Parquet): event_id, sponsor, cost")
    ] = None,
    run: Annotated[
        str | None, typer.Option(help="run key (prefix) of a batch database holding several runs")
    ] = None,
) -> None:
    """Build the features table: one row per (event, sponsor), schema-versioned."""
    from measure.roi.features import build_features, write_features

    df = build_features(inputs, events=events, costs=costs, run=run)
    write_features(df, out)
    typer.echo(
        f"wrote {out}: {len(df)} rows, {df['event_id'].nunique()} events, {df['sponsor'].nunique()} sponsors "
        f"(feature schema {df.attrs['schema_version']})"
    )


@roi_app.command("fit")
@user_errors
def fit_cmd(
    features: Annotated[Path, typer.Argument(help="features table from 'roi features' (.parquet or .csv)")],
    outcomes: Annotated[
        Path, typer.Argument(help="outcomes table (.csv or .parquet): event_id, sponsor, targets")
    ],
    target: Annotated[
        str | None, typer.Option("--target", "-t", help="outcome column to predict (needed if several)")
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="model directory to write")] = Path("model"),
    cv: Annotated[
        str, typer.Option(help="auto (time-ordered if every event has a date), group or time")
    ] = "auto",
    folds: Annotated[int, typer.Option(min=2, help="number of cross-validation folds")] = 5,
    level: Annotated[float, typer.Option(min=0.5, max=0.99, help="prediction-interval coverage")] = 0.9,
    feature: Annotated[
        list[str] | None, typer.Option("--feature", "-f", help="model feature (repeat); default: all metrics")
    ] = None,
    candidate: Annotated[
        list[str] | None,
        typer.Option("--candidate", help=f"candidate model (repeat): {', '.join(CANDIDATES)}"),
    ] = None,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
) -> None:
    """Cross-validate the candidate models by event, choose one and save it with its metrics."""
    from measure.roi.features import read_features
    from measure.roi.fit import fit_roi, read_outcomes, save_fit
    from measure.roi.plots import plot_predicted_vs_actual

    feats = read_features(features)
    outs = read_outcomes(outcomes)
    fit = fit_roi(
        feats, outs, target, feature_names=feature or None, cv=cv, n_splits=folds, level=level,
        candidates=candidate or CANDIDATES, random_state=seed, features_source=str(features),
        outcomes_source=str(outcomes),
    )  # fmt: skip
    paths = save_fit(fit, out)
    plot = plot_predicted_vs_actual(fit.oof, fit.model.name, out / "pred_vs_actual.png", fit.model.target)
    m, meta = fit.metrics, fit.model.meta
    typer.echo(
        f"target {m['target']}: {meta['training']['rows']} rows, {meta['training']['events']} events, "
        f"{meta['cv']['n_splits']} {meta['cv']['scheme']} folds"
    )
    typer.echo(f"{'model':10} {'MAE':>10} {'RMSE':>10} {'R2':>7} {'MAPE':>7} {'MAE vs base':>12}")
    for name, c in m["candidates"].items():
        gain = c["mae_reduction_vs_baseline"]
        vs = "" if name == "baseline" else f"{-gain:+.1%}"
        typer.echo(
            f"{name:10} {_fmt(c['mae']):>10} {_fmt(c['rmse']):>10} {_fmt(c['r2'], 3):>7} "
            f"{_fmt(c['mape'], 3):>7} {vs:>12}"
        )
    ch = m["chosen"]
    typer.echo(
        f"chosen: {ch['name']}; {fit.model.describe_interval()} (held-out coverage {ch['interval_coverage']:.1%})"
    )
    for note in fit.notes:
        typer.echo(f"note: {note}", err=True)
    written = ", ".join(p.name for p in (*paths.values(), plot))
    typer.echo(f"wrote {out}/: {written}")


@roi_app.command("predict")
@user_errors
def predict_cmd(
    model_dir: Annotated[Path, typer.Argument(help="model directory written by 'roi fit'")],
    features: Annotated[Path, typer.Argument(help="features table to predict for")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="predictions CSV [default: FEATURES.predictions.csv]")
    ] = None,
    drift_out: Annotated[
        Path | None, typer.Option(help="drift report JSON [default: FEATURES.drift.json]")
    ] = None,
) -> None:
    """Predict the model's target with intervals, and report feature drift (PSI)."""
    from measure.jsonable import jsonable
    from measure.roi.drift import DriftWarning
    from measure.roi.features import read_features
    from measure.roi.fit import RoiModel
    from measure.store import atomic_path

    out = out or features.with_name(f"{features.stem}.predictions.csv")
    drift_out = drift_out or features.with_name(f"{features.stem}.drift.json")
    model = RoiModel.load(model_dir)
    feats = read_features(features)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DriftWarning)
        pred = model.predict(feats, source=str(features))
    with atomic_path(out) as tmp:
        pred.table.to_csv(tmp, index=False, float_format="%.6g", lineterminator="\n")
    report = {
        "model": str(model_dir),
        "features": str(features),
        "target": model.target,
        "drifted": pred.drifted,
        "features_psi": pred.drift.to_dict(orient="records"),
    }
    with atomic_path(drift_out) as tmp:
        tmp.write_text(json.dumps(jsonable(report), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    _echo_warnings(caught, DriftWarning)
    t = pred.table
    typer.echo(
        f"{len(t)} predictions of {model.target} ({model.name}, {model.level:.0%} intervals): total "
        f"{_fmt(float(t['prediction'].sum()), 6)}"
    )
    typer.echo(f"wrote {out} and {drift_out}")


@roi_app.command("explain")
@user_errors
def explain_cmd(
    model_dir: Annotated[Path, typer.Argument(help="model directory written by 'roi fit'")],
    plot: Annotated[
        Path | None, typer.Option(help="importance plot PNG [default: MODEL_DIR/importance.png]")
    ] = None,
    top: Annotated[int, typer.Option(min=1, help="features to list")] = 20,
) -> None:
    """Print the chosen model, its metrics and its permutation importance; plot the importance."""
    from measure.roi.fit import RoiModel
    from measure.roi.plots import plot_importance

    model = RoiModel.load(model_dir)
    meta, m = model.meta, model.meta["metrics"]
    plot = plot or Path(model_dir) / "importance.png"
    plot_importance(model.importance, plot, f"{model.target}: permutation importance ({model.name})", top)
    ch = m["chosen"]
    typer.echo(
        f"model: {model.name} predicting {model.target} from {len(model.features)} features "
        f"(feature schema {meta['schema_version']}, trained {meta['created']})"
    )
    typer.echo(
        f"cv: {meta['cv']['n_splits']} {meta['cv']['scheme']} folds over "
        f"{meta['training']['events']} events; "
        f"MAE {_fmt(ch['mae'])} vs baseline {_fmt(m['baseline']['mae'])}, R2 {_fmt(ch['r2'], 3)}"
    )
    typer.echo(f"{model.describe_interval()} (held-out coverage {ch['interval_coverage']:.1%})")
    typer.echo(f"training data sha256: {meta['training']['data_sha256']}")
    typer.echo(f"{'feature':22} {'importance':>12} {'std':>10}")
    for r in model.importance.head(top).itertuples():
        typer.echo(f"{r.feature:22} {_fmt(r.importance):>12} {_fmt(r.std):>10}")
    typer.echo(f"wrote {plot}")


@roi_app.command("sample")
@user_errors
def sample_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="directory to write")] = Path("roi-sample"),
    events: Annotated[int, typer.Option(min=4, help="number of events")] = 40,
    sponsors: Annotated[int, typer.Option(min=1, max=12, help="number of sponsors")] = 10,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
) -> None:
    """Write a synthetic features.parquet, outcomes.csv and events.csv (known generating function)."""
    from measure.roi.sample import write_sample

    paths = write_sample(out, n_events=events, n_sponsors=sponsors, seed=seed)
    typer.echo(f"wrote {events} events x {sponsors} sponsors: " + ", ".join(str(p) for p in paths.values()))
    typer.echo(
        f"next: sponsorlens roi fit {paths['features']} {paths['outcomes']} --target web_visits --out model/"
    )
