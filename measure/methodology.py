"""The definition of every number SponsorLens reports, and the constants in those definitions.

This module is the single source of the methodology: :mod:`measure.quality` and
:mod:`measure.exposure` take their constants from here, :data:`METRICS` gives each metric a
one-paragraph plain-text definition (for report tooltips and the HTML appendix) and
:data:`METHODOLOGY_MD` is the docs' Methodology page (Markdown; `python docs/gen.py` writes docs/methodology.md). It imports nothing heavy.
"""

from __future__ import annotations

from measure.settings import MeasureSettings

# ------------------------------------------------------------------ constants of the definitions
#: Sizes are judged on the frame scaled so that its short side is this many pixels (720p): a logo's
#: legible size is a fraction of the picture, not of the file's resolution, so a 480p proxy, a 720p
#: stream and a 1080p master of one broadcast give the same exposure.
REFERENCE_SIDE_PX: float = 720.0
#: Short side (reference pixels) from which a logo counts as fully legible: ``size_score`` saturates at 1.
LEGIBLE_SIDE_PX: float = 32.0
#: Scale (1/pixels) in ``sharpness = 1 - exp(-edge_slope / SHARPNESS_SCALE)``.
SHARPNESS_SCALE: float = 0.2
#: Share of pixels below / above the low / high intensity percentile used for the contrast range.
CONTRAST_PERCENTILES: tuple[float, float] = (2.0, 98.0)
#: ``n = max(4, ceil(EDGE_FRACTION * sqrt(pixels)))`` steepest gradients make up the edge slope.
EDGE_FRACTION: float = 0.5
#: Contrast (fraction of the 0..255 range) at or below which a crop counts as flat.
CONTRAST_FLOOR: float = 0.05
#: Contrast (fraction of the 0..255 range) from which contrast no longer limits clarity.
CONTRAST_FULL: float = 0.30
#: Screen share (fraction of the frame) from which a logo counts as full size in the quality index.
FULL_SIZE_SHARE: float = 0.05
#: One missed analysed frame between two where a sponsor is visible, in one shot, is bridged when it
#: leaves at most this many seconds uncovered, even beyond max_gap_s: reading once a second misses a
#: board's lettering on some frames, and one miss is not one second off screen.
ONE_FRAME_GAP_S: float = 1.0
#: Position factor at a frame corner; it rises linearly with centrality to 1 at the frame centre.
POSITION_FLOOR: float = 0.75
#: Share in view (``visible_fraction`` where the artwork is known; vision.inference.occlusion): the
#: artwork and the box are compared at this height (pixels) ...
VIEW_CANON_H: int = 32
#: ... in strips this many logo heights wide, starting every VIEW_HOP_PX canonical pixels ...
VIEW_STRIP_H: float = 0.5
VIEW_HOP_PX: int = 4
#: ... after smearing the artwork horizontally by each of these canonical pixels (camera motion) ...
VIEW_SMEARS_PX: tuple[int, ...] = (1, 3, 6, 10, 16)
#: ... and scaling it by each of these (x, y) against the box (a detector's box is rarely exact).
VIEW_SCALES_X: tuple[float, ...] = (0.8, 0.86, 0.93, 1.0, 1.08, 1.16, 1.25)
VIEW_SCALES_Y: tuple[float, ...] = (0.6, 0.72, 0.86, 1.0, 1.16)
#: A strip is in view when its colour correlation with the artwork is at least this, ...
VIEW_CORRELATION: float = 0.5
#: ... or its mean colour is within this (0..441, RGB euclidean) of the artwork's on the board.
VIEW_COLOUR_TOL: float = 40.0
#: A judgement counts only when the strips whose marks correlate do so on average at least this well
#: (else the artwork is misaligned or not the lockup on screen, and nothing is judged).
VIEW_SETTLED: float = 0.65
#: A judgement is *trusted* when a strip correlates at least this well; a sponsor's judgements count
#: once VIEW_TRUST_AFTER of its detections in the run were trusted (its artwork is how it looks here).
VIEW_TRUSTED: float = 0.8
VIEW_TRUST_AFTER: int = 3
#: Boxes less high than this (pixels) are not judged.
VIEW_MIN_SIDE_PX: float = 12.0
#: Placement: a detection's screen box (centre x, centre y, size) is quantised to cells of this
#: fraction of the frame; detections of one sponsor in one cell form a group (a stable screen box).
PLACEMENT_CELL: float = 0.02
#: A run (consecutive analysed frames of one shot with the box in its cell) ends where the camera
#: moved more than this between two analysed frames (fraction of the frame).
OVERLAY_STEP_MAX: float = 0.05
#: A stable screen box is a broadcast overlay when the camera moved at least this far during one of
#: its runs (fraction of the frame, Euclidean over the width and height fractions) ...
OVERLAY_CAMERA_MOVE: float = 0.10
#: ... or when it has runs lasting at least OVERLAY_MIN_RUN_S seconds (first to last analysed frame) in
#: at least OVERLAY_MIN_SHOTS shots.
OVERLAY_MIN_RUN_S: float = 1.0
OVERLAY_MIN_SHOTS: int = 2
#: Those shots must show different pictures: the mean absolute difference of their 16x9 grey
#: thumbnails (0-255 grey levels) at least this. A fixed camera that returns to one framing after a
#: cut (a tennis baseline camera) shows its boards at the same place: that is not an overlay.
OVERLAY_PICTURE_CHANGE: float = 6.0
#: Shot type: a shot whose median detail (fraction of pixels on a Canny edge, 256 px wide frame) is
#: below this is a close-up ...
SHOT_DETAIL_CLOSEUP: float = 0.08
#: ... else a shot whose in-venue detections have a median short side of at least this fraction of the
#: frame height is tight (a board seen closer), below it wide ...
SHOT_LOGO_TIGHT: float = 0.042
#: ... and a shot without in-venue detections is wide when the video's playing-surface colour covers at
#: least this fraction of the frame, tight below.
SHOT_SURFACE_WIDE: float = 0.45

#: The ambush radar ("other brands seen", :mod:`measure.ambush`): a read needs at least this many
#: letters or digits (after normalisation) ...
RADAR_MIN_CHARS: int = 4
#: ... and at most this share of digits (clocks, scores, minute marks are mostly digits).
RADAR_MAX_DIGIT_SHARE: float = 0.5
#: A brand needs at least this many placed reads ...
RADAR_MIN_READS: int = 3
#: ... spanning at least this many seconds (first to last placed read).
RADAR_MIN_SPAN_S: float = 2.0
#: A read is placed when a read of its brand at the neighbouring read moment of the shot is within
#: this fraction of the frame diagonal (centre to centre): boards move with the camera, not by jumps.
RADAR_PLACE_TOL: float = 0.1
#: ... and that read moment is at most this many whole-frame reads away (2: one read may miss it).
RADAR_MAX_GAP_READS: int = 2
#: A read that stays still (within this fraction of the frame diagonal of its neighbouring read) at a
#: place where its text stays still in another shot too is the broadcaster's graphic (a caption fixed
#: on screen across cuts) and is dropped.
RADAR_FIXED_TOL: float = 0.01
#: The best read of a brand is its largest read with at least this recognition score (if any).
RADAR_CLEAR_SCORE: float = 0.8
#: The table lists at most this many brands (most seconds first).
RADAR_MAX_BRANDS: int = 50

_D = MeasureSettings()
_P_LO, _P_HI = (f"{p:g}" for p in CONTRAST_PERCENTILES)
_FULL_PCT = f"{FULL_SIZE_SHARE * 100:g} %"

#: Metric name -> plain-text definition with its unit (one paragraph each).
METRICS: dict[str, str] = {
    # --- per detection
    "screen_share": (
        "Fraction of the frame area covered by the detection's box (or rotated box), counting only the part "
        "inside the frame; per sponsor and frame, the union of its qualifying boxes, so overlapping logos "
        "count once. Where the sponsor's artwork judges the logo (see visible_fraction), the box is first "
        "cut along its length to the logo in view: plain board beyond the aligned artwork and the "
        "artwork's hidden ends are not the logo."
    ),
    "short_side_px": (
        "Short side of the detection's box in pixels (for a rotated box the smaller mean of opposite sides), "
        "measured on the whole box including any part outside the frame."
    ),
    "reference_side_px": (
        f"The short side in pixels of a frame scaled so that its own short side is {REFERENCE_SIDE_PX:g} px: "
        f"short_side_px x {REFERENCE_SIDE_PX:g} / min(frame width, frame height). Legibility is judged on it, "
        "so one broadcast gives the same exposure at 480p, 720p or 1080p."
    ),
    "size_score": (
        f"Legible size in [0, 1]: min(1, reference_side_px / {LEGIBLE_SIDE_PX:g}); a logo with a short side "
        f"of {LEGIBLE_SIDE_PX:g} px or more on the {REFERENCE_SIDE_PX:g} px reference frame counts as fully "
        "legible."
    ),
    "contrast": (
        f"Intensity range of the pixels inside the box, (P{_P_HI} - P{_P_LO}) / 255 in [0, 1], taken in the "
        "colour channel (blue, green or red; grey for grey frames) where that range is widest."
    ),
    "sharpness": (
        f"How crisp the logo's edges are, in [0, 1]: 1 - exp(-s / {SHARPNESS_SCALE:g}), where s (per pixel) "
        "is the mean of the steepest Sobel gradient magnitudes inside the box (the "
        f"max(4, ceil({EDGE_FRACTION:g} x sqrt(pixels))) largest) divided by the contrast range "
        f"P{_P_HI} - P{_P_LO}; s is about 0.5 for a crisp edge and 0.4 / sigma for an edge blurred by a "
        "Gaussian of sigma pixels, whatever the logo's size or brightness."
    ),
    "visible_fraction": (
        "Fraction in [0, 1] of the logo that lies inside the frame: area(box inside the frame) / area(box), "
        "and, for a box that ends at the left or right (top or bottom) frame border, its width (height) "
        "over the logo's whole width (height) estimated from the median aspect of the same logo's uncut "
        "boxes (the track's, else the sponsor's in the shot or photo, else anywhere in the video); below 1 "
        "when the frame border cuts the logo off. Where the sponsor's artwork is known (the catalogue's or "
        "the model card's), the smaller of that and the share of the logo in view: the artwork, aligned "
        "to the box and smeared like the camera's motion, is compared strip by strip "
        f"({VIEW_STRIP_H:g} logo heights wide) with the picture, and a strip whose marks neither correlate "
        f"(colour correlation below {VIEW_CORRELATION:g}) nor have the logo's colours on its board is "
        "hidden, e.g. behind a player."
    ),
    "clarity": (
        "Legibility in [0, 1]: sharpness x contrast_factor x size_score x visible_fraction, where "
        f"contrast_factor = clip((contrast - {CONTRAST_FLOOR:g}) / ({CONTRAST_FULL:g} - {CONTRAST_FLOOR:g}), "
        "0, 1); per sponsor and frame, the best clarity among its qualifying detections."
    ),
    "zone": (
        "Cell of a 3 x 3 grid over the frame (top-left ... bottom-right) that holds the centre of the "
        "detection's bounding box clipped to the frame."
    ),
    "centrality": (
        "Position in [0, 1]: 1 - d / D, with d the distance of the clipped box centre from the frame centre "
        "and D half the frame diagonal (1 at the centre, 0 at a corner); per sponsor and frame, that of its "
        "largest qualifying detection."
    ),
    "source": (
        "What found the detection: 'model' (the YOLO model) or 'text' (the text reader, which reads a line "
        "of text naming a catalogue sponsor; its box is the text line's rotated box, the whole logo's when "
        "the sponsor's artwork says where the text sits in it, or the name's part of the line when the "
        "line holds more)."
    ),
    "qualifies": (
        f"A detection counts toward exposure when reference_side_px >= min_side_px (default "
        f"{_D.min_side_px:g} px on the {REFERENCE_SIDE_PX:g} px reference frame), visible_fraction >= "
        f"min_visible (default {_D.min_visible:g}: most of the logo in the frame and not hidden) and its "
        f"clarity without the size factor, clarity / size_score, is >= min_clarity (default "
        f"{_D.min_clarity:g}): size is gated once, by min_side_px."
    ),
    "placement": (
        "Where a detection sits: 'overlay' (a broadcast graphic such as a score bug's sponsor panel: it keeps "
        "its screen position while the picture moves and survives cuts) or 'in_venue' (a board, banner or "
        "shirt in the picture). Detections of one sponsor whose box centre and size fall in one cell of "
        f"{PLACEMENT_CELL:g} of the frame form a group; a group is an overlay when the camera moved at least "
        f"{OVERLAY_CAMERA_MOVE:g} of the frame while it stayed in its cell (over consecutive analysed frames, "
        f"each camera step at most {OVERLAY_STEP_MAX:g}), or when it stayed in its cell for at least "
        f"{OVERLAY_MIN_RUN_S:g} s of consecutive analysed frames in at least {OVERLAY_MIN_SHOTS} shots whose pictures "
        f"differ (16x9 grey thumbnails at least {OVERLAY_PICTURE_CHANGE:g} grey levels apart on average: a camera "
        "that returns to one framing is not a second picture). Camera motion is the phase correlation of "
        "consecutive analysed frames."
    ),
    "shot_type": (
        "Type of a camera shot, from the medians over its analysed frames: 'closeup' when the share of "
        f"pixels on an edge (256 px wide frame) is below {SHOT_DETAIL_CLOSEUP:g} and its in-venue detections "
        "(if any) are not small; else 'tight' when its "
        f"in-venue detections' median short side is at least {SHOT_LOGO_TIGHT:g} of the frame height, "
        "'wide' below; without in-venue detections 'wide' when the video's playing-surface colour (learned "
        f"from the video) covers at least {SHOT_SURFACE_WIDE:g} of the frame, else 'tight'."
    ),
    "replay": (
        "A camera shot is a replay when the text reader reads a replay word (REPLAY, WIEDERHOLUNG, "
        "REPETICIÓN, RALENTI, REPRISE, ... in twelve languages, with the sponsor matcher's tolerance for "
        "accents and OCR confusions; ordinary words a few edits away never count) in the top or bottom "
        "fifth of the frame, read 0.8 s and 2.4 s after the shot's first analysed frame (a shorter shot "
        "once, 0.25 s in), or in a whole-frame read of the shot. Every other shot is live: a replay with "
        "no caption in those bands counts as live. The words and read times are "
        "vision.inference.replay's REPLAY_WORDS and READ_AT_S."
    ),
    # --- per analysed frame
    "interval_s": (
        "Seconds an analysed frame stands for: the time from its timestamp to the next analysed frame's "
        "timestamp (the last one until the end of the video)."
    ),
    "visible": (
        "A sponsor is visible in an analysed frame when at least one of its detections there qualifies, or "
        "the frame is bridged; several logos of one sponsor at the same moment count once."
    ),
    "bridged": (
        "Frames between two consecutive analysed frames i < j of the same shot where a sponsor is visible "
        "count as visible when the time left uncovered between them, t_j - (t_i + interval_i), is at most "
        f"max_gap_s (default {_D.max_gap_s:g} s), or, for one missed analysed frame (j = i + 2), at most "
        f"{ONE_FRAME_GAP_S:g} s; whichever of the sponsor's logos or tracks was seen. They "
        "keep frame i's screen share, clarity and centrality. Camera cuts are never bridged."
    ),
    "clutter": "Number of other sponsors visible in the same analysed frame (count).",
    "quality": (
        "Quality index q in [0, 1] of a visible frame: size_factor x clarity x position_factor x "
        f"clutter_factor, with size_factor = min(1, sqrt(screen_share / {FULL_SIZE_SHARE:g})) (full from "
        f"{_FULL_PCT} of the frame), position_factor = {POSITION_FLOOR:g} + {1 - POSITION_FLOOR:g} x "
        "centrality and clutter_factor = 1 / (1 + clutter)."
    ),
    # --- per segment
    "segment": (
        "A maximal run of consecutive analysed frames in which a sponsor is visible, broken at every "
        "camera cut; it lasts duration_s = end_s - start_s seconds, from the first frame's timestamp to the "
        "end of the last frame's interval."
    ),
    # --- per sponsor
    "exposure_s": "Seconds the sponsor is visible: the sum of interval_s over its visible analysed frames.",
    "exposures": (
        f"Number of the sponsor's segments lasting at least min_exposure_s (default {_D.min_exposure_s:g} s)."
    ),
    "mean_screen_share": (
        "Interval-weighted mean of the sponsor's per-frame screen share over its visible frames, a fraction "
        "of the frame area (0 if never visible)."
    ),
    "max_screen_share": (
        "Largest per-frame screen share of the sponsor over its visible frames, a fraction of the frame "
        "area (0 if never visible)."
    ),
    "mean_clarity": (
        "Interval-weighted mean of the sponsor's per-frame clarity over its visible frames, in [0, 1] "
        "(0 if never visible)."
    ),
    "quality_s": (
        "Quality-weighted seconds: the sum of q x interval_s over the sponsor's visible frames (seconds; at "
        "most exposure_s)."
    ),
    "share_of_voice": (
        "The sponsor's exposure_s divided by the sum of exposure_s of all sponsors analysed, a fraction "
        "(0 when no sponsor is visible)."
    ),
    "solo_s": "Seconds the sponsor is visible with clutter 0: no other sponsor is visible at the same time.",
    "mean_clutter": (
        "Interval-weighted mean of clutter over the sponsor's visible frames (count of other sponsors; 0 if "
        "never visible)."
    ),
    "media_value": (
        "quality_s x the rate card's rate for the sponsor (currency per quality-second; the default rate "
        "for sponsors not listed), in the rate card's currency; 0 without a rate card."
    ),
    "best_frame": (
        "Decoded frame index of the sponsor's visible frame with the highest q among frames with a real "
        "detection (never a bridged frame, which shows no box), the earliest on ties; -1 if never visible."
    ),
    "best_t": "Timestamp in seconds of best_frame; empty (NaN) if never visible.",
    # --- competitors (catalogue categories)
    "category": (
        'The sponsor\'s category in the sponsor catalogue (category = "airline" in --sponsors FILE); '
        "empty for a sponsor without one, which then belongs to no category and has no competitors."
    ),
    "competitor_s": (
        "Competitor seconds: the sum of interval_s over the sponsor's visible frames in which at least one "
        "other sponsor of its category is visible too (seconds; at most exposure_s; 0 for a sponsor "
        "without a category)."
    ),
    "category_s": (
        "Seconds the category is on screen: the sum of interval_s over the analysed frames in which at "
        "least one of its sponsors is visible (the union of their visible time; two of them at once count "
        "once)."
    ),
    "sponsor_s": (
        "The sum of exposure_s of the category's sponsors (seconds; two of them at once count twice, as in "
        "share of voice)."
    ),
    "category_share_of_voice": (
        "The category's share of voice: sponsor_s divided by the sum of exposure_s of all sponsors analysed, "
        "a fraction; the sum of its sponsors' share_of_voice (0 when no sponsor is visible)."
    ),
    "competitor_photos": (
        "Number of photos in which the sponsor appears together with at least one other sponsor of its "
        "category (0 for a sponsor without a category)."
    ),
    "photos_with_category": "Number of photos in which at least one sponsor of the category appears.",
    "clash_photos": "Number of photos in which two or more distinct sponsors of the category appear.",
    "clash_s": (
        "Clash seconds: the sum of interval_s over the analysed frames in which two or more distinct "
        "sponsors of the category are visible at once (seconds; at most category_s)."
    ),
    # --- visual context
    "context": (
        "The sponsor's numbers split by visual context: for each dimension (placement: in_venue, overlay "
        "or unknown; shot_type: wide, tight, closeup or unknown; replay: live or replay) and value, "
        "exposure_s, quality_s, media_value and the interval-weighted mean_screen_share and mean_clarity "
        "over the sponsor's visible frames with that value, and exposures, the segments lasting at least "
        "min_exposure_s whose value it is. A visible frame's placement is that of the sponsor's largest "
        "qualifying detection in it (the one whose centrality is used; a bridged frame takes its source "
        "frame's); its shot type and replay flag are its shot's. A segment lies in one shot and takes the "
        "placement holding most of its seconds. Each dimension's values partition the sponsor's visible "
        "frames and segments, so their seconds, quality seconds, media value and exposures add up to the "
        "sponsor's. Unknown: not classified; without a replay detector every frame is live."
    ),
    "share_of_exposure": (
        "A context value's exposure_s divided by the sponsor's exposure_s, a fraction; the values of one "
        "dimension add up to 1 (0 for a sponsor never visible)."
    ),
    # --- photo archives
    "photos_with_sponsor": "Number of photos in which the sponsor appears, i.e. has a qualifying detection.",
    "photo_rate": "photos_with_sponsor / photos analysed, a fraction (0 for an empty archive).",
    "solo_photos": "Number of photos in which the sponsor is the only sponsor that appears.",
    "best_photo": (
        "The photo with the sponsor's highest quality index q (the earlier photo on ties); "
        "best_photo_quality is that q, in [0, 1]."
    ),
    # --- other brands seen (the ambush radar)
    "other_brand_s": (
        "Seconds an other brand (text read on screen that names no catalogue sponsor) stands on screen: "
        "each whole-frame read stands until the next whole-frame read, the next cut or the end of the video, "
        "whichever comes first (like a held read), and the brand's seconds are the sum over the reads in "
        "which it was read, each read counted once."
    ),
    "other_brand_reads": "Number of text lines read as the other brand (after the radar's filters), count.",
    "other_brand_first_t": "Timestamp in seconds of the other brand's first read.",
    "other_brand_screen_share": (
        "Mean fraction of the frame area covered by the other brand's text lines (their rotated boxes), "
        "weighted by the seconds each read stands for."
    ),
    "other_brand_best": (
        "The other brand's best read: its largest text line (by area) among its reads with recognition score "
        f"at least {RADAR_CLEAR_SCORE:g} (all its reads when none is); best_frame and best_t are its frame and "
        "seconds, best_x1..best_y2 the line's bounding box in pixels."
    ),
}


def _table(rows: list[tuple[str, str, str]]) -> str:
    """Return a Markdown table of (metric, unit, definition) rows."""
    lines = ["| Metric | Unit | Definition |", "|---|---|---|"]
    lines += [f"| {m} | {u} | {d} |" for m, u, d in rows]
    return "\n".join(lines)


_DETECTION_ROWS: list[tuple[str, str, str]] = [
    (
        "`screen_share`",
        "fraction",
        (
            "area(box ∩ frame) / area(frame). Where the artwork judges the logo (`visible_fraction`), the "
            "box is first cut along its length: columns beyond the aligned artwork that are plain board "
            f"(flat, within {VIEW_COLOUR_TOL:g} of the board colour; a mark's soft edge kept), and the "
            "artwork's ends that are not in view, so the share is that of the box of the logo's visible "
            "pixels"
        ),
    ),
    (
        "`visible_fraction`",
        "fraction",
        (
            "area(box ∩ frame) / area(box); a box ending at the left or right frame border (and at "
            "neither the top nor the bottom) is `min(1, w / (h × a))` of its logo, and one ending at the "
            "top or bottom `min(1, h × a / w)`, where *a* is the median width / height of the same logo's "
            "boxes that touch no border: its track's, else its sponsor's in the same shot (a photo: in "
            "the same photo), else its sponsor's anywhere in the video (unchanged when there is none). "
            "A detector's box stops "
            "at the border, so without this a logo cut in half would count as whole. Below 1 when the "
            "frame border cuts the logo off. With the sponsor's artwork (catalogue or model card): the "
            "smaller of that and the *share in view*, the artwork's alpha mass in columns in view / all "
            "of it. The artwork is searched in and around the box (scaled "
            f"{min(VIEW_SCALES_X):g}-{max(VIEW_SCALES_X):g} × {min(VIEW_SCALES_Y):g}-{max(VIEW_SCALES_Y):g} "
            "of the box's height, `cv2.matchTemplate` on edges), composited on the board colour and "
            "smeared horizontally like the camera's motion "
            f"({min(VIEW_SMEARS_PX)}-{max(VIEW_SMEARS_PX)} px at a {VIEW_CANON_H} px logo height); strips "
            f"{VIEW_STRIP_H:g} logo heights wide, every {VIEW_HOP_PX} px, are in view when their colour "
            f"correlation with the artwork is ≥ {VIEW_CORRELATION:g}, or when their mean colour is within "
            f"{VIEW_COLOUR_TOL:g} (RGB) of the artwork's on the board colour found where the marks correlate "
            f"best (where no strip correlates ≥ {VIEW_TRUSTED:g}, there is no sure board: the strips are "
            "scored on the colour, of those behind them, under which the whole artwork agrees best, and "
            "only correlation counts). Not judged (geometry only) for boxes touching the border or under "
            f"{VIEW_MIN_SIDE_PX:g} px high, when the correlating strips average under {VIEW_SETTLED:g} "
            "(misaligned, or not the lockup on screen), and for a sponsor until its artwork has been "
            f"recognised (a strip ≥ {VIEW_TRUSTED:g}) on {VIEW_TRUST_AFTER} of its detections in the run"
        ),
    ),
    (
        "`short_side_px`",
        "pixels",
        (
            "short side of the box, `min(w, h)`; for a rotated box the smaller mean of "
            "opposite sides. Measured on the whole box, including any part outside the "
            "frame"
        ),
    ),
    (
        "`reference_side_px`",
        "pixels",
        (
            f"`short_side_px × {REFERENCE_SIDE_PX:g} / min(frame width, height)`: the short side on "
            f"the frame scaled to a {REFERENCE_SIDE_PX:g} px short side, so legibility does not depend "
            "on the file's resolution (not stored; computed from the frame size)"
        ),
    ),
    (
        "`size_score`",
        "[0, 1]",
        (
            f"`min(1, reference_side_px / {LEGIBLE_SIDE_PX:g})`: from {LEGIBLE_SIDE_PX:g} reference "
            "px a logo counts as fully legible"
        ),
    ),
    (
        "`contrast`",
        "[0, 1]",
        (
            f"`(P{_P_HI} − P{_P_LO}) / 255` of the pixel values inside the box (P*k*: *k*-th "
            "percentile), in the colour channel (B, G or R; grey for grey frames) where "
            "this range is widest"
        ),
    ),
    (
        "`sharpness`",
        "[0, 1]",
        (
            f"`1 − exp(−s / {SHARPNESS_SCALE:g})`. The edge slope *s* (1/pixels) is the mean "
            "of the *n* steepest 3×3 Sobel gradient magnitudes in that channel, *n* = "
            f"max(4, ⌈{EDGE_FRACTION:g}·√pixels⌉), divided by the range `P{_P_HI} − "
            f"P{_P_LO}`"
        ),
    ),
    (
        "`clarity`",
        "[0, 1]",
        (
            "`sharpness × contrast_factor × size_score × visible_fraction`, with "
            f"`contrast_factor = clip((contrast − {CONTRAST_FLOOR:g}) / ({CONTRAST_FULL:g} − "
            f"{CONTRAST_FLOOR:g}), 0, 1)`"
        ),
    ),
    (
        "`zone`",
        "–",
        (
            "cell of a 3 × 3 grid over the frame (`top-left` … `bottom-right`) holding the "
            "centre of the box's bounding box clipped to the frame"
        ),
    ),
    (
        "`centrality`",
        "[0, 1]",
        (
            "`1 − d / D`: *d* is the distance from that centre to the frame centre, *D* "
            "half the frame diagonal. 1 at the centre, 0 at a corner"
        ),
    ),
    (
        "`placement`",
        "–",
        (
            "`overlay` or `in_venue`. Group the sponsor's detections by screen box: centre x, centre y "
            f"and size `√(w·h)`, as fractions of the frame, in cells of {PLACEMENT_CELL:g} (a grid laid 8 "
            "times, shifted by half a cell per axis; a detection is an overlay when its group is one in any). "
            "A *run* is consecutive analysed frames of one shot with the group present and the camera "
            f"moving at most {OVERLAY_STEP_MAX:g} of the frame a step. Overlay: the camera position ranged "
            f"over ≥ {OVERLAY_CAMERA_MOVE:g} of the frame during a run (and the box is not one held box), "
            f"or runs lasting ≥ {OVERLAY_MIN_RUN_S:g} s in ≥ {OVERLAY_MIN_SHOTS} shots that show different "
            f"pictures (16×9 grey thumbnails ≥ {OVERLAY_PICTURE_CHANGE:g} grey levels apart on average). "
            "Camera position: the "
            "phase correlation of consecutive analysed frames (grey, 256 px wide), summed from 0 at each cut"
        ),
    ),
    (
        "`qualifies`",
        "yes/no",
        (
            f"`reference_side_px ≥ min_side_px` (**{_D.min_side_px:g} px**), `visible_fraction ≥ "
            f"min_visible` (**{_D.min_visible:g}**) and `clarity / size_score ≥ "
            f"min_clarity` (**{_D.min_clarity:g}**): sharpness × contrast factor × visible fraction, the "
            "clarity without its size factor, so that size is gated once, by `min_side_px` (with the size "
            f"factor inside, `min_clarity` would itself demand {_D.min_clarity * LEGIBLE_SIDE_PX:g}+ reference px)"
        ),
    ),
]

_SPONSOR_ROWS: list[tuple[str, str, str]] = [
    (
        "`exposure_s`",
        "seconds",
        ("Σ `interval_s`"),
    ),
    (
        "`exposures`",
        "count",
        (f"segments with `duration_s ≥ min_exposure_s` (**{_D.min_exposure_s:g} s**)"),
    ),
    (
        "`mean_screen_share`",
        "fraction",
        ("Σ screen share × `interval_s` / `exposure_s`"),
    ),
    (
        "`max_screen_share`",
        "fraction",
        ("largest per-frame screen share"),
    ),
    (
        "`mean_clarity`",
        "[0, 1]",
        ("Σ clarity × `interval_s` / `exposure_s`"),
    ),
    (
        "`quality_s`",
        "seconds",
        ("Σ *q* × `interval_s`: quality-weighted seconds, at most `exposure_s`"),
    ),
    (
        "`share_of_voice`",
        "fraction",
        ("`exposure_s` / Σ over all analysed sponsors of `exposure_s` (0 when none is visible)"),
    ),
    (
        "`solo_s`",
        "seconds",
        ("Σ `interval_s` over frames with `clutter = 0`: no other sponsor visible"),
    ),
    (
        "`mean_clutter`",
        "count",
        ("Σ clutter × `interval_s` / `exposure_s`"),
    ),
    (
        "`media_value`",
        "currency",
        (
            "`quality_s × rate`, with the rate card's rate for the sponsor in currency per "
            "quality-second (`default_per_s` when not listed); 0 without a rate card"
        ),
    ),
    (
        "`best_frame`, `best_t`",
        "frame, seconds",
        (
            "the visible frame with the highest *q* among frames with a real detection (never a bridged "
            "frame; the earliest on ties); −1 and empty when never visible"
        ),
    ),
    (
        "`competitor_s`",
        "seconds",
        (
            "Σ `interval_s` over visible frames in which another sponsor of its `category` is visible "
            "too; 0 without a category"
        ),
    ),
    (
        "`category`",
        "–",
        'the sponsor\'s category in the catalogue (`category = "airline"`); empty without one',
    ),
]

_CATEGORY_ROWS: list[tuple[str, str, str]] = [
    ("`sponsors`", "count", "sponsors analysed whose catalogue `category` it is"),
    (
        "`category_s`",
        "seconds",
        "Σ `interval_s` over frames in which at least one of its sponsors is visible (the union)",
    ),
    ("`sponsor_s`", "seconds", "Σ `exposure_s` of its sponsors"),
    (
        "`category_share_of_voice`",
        "fraction",
        "`sponsor_s` / Σ over all analysed sponsors of `exposure_s`: the sum of its sponsors' `share_of_voice`",
    ),
    (
        "`clash_s`",
        "seconds",
        "Σ `interval_s` over frames in which two or more distinct sponsors of the category are visible",
    ),
]

METHODOLOGY_MD: str = f"""## Methodology

SponsorLens turns logo detections into numbers in two steps. First every detection gets quality
scores computed from the pixels inside its box only. Then the scored detections of a video are
aggregated over time into per-sponsor numbers. Each number is defined once below, with its unit.
Defaults in **bold** are thresholds you can change in the `[measure]` table of the `--config` file;
the values used are written into every report under `settings`.

### Conventions

- **Times** are seconds of presentation time (container timestamps). **Frame numbers** are
  decoded-frame indices, counting every frame of the source from 0.
- **Shares** are fractions of the frame area (0.05 = 5 % of the picture). **Scores** are in [0, 1].
- A detection is a box, axis-aligned or rotated (4 corners, convex). Areas are computed exactly.
- **Analysed frames.** Video can be sampled (e.g. 5 of 25 frames per second). Analysed frame *i*
  at time *t<sub>i</sub>* **stands for** `interval_s` = *t<sub>i+1</sub> − t<sub>i</sub>* seconds,
  until the next analysed frame; the last one stands until the end of the video.
- **Shots.** Camera cuts split a video into shots. Nothing is bridged across a cut, and every
  segment ends at one. Cuts are found on analysed frames, so a cut takes effect at the first
  analysed frame of the new shot. A cut is a change from the previous analysed frame (256 px wide)
  that either of two PySceneDetect `ContentDetector`s scores at least 27: mean change of hue,
  saturation and luma, or of those and edges; a shot lasts at least 0.5 s, and a transition (a
  wipe) gives one cut, at its first frame.
- **Shot type.** Each shot is `wide`, `tight` or `closeup`, from the medians over its analysed
  frames: `closeup` when the share of pixels on a Canny edge (frame 256 px wide) is below
  {SHOT_DETAIL_CLOSEUP:g} (a near subject before a defocused background), unless its `in_venue`
  detections are small (median short side below {SHOT_LOGO_TIGHT:g} of the frame height: boards seen
  from afar); else `tight` when the
  median short side of its `in_venue` detections is at least {SHOT_LOGO_TIGHT:g} of the frame height
  (boards seen closer), `wide` below; a shot without in-venue detections is `wide` when the video's
  playing-surface colour covers at least {SHOT_SURFACE_WIDE:g} of the frame, else `tight`. The
  surface colour is learned from each video (the colour bin covering most pixels, frames weighted by
  their edge share), so grass, courts and ice all work.
- **Replay.** A shot is a replay when the text reader reads a replay word (REPLAY, WIEDERHOLUNG,
  REPETICIÓN, RALENTI, REPRISE, ... in twelve languages; ordinary words a few edits away never count)
  in the top or bottom fifth of the frame, read 0.8 s and 2.4 s after the shot's first analysed frame
  (a shorter shot once, 0.25 s in), or in a whole-frame read of the shot; every other shot is live.
  A replay with no caption in those bands counts as live.

### Per detection

{_table(_DETECTION_ROWS)}

Why these forms. *s* measures over how many pixels an edge is smeared: about 0.5 for a crisp edge
and 0.4 / σ for one blurred by a Gaussian of σ pixels. So sharpness falls strictly as blur rises,
and it does not depend on the logo's size, brightness or contrast. For reference, a crisp logo
scores about 0.85, σ = 1 px about 0.7, σ = 2 px about 0.5 and σ = 4 px about 0.35. Contrast is
taken per colour channel, so red on green counts even where the grey levels are alike.
Contrast below {CONTRAST_FLOOR:g} (sensor noise on a flat area) gives clarity 0.
From {CONTRAST_FULL:g} on, contrast no longer limits clarity.
Only pixels inside the box are read, so scoring costs a few milliseconds per frame.

### Visibility over time (per analysed frame)

- A sponsor is **visible** in an analysed frame when at least one of its detections there
  qualifies. Several logos of one sponsor at the same moment count once.
- **Bridging** covers short dropouts of a sponsor: a logo occluded by a player, blurred by a
  pan, or missed by the detector for a moment. Take two consecutive analysed frames *i < j* of the
  same shot where the sponsor is visible. If the time they leave uncovered, *t<sub>j</sub> −
  (t<sub>i</sub> + interval<sub>i</sub>)*, is at most `max_gap_s` (**{_D.max_gap_s:g} s**), the
  frames strictly between them count as visible too. Bridged frames keep frame *i*'s values. Gaps
  are bridged per sponsor, whichever of its logos or tracks was seen: a tracker splits a small or
  occluded logo into many short tracks and leaves faint ones untracked, and bridging only inside
  one track left most dropouts of small boards unbridged (see
  [Benchmarks](benchmarks.md#how-reads-and-detections-merge-in-time)). **One missed analysed
  frame** (*j = i + 2*) is bridged up to **{ONE_FRAME_GAP_S:g} s** uncovered, beyond `max_gap_s`:
  reading once a second, the reader misses a board's lettering on some reads (blur, a pass in
  front of it), and one miss between two reads is not a second off screen; two misses in a row are
  not bridged, nor one miss that leaves more than {ONE_FRAME_GAP_S:g} s uncovered (sampling every 2 s).
  `max_gap_s = 0` turns every bridge off. Camera cuts are never bridged.
- Values of a visible frame, per sponsor:
  - **screen share**: area of the union of the sponsor's qualifying boxes inside the frame, over
    the frame area. Overlapping boxes count once.
  - **clarity**: the best clarity among those boxes.
  - **centrality**: that of the largest box, by area inside the frame.
  - **`clutter`**: the number of *other* sponsors visible in the same frame.
- The **quality index** of a visible frame is

  `q = size_factor × clarity × position_factor × clutter_factor` ∈ [0, 1], where

  - `size_factor = min(1, √(screen_share / {FULL_SIZE_SHARE:g}))`: full from {_FULL_PCT} of the frame;
  - `position_factor = {POSITION_FLOOR:g} + {1 - POSITION_FLOOR:g} × centrality`: a corner costs a quarter;
  - `clutter_factor = 1 / (1 + clutter)`: attention is shared with the other sponsors on screen.
- A **segment** is a maximal run of consecutive visible analysed frames of one sponsor, broken at
  every cut. It runs from `start_s`, the first frame's timestamp, to `end_s`, the end of the last
  frame's interval; `duration_s = end_s − start_s`. The segments table also gives, per segment:
  - `start_frame`, `end_frame`, `shot`;
  - the interval-weighted `mean_screen_share` and `mean_clarity`;
  - `quality_s`;
  - `best_frame`/`best_t`, the frame with the highest *q* among frames with a real detection (a
    bridged frame shows no logo box, so it is never the best frame).

### Per sponsor

Sums and means run over the sponsor's visible analysed frames, each weighted by its `interval_s`.
Where all weights are 0 (a single still frame), means are plain means.

{_table(_SPONSOR_ROWS)}

Means, maxima and `best_*` are 0 (or −1, empty) for a sponsor that is never visible. Sponsors
passed with `sponsors = [...]` in the config always get a row. Other sponsors' detections are left
out of every number, clutter and share of voice included.

### Competitors (catalogue categories)

A sponsor catalogue (`--sponsors FILE`) may give sponsors a `category` (`category = "airline"`).
Sponsors of one category compete for the same viewers. Sponsors without a category belong to no
category. Every number below runs over the same visible frames, with the same `interval_s`
weights, as the per-sponsor numbers, so `competitor_s ≤ exposure_s` and
`clash_s ≤ category_s ≤ sponsor_s`.

- Per sponsor, **`competitor_s`** (competitor seconds) counts the time a competitor was visible
  while the sponsor was.
- Per category (the `categories` table of `report.json`, one row per category):

{_table(_CATEGORY_ROWS)}

Why share of voice sums and does not take the union. A sponsor's share of voice divides its seconds
by the sum of every sponsor's seconds, so two logos on screen at once are two voices. The category's
share uses the same denominator and the same counting: it is the sum of its sponsors' shares, and
the shares of all categories and of the uncategorised sponsors add up to 1. A union would count a
clash once in the category but twice in the denominator. The union is still reported, as
`category_s`: how long the category was on screen at all. `sponsor_s − category_s` is the time
its sponsors shared the screen, counted once per extra sponsor.

### Exposure by context

Each visible (sponsor, analysed frame) also has a **placement** (`in_venue`: a surface in the
venue; `overlay`: a graphic laid over the picture), a **shot type** (`wide`, `tight`, `closeup`)
and a **replay** flag (live or replay); `unknown` where the vision side did not classify it, and
live without a replay detector. The frame's placement is that of the sponsor's largest qualifying
detection there (the one whose centrality is used); a bridged frame takes its source frame's.
Shot type and replay are facts of the shot, so a segment (which never spans a cut) has one of each;
its placement is the one holding most of its seconds. `frames` (in memory), `segments.csv` and
`detections.parquet` carry the three columns.

The `context` table of `report.json` has one row per sponsor, dimension (`placement`,
`shot_type`, `replay`) and value, with `exposure_s`, **`share_of_exposure`** (of the sponsor's
`exposure_s`), `quality_s`, `media_value`, `mean_screen_share`, `mean_clarity` (interval-weighted
over those frames) and `exposures` (segments lasting at least `min_exposure_s`, counted under their
value). The values of one dimension partition the sponsor's visible frames and segments, so their
seconds, quality seconds, media value and exposures add up exactly to the sponsor's totals (up to
floating-point rounding) and their shares to 1.

### Detections found by reading

Detections come from the YOLO model or from the text reader (column `source`: `model` or `text`).
Every number above is computed the same way for both.

- A **text detection** is one line of text that names a catalogue sponsor (its name or an alias).
  Its box is that line's rotated box, so its screen share is the text's, not the whole logo's,
  unless the catalogue (or the model's card) gives the sponsor's **artwork**. The reader then reads
  the artwork once, finds where the sponsor's text sits in it (as fractions of the artwork's width
  and height), and boxes a line that holds that whole text (within 1.34× its length, so not a line
  cut by the frame edge, nor `WWW.SANTANDER.DE` for `SANTANDER`) as the whole logo: the line's box
  extended along its own axes to where the artwork's edges would be. Give the artwork of the lockup
  that is on screen: a text-only board of a brand whose artwork has a large icon would be boxed too large.
  Otherwise, a name that covers less than 90 % of its line's letters and digits (two boards read as
  one line, `WWW.SANTANDER.DE`) is boxed as its part of the line, every character taken as equally
  wide, so a sponsor's screen share is not its neighbour's.
  Its `conf` is the recognition score × the match score.
- **Checking** (a model with a catalogue). Each model track of a sponsor that reads is read on its
  own crops: at its 1st, 2nd, 4th, 8th … detection, at most 4 times, and no more once confirmed.
  A track is `confirmed` when a crop reads as its sponsor. It is `rejected` when no crop does and
  one reads, with recognition score ≥ 0.8, as another word or another sponsor. Otherwise it is
  `unread`. Rejected tracks count toward no number. Unread tracks follow `--unread`: `count`
  counts them, `drop` does not, and `auto` (the default) drops them when the model is unreliable
  on this footage: its **reliability**, confirmed / (confirmed + rejected) over every judged track
  of the run, is below 0.5 with at least 10 tracks judged (most of what the reader could judge
  named something else, so what it could not judge is more likely wrong too). A video decides at
  its end, a photo archive once every photo is read (`batch` stores each photo alone and counts
  them). Sponsors with `reads = false` are never judged and always count. An untracked
  detection is its own track. A new track (or untracked detection) whose box overlaps, by an IoU of
  at least 0.3, the last box of a confirmed track of the same sponsor seen in the same shot within
  the last 10 analysed frames continues that logo: it is confirmed without a read (trackers split
  one logo into several ids when a player passes in front of it). The report counts these as
  `confirmed_by_place`. A confirmed track that the tracker **re-finds** after missing it on at
  least one analysed frame is read again, at its 1st, 2nd, 4th … detection after the gap and at
  most 4 times (a tracker that lost a board may hand its id to the next board along): a detection
  whose re-read names another word or sponsor (the `rejected` rule) is dropped, and so is every
  later detection of the track until a read names its sponsor again. The detections before the gap
  keep their verdict; the report counts the dropped ones as `dropped_after_refind`.
- **Reading again where a sponsor was** (the reader alone, on a video). The text detector misses
  lettering on some frames that it found on the analysed frame before (a pan's blur, compression,
  a player in front), while recognition on a crop of the place still reads it. So each text
  detection of the previous analysed frame of the same shot with no detection of its sponsor over
  it now (IoU below 0.3) is cropped where the camera moved it and recognised alone; it is a
  detection of this frame when the crop names its sponsor (the rule of `confirmed`). The camera's
  motion between the two frames is a similarity transform (shift, zoom, roll) fitted with RANSAC to
  ORB features matched across the whole frame; with fewer than 25 features agreeing (a blur, a
  featureless frame), nothing is re-read. At most 24 crops a frame; never across a cut. A board
  that moved out of its place reads as something else and is not kept. `report.json`'s
  `reading.reread` counts the crops and the detections they added.
- **Whole-frame reads** (`--read-fps R` beside a model) add the sponsors the model did not detect.
  A read **stands for** 1 / R seconds, like a sampled frame: its detections are repeated on every
  analysed frame until the next read, never past a cut, and skipped on the frames where the model
  detects that sponsor itself, unless checking then drops every detection of it there (rejected,
  or unread and dropped): the read stands in for them. The same holds for a photo's whole-image read.

### Other brands seen (the ambush radar)

Whole-frame reads (the reader as the detector, or `--read-fps` beside a model) read every line of
text in the frame. The lines that name no catalogue sponsor make the "other brands seen" table
(`other_brands` in `report.json`): boards of brands that are not on the sponsor list. A line
counts toward an other brand when:

- it has at least {RADAR_MIN_CHARS} letters or digits, at most {RADAR_MAX_DIGIT_SHARE:.0%} of them digits
  (clocks, scores and minute marks are dropped), is not made only of common words and broadcast words
  (LIVE, REPLAY, HD, …), and does not name a sponsor by name or alias, not even cut (the matcher's rules);
- it is not the broadcaster's own graphic: a read that stays still (within {RADAR_FIXED_TOL:g} of the
  frame diagonal of its read at the neighbouring read moment) at a place where the same text stays still
  in another shot too is a caption fixed on screen across cuts, like a channel name, and is dropped
  (boards move with the camera);
- spelling variants are one brand: texts with one OCR confusable key group, and a smaller group within
  the matcher's edit distance of a larger one joins it; the brand is named by its most frequent spelling;
- the brand recurs at a stable place: at least {RADAR_MIN_READS} of its reads are *placed* (a read of it
  at its neighbouring read moment of the same shot, at most {RADAR_MAX_GAP_READS} whole-frame reads away,
  lies within {RADAR_PLACE_TOL:g} of the frame diagonal), and they span at least {RADAR_MIN_SPAN_S:g} s.

`seconds` (`other_brand_s`): each whole-frame read stands until the next whole-frame read, the next cut
or the end of the video (as a held read does); a brand's seconds are the sum over the reads it was read
in. Also per brand: `reads`, `spellings`, `shots`, `first_t`, `mean_screen_share` (of its text lines,
weighted by those seconds) and the best read (the largest with recognition score ≥ {RADAR_CLEAR_SCORE:g}),
whose crop is the brand's thumbnail. At most {RADAR_MAX_BRANDS} brands are listed. Without whole-frame
reads the radar does not run, and the report says so rather than listing nothing.

Limits: the radar lists what the reader reads, not what is a brand. Crowd banners, team and place
names, and words missing from the common-word lists recur too; a fixed camera's board (one shot)
cannot be told from a graphic, and a graphic shown in one shot only is listed. Names of at most
{RADAR_MIN_CHARS - 1} characters are never listed. A sponsor read too badly for the matcher may appear
as an other brand; the matcher's tolerance (edits, cut names) keeps this rare, and its false matches
hide an other brand that looks like a sponsor.

### Photo archives

A photo has no duration, so a photo archive is measured in photos:

- A sponsor **appears** in a photo with the same `qualifies` rule as video.
- Per photo, it gets the same screen share, clarity, centrality, clutter and quality index *q* as a
  video frame.
- Per sponsor:
  - `photos_with_sponsor`: photos it appears in (count);
  - `photo_rate`: `photos_with_sponsor` / photos analysed;
  - `mean_screen_share`, `max_screen_share` and `mean_clarity`: over the photos it appears in;
  - `solo_photos`: photos in which it is the only sponsor;
  - `best_photo`: the photo with the highest *q*; `best_photo_quality` is that *q*;
  - `competitor_photos`: photos in which another sponsor of its `category` appears too.
- Per catalogue category: `sponsors`; `photos_with_category`, the photos in which at least one of
  its sponsors appears; `clash_photos`, those in which two or more do (counts).

### Limits

- The numbers inherit the detector's misses and false detections. Clarity measures pixels, not
  whether a viewer noticed the logo.
- Sampling every *k*-th frame: a logo that appears for a while and then disappears is then
  measured to within one analysed interval per segment. Halving the stride changes a segment's
  seconds by at most half the coarser interval.
- Screen share is the box's share. It includes the background inside the box, and it is not
  corrected for perspective; a logo partly hidden keeps its box's share (under `min_visible` in
  view it does not count at all). What is hidden is judged only where the sponsor's artwork is
  known, and only from what the artwork shows: lettering the colour of its board cannot be judged.
- The quality index and media value are fixed, documented conventions, not a market valuation.
  Set the rates in the rate card to your own.
"""
