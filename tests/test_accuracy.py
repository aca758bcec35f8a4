"""End to end accuracy with the shipped model: measured exposure against a rendered clip's exact truth.

The clip is the demo's: 30 s, 1280x720, 25 fps H.264, rendered by ``vision.training.clip`` with camera pans,
zooms, cuts, occluding players, motion blur and a score bug. The product's tolerances are exposure
seconds within 10 % and mean screen share within 20 % for every sponsor with at least 2 s of true
exposure. They are asserted for a shipped model whose card reports the onboarding target
(validation mAP50 >= 0.9); a model below the target is held to the checks that every model must
pass, and its errors are printed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import demo_below_target
from typer.testing import CliRunner

from cli.main import app
from measure.frame_edge import cut_sides
from measure.geometry import box_iou

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "weights" / "demo.pt"
SAMPLE_FPS = "12.5"
IMGSZ = "1280"
runner = CliRunner()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not DEMO.is_file(), reason="weights/demo.pt is not trained yet (sponsorlens train)"),
]


def demo_card() -> dict:
    return json.loads(DEMO.with_suffix(".json").read_text())


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    args = ["demo", "--out", str(out), "--sample-fps", SAMPLE_FPS, "--imgsz", IMGSZ, "--device", "cpu"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "Measured against true exposure" in res.output
    return out


def test_demo_measures_the_clip_and_compares_with_truth(demo_run: Path) -> None:
    cmp = pd.read_csv(demo_run / "truth_comparison.csv")
    print(cmp.round(3).to_string(index=False))
    judged = cmp[cmp["true_exposure_s"] >= 2.0]
    assert len(judged) >= 5, "the demo clip must show most demo sponsors for at least 2 s"
    report = json.loads((demo_run / "analysis" / "report.json").read_text())
    assert report["source"]["duration_s"] == pytest.approx(30.0, abs=0.05)
    assert report["model"]["sha256"] == demo_card()["sha256"]
    assert (demo_run / "analysis" / "report.html").is_file()
    # Every shipped model must find the score-bug sponsor, on screen the whole clip, most of the time,
    # and measure no sponsor for longer than the clip.
    bug = cmp.loc[cmp["true_exposure_s"].idxmax()]
    assert bug["exposure_s"] >= 0.5 * bug["true_exposure_s"], bug.to_dict()
    assert (cmp["exposure_s"] <= 30.0 + 1e-6).all()


def test_logos_cut_off_by_the_frame_border_get_the_visible_fraction_the_truth_has(demo_run: Path) -> None:
    # The model's box of a logo running off the frame ends at the border; measure.frame_edge estimates how
    # much of the logo is inside from the aspect of its uncut boxes. Compare with the rendered truth of the
    # instance each such box overlaps (IoU > 0.3): a box's own area in the frame would say 1 every time.
    det = pd.read_parquet(demo_run / "analysis" / "detections.parquet")
    truth = pd.read_parquet(demo_run / "clip" / "truth.parquet")
    report = json.loads((demo_run / "analysis" / "report.json").read_text())
    width, height = report["source"]["width"], report["source"]["height"]
    cut_x, cut_y = cut_sides(det, width, height)
    errors = []
    for row in det[cut_x ^ cut_y].itertuples():
        same = truth[(truth["frame"] == row.frame) & (truth["sponsor"] == row.sponsor)]
        if same.empty:
            continue
        iou = box_iou(
            np.array([row.x1, row.y1, row.x2, row.y2]), same[["x1", "y1", "x2", "y2"]].to_numpy(float)
        )
        if iou.max() > 0.3:
            errors.append(row.visible_fraction - same["visible_fraction"].iloc[int(iou.argmax())])
    errors = np.abs(errors)
    print(f"{len(errors)} cut boxes matched; median |error| {np.median(errors):.3f}")
    assert len(errors) >= 50, "the demo clip pans boards across the frame border"
    assert np.median(errors) <= 0.15


def test_hidden_logos_are_judged_against_the_artwork(demo_run: Path) -> None:
    """The demo card's artwork judges what players hide: few logos in view are called hidden, and a
    good part of the hidden ones are caught (bench/occlusion.py measures both, with and without)."""
    from measure.truth import visibility_calls

    det = pd.read_parquet(demo_run / "analysis" / "detections.parquet")
    truth = pd.read_parquet(demo_run / "clip" / "truth.parquet")
    report = json.loads((demo_run / "analysis" / "report.json").read_text())
    width, height = report["source"]["width"], report["source"]["height"]
    calls = visibility_calls(det, truth, width, height, report["settings"]["min_visible"])
    print(calls)
    assert calls["visible"] >= 1000 and calls["hidden"] >= 50, "the demo clip has players before boards"
    assert calls["visible_called_hidden"] <= 0.03 * calls["visible"]
    assert calls["hidden_caught"] >= 0.5 * calls["hidden"]


def test_exposure_within_tolerance(demo_run: Path) -> None:
    if reason := demo_below_target():
        pytest.skip(reason)
    cmp = pd.read_csv(demo_run / "truth_comparison.csv")
    judged = cmp[cmp["true_exposure_s"] >= 2.0]
    bad = judged[(judged["exposure_err"].abs() > 0.10) | (judged["share_err"].abs() > 0.20)]
    assert bad.empty, f"outside tolerance:\n{bad.to_string()}"


def test_analyze_cli_gives_the_demo_numbers(demo_run: Path, tmp_path: Path) -> None:
    clip = demo_run / "clip" / "demo_clip.mp4"
    out = tmp_path / "analysis"
    args = [
        "analyze",
        str(clip),
        "--out",
        str(out),
        "--sample-fps",
        SAMPLE_FPS,
        "--imgsz",
        IMGSZ,
        "--device",
        "cpu",
        "--weights",
        str(DEMO),
        "--sponsors",
        str(REPO / "weights" / "demo_catalogue.toml"),  # what demo checks the model with by default
    ]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    measured = {r["sponsor"]: r for r in json.loads((out / "report.json").read_text())["sponsors"]}
    demo = pd.read_csv(demo_run / "truth_comparison.csv").set_index("sponsor")
    for sponsor, row in demo.iterrows():
        assert measured[sponsor]["exposure_s"] == pytest.approx(row["exposure_s"], abs=1e-9), sponsor
        assert measured[sponsor]["mean_screen_share"] == pytest.approx(row["mean_screen_share"], abs=1e-9)


def test_documented_demo_table_is_what_make_demo_prints(tmp_path: Path) -> None:
    # `make demo` runs `sponsorlens demo` with its defaults; docs/benchmarks.md quotes the table it writes.
    res = runner.invoke(app, ["demo", "--out", str(tmp_path), "--device", "cpu"])
    assert res.exit_code == 0, res.output
    table = (tmp_path / "truth_comparison.md").read_text()
    page = (REPO / "docs" / "benchmarks.md").read_text()
    quoted = page.split("<!-- demo-table: generated by `make demo` -->\n", 1)[1].split(
        "<!-- /demo-table -->"
    )[0]
    assert quoted == table, (
        "docs/benchmarks.md's demo table is stale: paste demo_out/truth_comparison.md into it"
    )
