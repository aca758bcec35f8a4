"""The one detection record, :class:`vision.inference.detections.Detections`: every method, then the real
path: a real YOLO model file on a real rendered frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from measure.records import DETECTION_COLUMNS, QUALITY_COLUMNS, empty_detections
from vision.inference.detections import Detections, box_corners

REPO = Path(__file__).resolve().parent.parent


def boxes(n: int, frame: int = 3, time: float = 0.12) -> Detections:
    """``n`` axis-aligned detections of sponsors A, B, A, ... with a quality column in ``data``."""
    xyxy = np.array([[10.0 * i, 5.0, 10.0 * i + 8, 9.5] for i in range(n)]).reshape(-1, 4)
    sponsors = np.array(["A" if i % 2 == 0 else "B" for i in range(n)], dtype=object)
    return Detections(
        xyxy,
        np.linspace(0.5, 0.9, n),
        sponsors,
        frame=frame,
        time=time,
        data={"clarity": np.linspace(0.1, 0.2, n)},
    )


def oriented(n: int) -> Detections:
    """``n`` oriented detections (text reads) of sponsor C, polygons tilted by one pixel."""
    poly = box_corners(np.array([[100.0, 20 * i, 140, 20 * i + 12] for i in range(n)]).reshape(-1, 4))
    poly[:, :, 1] += np.array([0.0, 1.0, 1.0, 0.0])
    xyxy = np.concatenate([poly.min(axis=1), poly.max(axis=1)], axis=1)
    return Detections(
        xyxy, 0.75, np.full(n, "C", dtype=object), polygon=poly, frame=4, time=0.16, source="text"
    )


# -------------------------------------------------------------------------------------- construction


def test_scalars_broadcast_and_columns_get_their_dtypes() -> None:
    d = Detections([[1, 2, 3, 4], [5, 6, 7, 8]], [0.5, 0.6], ["A", "B"], frame=7, time=0.28)
    assert len(d) == 2
    assert d.xyxy.dtype == np.float64 and d.xyxy.shape == (2, 4)
    assert d.confidence.dtype == np.float64 and d.sponsor.dtype == object
    assert d.track_id.tolist() == [-1, -1] and d.track_id.dtype == np.int64
    assert d.frame.tolist() == [7, 7] and d.frame.dtype == np.int64
    assert d.time.tolist() == [0.28, 0.28] and d.shot.tolist() == [0, 0]
    assert d.source.tolist() == ["model", "model"] and d.polygon is None and d.data == {}
    with pytest.raises(ValueError, match="column"):
        Detections([[1, 2, 3, 4]], [0.5, 0.6], ["A"])
    with pytest.raises(ValueError, match="data column"):
        Detections([[1, 2, 3, 4]], [0.5], ["A"], data={"x": np.zeros(2)})


def test_empty() -> None:
    e = Detections.empty()
    assert len(e) == 0 and e.xyxy.shape == (0, 4) and e.polygon is None
    assert e.corners.shape == (0, 4, 2)
    assert Detections.empty(oriented=True).polygon.shape == (0, 4, 2)  # type: ignore[union-attr]
    assert len(e[np.zeros(0, bool)]) == 0


# ---------------------------------------------------------------------------------------- indexing


def test_boolean_mask_index_array_slice_and_int_select_every_column_and_data() -> None:
    d = boxes(5)
    d.track_id = np.arange(5, dtype=np.int64)
    mask = np.array([True, False, True, False, True])
    for sub, rows in ((d[mask], [0, 2, 4]), (d[[3, 1]], [3, 1]), (d[1:4], [1, 2, 3]), (d[2], [2])):
        assert len(sub) == len(rows)
        np.testing.assert_array_equal(sub.xyxy, d.xyxy[rows])
        np.testing.assert_array_equal(sub.confidence, d.confidence[rows])
        assert sub.sponsor.tolist() == d.sponsor[rows].tolist()
        assert sub.track_id.tolist() == rows and sub.frame.tolist() == [3] * len(rows)
        np.testing.assert_array_equal(sub.data["clarity"], d.data["clarity"][rows])
        assert sub.polygon is None
    o = oriented(3)
    np.testing.assert_array_equal(o[[2, 0]].polygon, o.polygon[[2, 0]])  # type: ignore[index]
    assert o[np.array([], np.int64)].polygon.shape == (0, 4, 2)  # type: ignore[union-attr]


def test_corners_are_the_polygon_or_the_box_clockwise_from_top_left() -> None:
    d = Detections([[1.0, 2, 5, 7]], [0.9], ["A"])
    assert d.corners.tolist() == [[[1, 2], [5, 2], [5, 7], [1, 7]]]
    o = oriented(2)
    assert o.corners is o.polygon


def test_class_ids() -> None:
    d = boxes(3)
    assert d.class_ids(["B", "A"]).tolist() == [1, 0, 1]
    with pytest.raises(KeyError):
        d.class_ids(["A"])


# ------------------------------------------------------------------------------------------- merge


def test_merge_without_polygons_keeps_none_and_concatenates_in_order() -> None:
    a, b = boxes(2, frame=1), boxes(3, frame=2)
    m = Detections.merge([a, b])
    assert len(m) == 5 and m.polygon is None
    assert m.frame.tolist() == [1, 1, 2, 2, 2] and m.sponsor.tolist() == ["A", "B", "A", "B", "A"]
    np.testing.assert_array_equal(m.xyxy, np.concatenate([a.xyxy, b.xyxy]))
    np.testing.assert_array_equal(m.data["clarity"], np.concatenate([a.data["clarity"], b.data["clarity"]]))
    assert len(Detections.merge([])) == 0
    assert Detections.merge([a]).sponsor.tolist() == a.sponsor.tolist()


def test_merge_with_polygons_fills_box_corners_and_missing_data_with_nan() -> None:
    a, t = boxes(2), oriented(2)
    m = Detections.merge([a, t])
    assert m.polygon is not None and m.polygon.shape == (4, 4, 2)
    np.testing.assert_array_equal(m.polygon[:2], box_corners(a.xyxy))
    np.testing.assert_array_equal(m.polygon[2:], t.polygon)  # type: ignore[arg-type]
    assert m.source.tolist() == ["model", "model", "text", "text"]
    clarity = m.data["clarity"]
    assert clarity.dtype == np.float64 and np.isnan(clarity[2:]).all() and not np.isnan(clarity[:2]).any()
    # an object column with gaps gets None, an int column becomes float with NaN
    a.data["zone"] = np.array(["center", "top-left"], dtype=object)
    t.data["n"] = np.array([1, 2], dtype=np.int64)
    m = Detections.merge([a, t])
    assert m.data["zone"].tolist() == ["center", "top-left", None, None]
    assert m.data["n"].dtype == np.float64 and np.isnan(m.data["n"][:2]).all()


# ----------------------------------------------------------------------------------------- tables


def _round_trip(d: Detections) -> pd.DataFrame:
    df = d.to_frame()
    back = Detections.from_frame(df)
    pd.testing.assert_frame_equal(back.to_frame(), df)
    return df


def test_to_frame_has_the_schema_and_round_trips() -> None:
    d = boxes(3)
    d.track_id = np.array([4, -1, 5], dtype=np.int64)
    d.shot = np.array([0, 1, 1], dtype=np.int64)
    df = _round_trip(d)
    assert list(df.columns) == [*DETECTION_COLUMNS, "clarity"]
    assert {c: str(t) for c, t in df.dtypes.items() if c in DETECTION_COLUMNS} == DETECTION_COLUMNS
    assert df[[f"px{i}" for i in range(4)]].isna().all().all()
    assert df["sponsor"].tolist() == ["A", "B", "A"] and df["t"].tolist() == [0.12] * 3
    back = Detections.from_frame(df)
    assert back.polygon is None and back.data.keys() == {"clarity"}
    np.testing.assert_array_equal(back.xyxy, d.xyxy)  # these boxes are exact in float32
    assert back.track_id.tolist() == [4, -1, 5] and back.shot.tolist() == [0, 1, 1]


def test_oriented_and_mixed_tables_round_trip() -> None:
    t = oriented(2)
    df = _round_trip(t)
    np.testing.assert_allclose(df[["px1", "py1"]].to_numpy(), t.polygon[:, 1])  # type: ignore[index]
    back = Detections.from_frame(df)
    np.testing.assert_allclose(back.polygon, t.polygon)  # type: ignore[arg-type]
    assert back.source.tolist() == ["text", "text"]
    mixed = Detections.merge([boxes(1), oriented(1)]).to_frame()
    mixed.loc[0, [f"p{a}{i}" for i in range(4) for a in "xy"]] = np.nan  # an axis-aligned row
    m = Detections.from_frame(mixed)
    np.testing.assert_array_equal(m.corners[0], box_corners(m.xyxy[:1])[0])


def test_empty_table_round_trips_with_the_schema() -> None:
    df = _round_trip(Detections.empty())
    pd.testing.assert_frame_equal(df, empty_detections())
    assert len(Detections.from_frame(empty_detections(with_quality=True)).data) == len(QUALITY_COLUMNS)


def test_from_frame_of_a_table_without_optional_columns() -> None:
    df = pd.DataFrame({"sponsor": ["A"], "conf": [0.5], "x1": [1.0], "y1": [2.0], "x2": [3.0], "y2": [4.0]})
    d = Detections.from_frame(df)
    assert d.track_id.tolist() == [-1] and d.source.tolist() == ["model"] and d.polygon is None


# --------------------------------------------------------------------------- the real model's path


def _frame() -> np.ndarray:
    """A real rendered broadcast frame with the demo sponsors' artwork."""
    import tempfile

    import cv2

    from vision.io.artwork import load_logos
    from vision.training.clip import render_clip

    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "clip.mp4"
        render_clip(
            load_logos(REPO / "weights" / "demo_artwork"), out, seconds=0.4, fps=25, size=(640, 360), seed=5
        )
        cap = cv2.VideoCapture(str(out))
        ok, image = cap.read()
        cap.release()
    assert ok
    return image


@pytest.mark.parametrize("which", ["demo", "obb"])
def test_from_ultralytics_equals_the_detector_and_to_frame_has_the_schema(
    which: str, yaml_obb_model: Path
) -> None:
    from vision.inference.detector import LogoDetector

    weights = REPO / "weights" / "demo.pt" if which == "demo" else yaml_obb_model
    # the untrained OBB model's scores are tiny: a low threshold still gives it detections
    det = LogoDetector(weights, conf=0.25 if which == "demo" else 0.001, device="cpu", imgsz=320)
    image = _frame()
    (found,) = det.predict([image], [11], [0.44])
    assert len(found) > 0
    raw = det.model.predict([image], imgsz=320, conf=det.conf, iou=det.iou, device="cpu", verbose=False)[0]
    mine = Detections.from_ultralytics(raw, frame=11, time=0.44)  # class names from the result
    for field in ("xyxy", "confidence", "sponsor", "track_id", "frame", "time", "shot", "source"):
        np.testing.assert_array_equal(getattr(mine, field), getattr(found, field))
    assert set(found.sponsor) <= set(det.names) and found.xyxy.dtype == np.float64
    if which == "obb":
        assert found.polygon is not None and found.polygon.shape == (len(found), 4, 2)
        np.testing.assert_array_equal(mine.polygon, found.polygon)  # type: ignore[arg-type]
    else:
        assert found.polygon is None and mine.polygon is None
    df = found.to_frame()
    assert list(df.columns) == list(DETECTION_COLUMNS)
    assert {c: str(t) for c, t in df.dtypes.items()} == DETECTION_COLUMNS
    assert (
        (df["frame"] == 11).all() and (df["t"] == 0.44).all() and df["px0"].isna().all() == (which == "demo")
    )
    np.testing.assert_allclose(Detections.from_frame(df).xyxy, found.xyxy, atol=1e-3)  # float32 table


def test_module_imports_no_torch_or_ultralytics() -> None:
    import subprocess
    import sys

    code = (
        "import sys; import vision.inference.detections; "
        "print(any(m.split('.')[0] in ('torch', 'ultralytics') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "False"
