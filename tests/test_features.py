"""ROI features: built from analysis directories and a batch database, versioned, validated."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from roi_fixtures import video_row, write_photo_report, write_video_report

from measure import db as batch_db
from measure.roi.features import (
    FEATURE_COLUMNS,
    FEATURE_SCHEMA,
    FEATURE_SCHEMA_VERSION,
    FeatureError,
    build_features,
    fingerprint,
    read_features,
    validate_features,
    write_features,
)


@pytest.fixture()
def analyses(tmp_path: Path) -> Path:
    """Two video analyses and one photo archive under tmp_path/runs."""
    runs = tmp_path / "runs"
    write_video_report(runs / "final", "/media/final.mp4", [video_row("Acme", 30.0), video_row("Bolt", 10.0)])
    write_video_report(runs / "semi", "/media/semi.mp4", [video_row("Acme", 5.0, mean_clarity=0.4)])
    photo = {"sponsor": "Acme", "photos_with_sponsor": 3, "photo_rate": 0.3, "mean_screen_share": 0.1,
             "max_screen_share": 0.2, "mean_clarity": 0.8, "solo_photos": 1, "best_photo": "a.jpg"}  # fmt: skip
    write_photo_report(runs / "gala_photos", 10, [photo])
    return runs


def test_build_from_analysis_directories(analyses: Path, tmp_path: Path) -> None:
    events = tmp_path / "events.csv"
    events.write_text(
        "event_id,path,date,competition,audience\n"
        "2024-final,/media/final.mp4,2024-05-30,Cup,1200000\n"
        "semi,,2024-05-20,Cup,800000\n",
        encoding="utf-8",
    )
    costs = pd.DataFrame({"event_id": ["2024-final"], "sponsor": ["Acme"], "cost": [50000.0]})
    df = build_features([analyses], events=events, costs=costs)

    assert list(df.columns) == list(FEATURE_COLUMNS)
    assert df.attrs["schema_version"] == FEATURE_SCHEMA_VERSION
    assert sorted(df["event_id"].unique()) == ["2024-final", "gala_photos", "semi"]
    final = df[df["event_id"] == "2024-final"].set_index("sponsor")
    assert final.loc["Acme", "exposure_s"] == 30.0 and final.loc["Bolt", "exposure_s"] == 10.0
    assert final.loc["Acme", "quality_s"] == pytest.approx(18.0)
    assert final.loc["Acme", "cost"] == 50000.0 and math.isnan(final.loc["Bolt", "cost"])
    assert final.loc["Acme", "audience"] == 1_200_000
    assert final.loc["Acme", "date"] == pd.Timestamp("2024-05-30")
    assert final["photos_with_sponsor"].isna().all()  # photo stats do not apply to a video: missing, not 0
    semi = df[df["event_id"] == "semi"].iloc[0]
    assert semi["mean_clarity"] == 0.4 and semi["competition"] == "Cup"
    photo = df[df["event_id"] == "gala_photos"].iloc[0]
    assert (photo["photos"], photo["photos_with_sponsor"], photo["solo_photos"]) == (10, 3, 1)
    assert photo["source_kind"] == "photos" and math.isnan(photo["exposure_s"])
    assert pd.isna(photo["date"])


def test_two_halves_of_one_event_are_combined(tmp_path: Path) -> None:
    a = write_video_report(tmp_path / "h1", "h1.mp4", [
        video_row("Acme", 30.0, mean_screen_share=0.1, max_screen_share=0.3, exposures=3),
        video_row("Bolt", 10.0)])  # fmt: skip
    b = write_video_report(tmp_path / "h2", "h2.mp4", [
        video_row("Acme", 10.0, mean_screen_share=0.02, max_screen_share=0.1, exposures=1)])  # fmt: skip
    events = pd.DataFrame({"event_id": ["match", "match"], "path": [str(a), str(b)], "audience": [5e5, 5e5]})
    df = build_features([a, b], events=events).set_index("sponsor")
    assert df.loc["Acme", "event_id"] == "match"
    assert df.loc["Acme", "exposure_s"] == 40.0 and df.loc["Acme", "exposures"] == 4
    assert df.loc["Acme", "mean_screen_share"] == pytest.approx((30 * 0.1 + 10 * 0.02) / 40)
    assert df.loc["Acme", "max_screen_share"] == 0.3
    assert df.loc["Acme", "share_of_voice"] == pytest.approx(40 / 50)
    assert df.loc["Bolt", "share_of_voice"] == pytest.approx(10 / 50)


def _make_db(path: Path) -> None:
    con = batch_db.connect(path)
    key = batch_db.run_key({"sha256": "abc", "weights": "demo.pt"}, {"min_clarity": 0.3})
    batch_db.register_run(con, key, {"sha256": "abc", "weights": "demo.pt"}, {"min_clarity": 0.3})

    def source(name: str, kind: str, **kw: Any) -> dict[str, Any]:
        return {"source_id": batch_db.source_id(name, key), "run_key": key, "path": name, "kind": kind,
                "content_sha256": name, **kw}  # fmt: skip

    video = pd.DataFrame([video_row("Acme", 20.0), video_row("Bolt", 4.0)])
    batch_db.write_source(con, source("/season/r01.mp4", "video", duration_s=60.0), sponsor_exposure=video)
    for i, (share, clarity) in enumerate([(0.1, 0.9), (0.3, 0.5)]):
        row = pd.DataFrame(
            [
                {
                    "sponsor": "Acme",
                    "photos_with_sponsor": 1,
                    "photo_rate": 1.0,
                    "solo_photos": i,
                    "mean_screen_share": share,
                    "max_screen_share": share,
                    "mean_clarity": clarity,
                }
            ]
        )
        batch_db.write_source(con, source(f"/season/gala/p{i}.jpg", "photo", photos=1), sponsor_exposure=row)
    batch_db.write_source(con, source("/season/gala/p2.jpg", "photo", photos=1))  # no sponsor in it
    batch_db.write_source(con, source("/season/broken.mp4", "video"), error="cannot decode")
    con.close()


def test_build_from_batch_database(tmp_path: Path) -> None:
    path = tmp_path / "results.duckdb"
    _make_db(path)
    df = build_features([path])
    assert sorted(zip(df["event_id"], df["sponsor"], strict=True)) == [
        ("gala", "Acme"),
        ("r01", "Acme"),
        ("r01", "Bolt"),
    ]  # fmt: skip  (the failed source is left out)
    r01 = df[df["event_id"] == "r01"].set_index("sponsor")
    assert r01.loc["Acme", "exposure_s"] == 20.0 and r01.loc["Bolt", "media_value"] == 40.0
    gala = df[df["event_id"] == "gala"].iloc[0]
    assert gala["photos"] == 3 and gala["photos_with_sponsor"] == 2
    assert gala["photo_rate"] == pytest.approx(2 / 3)
    assert gala["mean_screen_share"] == pytest.approx(0.2) and gala["max_screen_share"] == 0.3
    assert gala["mean_clarity"] == pytest.approx(0.7) and gala["solo_photos"] == 1

    events = pd.DataFrame({"event_id": ["Round 1"], "path": ["/season/r01.mp4"], "date": ["2024-09-01"]})
    mapped = build_features([path], events=events)
    assert set(mapped["event_id"]) == {"Round 1", "gala"}
    assert (mapped.loc[mapped["event_id"] == "Round 1", "date"] == pd.Timestamp("2024-09-01")).all()


def test_parquet_and_csv_round_trip(analyses: Path, tmp_path: Path) -> None:
    df = build_features([analyses])
    pq_path = write_features(df, tmp_path / "f.parquet")
    assert pq.read_schema(pq_path).metadata[b"schema_version"] == FEATURE_SCHEMA_VERSION.encode()
    back = read_features(pq_path)
    pd.testing.assert_frame_equal(back, df)
    csv_path = write_features(df, tmp_path / "f.csv")
    assert (
        json.loads((tmp_path / "f.csv.schema.json").read_text())["schema_version"] == FEATURE_SCHEMA_VERSION
    )
    back = read_features(csv_path)
    pd.testing.assert_frame_equal(back, df, check_exact=False, rtol=1e-15)
    assert fingerprint(back) == fingerprint(df)


def test_csv_with_header_comment_is_accepted(analyses: Path, tmp_path: Path) -> None:
    df = build_features([analyses])
    body = df.to_csv(index=False, date_format="%Y-%m-%d")
    path = tmp_path / "hand.csv"
    path.write_text(f"# schema_version={FEATURE_SCHEMA_VERSION}\n{body}", encoding="utf-8")
    assert len(read_features(path)) == len(df)


def test_schema_errors_name_the_problem(analyses: Path, tmp_path: Path) -> None:
    df = build_features([analyses])
    with pytest.raises(FeatureError, match="missing feature columns: exposure_s"):
        validate_features(df.drop(columns=["exposure_s"]))
    with pytest.raises(FeatureError, match=r"unknown columns .*: colour"):
        validate_features(df.assign(colour="red"))
    old = df.copy()
    old.attrs["schema_version"] = "0"
    with pytest.raises(FeatureError, match="schema version 0 but this sponsorlens reads version"):
        validate_features(old)
    with pytest.raises(FeatureError, match="outside"):
        validate_features(df.assign(mean_clarity=1.5))
    with pytest.raises(FeatureError, match="non-numeric value 'lots'"):
        validate_features(df.assign(exposure_s="lots"))
    doubled = pd.concat([df, df.iloc[:1]])
    doubled.attrs = dict(df.attrs)
    with pytest.raises(FeatureError, match="more than one row for event"):
        validate_features(doubled)

    # files: a CSV without its version, and a Parquet file missing a column
    bare = tmp_path / "bare.csv"
    df.to_csv(bare, index=False)
    with pytest.raises(FeatureError, match=r"bare.csv: no schema_version"):
        read_features(bare)
    partial = df.drop(columns=["solo_s"])
    import pyarrow as pa

    table = pa.Table.from_pandas(partial, preserve_index=False)
    table = table.replace_schema_metadata({b"schema_version": FEATURE_SCHEMA_VERSION.encode()})
    pq.write_table(table, tmp_path / "partial.parquet")
    with pytest.raises(FeatureError, match=r"partial.parquet: missing feature columns: solo_s"):
        read_features(tmp_path / "partial.parquet")


def test_input_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(FeatureError, match=r"no report\.json"):
        build_features([tmp_path / "empty"])
    with pytest.raises(FeatureError, match="not found"):
        build_features([tmp_path / "nope"])
    a = write_video_report(tmp_path / "a", "a.mp4", [video_row("Acme", 1.0)])
    p = write_photo_report(tmp_path / "p", 4, [{"sponsor": "Acme", "photos_with_sponsor": 1}])
    events = pd.DataFrame({"event_id": ["x", "x"], "path": [str(a), str(p)]})
    with pytest.raises(FeatureError, match="mixes video and photo"):
        build_features([a, p], events=events)
    bad_events = pd.DataFrame({"event_id": ["a"], "date": ["not a date"]})
    with pytest.raises(FeatureError, match="'date' has a value that is not a date"):
        build_features([a], events=bad_events)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "report.json").write_text("{", encoding="utf-8")
    with pytest.raises(FeatureError, match="cannot read report"):
        build_features([tmp_path / "bad"])


def test_fingerprint_is_canonical(analyses: Path) -> None:
    df = build_features([analyses])
    shuffled = df.sample(frac=1.0, random_state=1)[list(reversed(df.columns))]
    assert fingerprint(shuffled) == fingerprint(df)
    changed = df.copy()
    changed.loc[0, "exposure_s"] = np.nextafter(changed.loc[0, "exposure_s"], np.inf)
    assert fingerprint(changed) != fingerprint(df)


def test_schema_is_documented() -> None:
    names = [c.name for c in FEATURE_SCHEMA]
    assert len(names) == len(set(names))
    for c in FEATURE_SCHEMA:
        assert c.description, c.name
    for required in ("exposure_s", "exposures", "quality_s", "mean_screen_share", "max_screen_share",
                     "mean_clarity", "share_of_voice", "solo_s", "mean_clutter", "media_value",
                     "photos_with_sponsor", "photo_rate", "solo_photos", "date", "competition",
                     "audience", "cost"):  # fmt: skip
        assert required in names
