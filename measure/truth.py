"""Measured against true exposure: per sponsor, the relative error of exposure seconds and mean
screen share against a clip whose truth is known (the demo's rendered clip), and the tolerances the
demo is judged by."""

from __future__ import annotations

import numpy as np
import pandas as pd

from measure.geometry import box_iou


def truth_comparison(
    sponsors: pd.DataFrame, true_exposure: dict[str, float], true_share: dict[str, float]
) -> pd.DataFrame:
    """Return measured vs true exposure seconds and mean screen share per sponsor, with relative errors.

    ``exposure_err`` and ``share_err`` are (measured - true) / true, as fractions; NaN when the truth is 0.
    """
    measured = sponsors.set_index("sponsor")
    rows = []
    for sponsor in sorted(set(true_exposure) | set(measured.index)):
        m_exp = float(measured["exposure_s"].get(sponsor, 0.0))
        m_share = float(measured["mean_screen_share"].get(sponsor, 0.0))
        t_exp = float(true_exposure.get(sponsor, 0.0))
        t_share = float(true_share.get(sponsor, 0.0))
        rows.append(
            {
                "sponsor": sponsor,
                "true_exposure_s": t_exp,
                "exposure_s": m_exp,
                "exposure_err": (m_exp - t_exp) / t_exp if t_exp > 0 else float("nan"),
                "true_mean_screen_share": t_share,
                "mean_screen_share": m_share,
                "share_err": (m_share - t_share) / t_share if t_share > 0 else float("nan"),
            }
        )
    return pd.DataFrame(rows)


#: The onboarding tolerances the demo is judged by: relative error on exposure seconds and on mean
#: screen share, for sponsors with at least :data:`JUDGED_MIN_S` seconds of true exposure.
EXPOSURE_TOL, SHARE_TOL, JUDGED_MIN_S = 0.10, 0.20, 2.0


def comparison_markdown(cmp: pd.DataFrame) -> str:
    """Return the measured-vs-truth table as Markdown, with a line counting the sponsors within the
    tolerances; ``demo`` writes it to ``truth_comparison.md`` and docs/benchmarks.md quotes it verbatim."""

    def err(v: float) -> str:
        return "-" if pd.isna(v) else f"{v:+.1%}"

    lines = [
        "| sponsor | true s | measured s | error | true share | measured share | error |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in cmp.itertuples():
        lines.append(
            f"| {r.sponsor} | {r.true_exposure_s:.1f} | {r.exposure_s:.1f} | {err(r.exposure_err)} "
            f"| {r.true_mean_screen_share:.2%} | {r.mean_screen_share:.2%} | {err(r.share_err)} |"
        )
    judged = cmp[cmp["true_exposure_s"] >= JUDGED_MIN_S]
    on_s = judged["exposure_err"].abs() <= EXPOSURE_TOL
    on_share = judged["share_err"].abs() <= SHARE_TOL

    def names(mask: pd.Series) -> str:
        return f"{int(mask.sum())} of {len(judged)}" + (
            f" ({', '.join(judged['sponsor'][mask])})" if mask.any() else ""
        )

    lines += [
        "",
        f"Of the sponsors with at least {JUDGED_MIN_S:g} s on screen: within {EXPOSURE_TOL:.0%} on exposure "
        f"seconds {names(on_s)}; within {SHARE_TOL:.0%} on mean screen share {names(on_share)}; "
        f"within both {names(on_s & on_share)}.",
    ]
    return "\n".join(lines) + "\n"


def _matched(
    detections: pd.DataFrame, truth: pd.DataFrame, width: int, height: int
) -> list[tuple[object, pd.Series]]:
    """Return ``(detection, true instance)`` pairs: each detection that touches no border of the
    ``width x height`` frame (pixels) with the true instance of its sponsor in its frame that it
    overlaps most (IoU > 0.1; ``truth`` has the columns of :data:`vision.training.clip.TRUTH_COLUMNS`)."""
    inside = (
        (detections["x1"] >= 1)
        & (detections["y1"] >= 1)
        & (detections["x2"] <= width - 1)
        & (detections["y2"] <= height - 1)
    )
    by_key = {k: g for k, g in truth.groupby(["frame", "sponsor"])}
    pairs = []
    for r in detections[inside].itertuples():
        g = by_key.get((r.frame, r.sponsor))
        if g is None:
            continue
        iou = box_iou(np.array([r.x1, r.y1, r.x2, r.y2]), g[["x1", "y1", "x2", "y2"]].to_numpy(float))
        if iou.max() > 0.1:
            pairs.append((r, g.iloc[int(iou.argmax())]))
    return pairs


def visibility_calls(
    detections: pd.DataFrame, truth: pd.DataFrame, width: int, height: int, floor: float
) -> dict[str, int]:
    """Count how a run's ``visible_fraction`` calls the true visibility of the logos it detected.

    Each detection is paired with a true instance as :func:`_matched` does. Returns ``visible``
    (matched to an instance at least ``floor`` visible), ``visible_called_hidden`` (of those,
    ``visible_fraction`` < ``floor``), ``hidden`` (matched to one below ``floor``) and
    ``hidden_caught`` (of those, called below).
    """
    pairs = _matched(detections, truth, width, height)
    seen = np.array([t["visible_fraction"] >= floor for _, t in pairs], dtype=bool)
    said = np.array([r.visible_fraction >= floor for r, _ in pairs], dtype=bool)
    return {
        "visible": int(seen.sum()),
        "visible_called_hidden": int((seen & ~said).sum()),
        "hidden": int((~seen).sum()),
        "hidden_caught": int((~seen & ~said).sum()),
    }


def box_end_error(detections: pd.DataFrame, truth: pd.DataFrame, width: int, height: int) -> float:
    """Return how far the qualifying detections' boxes end from the logo in view, in pixels: the
    mean over detections paired with a true instance (:func:`_matched`) of |left end - the left end
    of the instance's visible box| + |right end - its right end|; NaN when none is paired."""
    pairs = _matched(detections[detections["qualifies"]], truth, width, height)
    errors = [abs(r.x1 - t["x1"]) + abs(r.x2 - t["x2"]) for r, t in pairs]
    return float(np.mean(errors)) if errors else float("nan")
