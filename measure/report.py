"""The typed record of ``report.json``: what one analysis (a video or a photo archive) measured, with
which model and settings.

:class:`Report` is the pydantic model of the whole file. Writers build one (so no writer can write a
malformed report) and readers get one back (so no reader meets a missing block or a wrong type).
Every report written now carries ``schema_version`` (:data:`SCHEMA_VERSION`). A report without it
was written before the key existed and is read as version 1 when it validates. Version 2 added the
optional ``categories`` table (catalogue categories, :mod:`measure.categories`) and the sponsor
columns ``competitor_s`` and ``category``; a version 1 report is the same without them and is read
as it is (no ``categories``: None). Version 3 added the optional ``context`` table (each
sponsor's exposure by placement, shot type and live/replay, :mod:`measure.context`) and the optional
``other_brands`` table (the ambush radar, :mod:`measure.ambush`: a list, empty when it ran and found
none; absent or None when no whole-frame reading ran); an older report is read without them (both
None). A report of a newer
version than this code knows, or one that does not validate, is refused with one line naming the
file and the first problem (:class:`measure.errors.InputError`, exit 3).

Blocks with a fixed shape are models (``source``, ``model``, ``settings``, ``tool``, ``stopped``,
``photos``, ``failures``); per-sponsor, per-segment and per-category rows keep every column the
tables have (their columns are those of :mod:`measure.exposure`, :mod:`measure.photos` and
:mod:`measure.categories`, and only ``sponsor`` or ``category`` is required), and the text check's counts (``reading.checking``) stay a free-form mapping.
File I/O is :mod:`measure.folder`'s.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError

from measure.errors import InputError
from measure.jsonable import jsonable
from measure.settings import RateCard

#: The version of the report format this code writes and the newest it reads. Reports written before
#: the key existed have the same shape as version 1 and are read as it; version 2 added ``categories``,
#: version 3 ``context`` and ``other_brands``.
SCHEMA_VERSION = 3


class _Block(BaseModel):
    """A block whose keys are fixed: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class _OpenBlock(BaseModel):
    """A block with known keys (typed) that may hold more (run options, model details) as written."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False)


class Tool(_Block):
    """The program that wrote the report: ``name`` (``sponsorlens``) and its ``version``."""

    name: str
    version: str


class VideoSource(_Block):
    """The video analysed: its ``path`` (file or stream URL), ``duration_s`` (seconds decoded),
    ``fps``, frame ``width``/``height`` (pixels), ``frames`` (in the container; None when unknown),
    ``analysed_frames`` and ``cuts_s`` (camera cuts, seconds)."""

    kind: Literal["video"] = "video"
    path: str
    duration_s: float | None
    fps: float | None
    width: int | None
    height: int | None
    frames: int | None
    analysed_frames: int | None
    cuts_s: list[float] = Field(default_factory=list)


class Duplicate(_Block):
    """A photo left out because it is a byte-identical copy of ``same_as``."""

    photo: str
    same_as: str


class PhotoSource(_Block):
    """The photo archive analysed: ``path`` (the common folder of ``paths``, those the user named),
    ``photos`` (read), ``failed`` (unreadable) and ``duplicates`` (copies counted once)."""

    kind: Literal["photos"]
    path: str
    paths: list[str] = Field(default_factory=list)
    photos: int
    failed: int = 0
    duplicates: list[Duplicate] = Field(default_factory=list)


def _source_kind(value: Any) -> str:
    """The ``source`` model for a raw block: ``photos`` (also ``photo``), else ``video`` (the
    kind of reports written before ``kind`` was always set)."""
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return "photos" if kind in ("photos", "photo") else "video"


Source = Annotated[
    Annotated[VideoSource, Tag("video")] | Annotated[PhotoSource, Tag("photos")],
    Discriminator(_source_kind),
]


class ReaderInfo(_OpenBlock):
    """The text reader that read alongside the model: its ONNX files (``weights``) and ``sha256``."""

    weights: str | None = None
    sha256: str | None = None


class ModelInfo(_OpenBlock):
    """The detector: ``weights`` (path), ``sha256``, ``task`` (``detect``, ``obb``, ``text``),
    ``classes`` (every sponsor that can be found), ``imgsz`` (inference size, pixels), ``device``,
    ``precision`` and ``reader`` (the text reader's block when one read beside the model)."""

    weights: str | None = None
    sha256: str | None = None
    task: str | None = None
    classes: list[str] = Field(default_factory=list)
    imgsz: int | None = None
    device: str | None = None
    precision: str | None = None
    reader: ReaderInfo | None = None


class Settings(_OpenBlock):
    """The thresholds (:class:`measure.settings.MeasureSettings`), the rate card, the sponsors
    analysed (None: all classes) and the run options of the front end that wrote the report
    (``sample_fps``, ``conf``, ``imgsz``, ``device``, ``track_memory_s``, ``check``, ``read_fps``,
    ``batch``...; kept as written). ``anonymise``: whether the pictures written blur faces (None:
    a report from before it was recorded, or one that writes no pictures)."""

    min_clarity: float | None = None
    min_side_px: float | None = None
    max_gap_s: float | None = None
    min_exposure_s: float | None = None
    rate_card: RateCard | None = None
    sponsors: list[str] | None = None
    anonymise: bool | None = None


class Reading(_OpenBlock):
    """How the text reader took part: ``mode`` (``reader`` alone or ``model+reader``), ``checking``
    (tracks per verdict, see :meth:`vision.inference.checking.TrackChecker.summary`; free-form),
    ``frame_reads`` (video) or ``whole_photo_reads`` (photos); ``reread`` (the reader alone on a video:
    ``crops`` read again at a previous detection's place, ``found`` detections they added)."""

    mode: Literal["reader", "model+reader"]
    checking: dict[str, Any] | None = None
    frame_reads: int | None = None
    whole_photo_reads: bool | None = None
    reread: dict[str, int] | None = None


class Stopped(_Block):
    """Where decoding ended early: ``frame`` (first frame not decoded), ``t`` (seconds), ``reason``."""

    frame: int
    t: float | None
    reason: str


class Row(_OpenBlock):
    """One row of a table (a sponsor, a segment): ``sponsor`` and the table's other columns as written
    (missing numbers are null)."""

    sponsor: str


class CategoryRow(_OpenBlock):
    """One row of the ``categories`` table: ``category`` and the columns of
    :data:`measure.categories.CATEGORY_COLUMNS` as written."""

    category: str


class ContextRow(Row):
    """One row of the ``context`` table: ``sponsor``, ``dimension`` (placement, shot_type, replay),
    ``value`` and the columns of :data:`measure.context.CONTEXT_TABLE_COLUMNS` as written."""

    dimension: str
    value: str


class OtherBrandRow(_OpenBlock):
    """One row of the ``other_brands`` table (the ambush radar): ``brand`` and the columns of
    :data:`measure.ambush.OTHER_BRAND_COLUMNS` as written."""

    brand: str


class PhotoSummary(_Block):
    """Counts over a photo archive: ``photos`` read, ``photos_with_any_sponsor``,
    ``mean_sponsors_per_photo``, ``detections`` and ``qualifying_detections``."""

    photos: int
    photos_with_any_sponsor: int
    mean_sponsors_per_photo: float | None
    detections: int
    qualifying_detections: int


class Failure(_Block):
    """A photo that could not be read, and why."""

    photo: str
    error: str


class Report(_Block):
    """The whole ``report.json`` of an analysis folder (see the module's docstring)."""

    schema_version: int = 1
    source: Source
    model: ModelInfo
    settings: Settings
    reading: Reading | None = None
    tool: Tool
    stopped: Stopped | None = None
    sponsors: list[Row]
    segments: list[Row] = Field(default_factory=list)
    categories: list[CategoryRow] | None = None
    context: list[ContextRow] | None = None
    other_brands: list[OtherBrandRow] | None = None
    photos: PhotoSummary | None = None
    failures: list[Failure] | None = None

    @property
    def kind(self) -> str:
        """``video`` or ``photos``."""
        return self.source.kind

    def to_json(self) -> str:
        """Return the report as strict JSON text (UTF-8 safe, no NaN), indented, with a final newline;
        keys the report was not given are left out."""
        data = self.model_dump(mode="json", exclude_unset=True)
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _problem(err: ValidationError) -> str:
    """The first problem of a validation error, as ``where: what``."""
    first = err.errors()[0]
    parts = list(first["loc"])
    if parts[:1] == ["source"] and parts[1:2] in (["video"], ["photos"]):
        del parts[1]  # the tag of the source's kind, not a key of the file
    loc = ".".join(str(p) for p in parts)
    return f"{loc or '(top level)'}: {first['msg']}"


def new_report(data: dict[str, Any]) -> Report:
    """Return the :class:`Report` of freshly measured ``data`` (numpy values and NaN are cleaned as
    :func:`measure.jsonable.jsonable` does), stamped with :data:`SCHEMA_VERSION`.

    Raises :class:`ValueError` naming the first problem when ``data`` is not a valid report: that is
    a bug in the writer, not a user error.
    """
    clean = jsonable({**data, "schema_version": SCHEMA_VERSION})
    try:
        return Report.model_validate(clean)
    except ValidationError as e:
        raise ValueError(f"not a valid report: {_problem(e)}") from None


def parse_report(data: Any, where: str) -> Report:
    """Return the :class:`Report` of a parsed ``report.json`` (``where`` names the file in errors).

    A report without ``schema_version`` is read as version 1. Raises :class:`InputError` (one line:
    the file and the first problem) when the report is of a newer version than
    :data:`SCHEMA_VERSION` or does not validate.
    """
    if not isinstance(data, dict):
        raise InputError(f"{where}: not a SponsorLens report (expected a JSON object)")
    version = data.get("schema_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InputError(f"{where}: schema_version must be a whole number from 1, got {version!r}")
    if version > SCHEMA_VERSION:
        raise InputError(
            f"{where}: report schema version {version} is newer than this SponsorLens reads "
            f"(up to {SCHEMA_VERSION}); upgrade SponsorLens to read it"
        )
    try:
        return Report.model_validate(data)
    except ValidationError as e:
        raise InputError(f"{where}: not a valid SponsorLens report: {_problem(e)}") from None


#: Below this share of the model's judged tracks confirmed by a read (``reliability`` of a report's
#: ``reading.checking``, over at least :data:`RELIABILITY_MIN_TRACKS` judged tracks), the model is
#: unreliable on the footage (:func:`unreliable`): ``--unread auto`` drops its unread tracks.
RELIABILITY_ADVICE = 0.5
RELIABILITY_MIN_TRACKS = 10


def unreliable(confirmed: int, rejected: int) -> bool:
    """Whether the text check judges the model unreliable on its footage: of at least
    :data:`RELIABILITY_MIN_TRACKS` tracks confirmed or rejected by a read, fewer than
    :data:`RELIABILITY_ADVICE` were confirmed."""
    judged = confirmed + rejected
    return judged >= RELIABILITY_MIN_TRACKS and confirmed < RELIABILITY_ADVICE * judged


def describe_checking(checking: dict[str, Any]) -> tuple[str, str | None]:
    """Return the one-line summary of a report's ``checking`` block (see
    :meth:`vision.inference.checking.TrackChecker.summary`), and advice (None when there is none):
    ``--unread drop`` when unread tracks were counted although the model's judged tracks mostly named
    something else (:data:`RELIABILITY_ADVICE`, over at least :data:`RELIABILITY_MIN_TRACKS`)."""
    counted = checking.get("unread_counted", checking.get("unread_policy", "count") != "drop")
    judged = checking["confirmed"] + checking["rejected"]
    bad = unreliable(checking["confirmed"], checking["rejected"])
    reliability = checking["confirmed"] / judged if judged else 0.0
    why = f": only {reliability:.0%} of the judged ones named their sponsor" if bad else ""
    line = (
        f"{checking['confirmed']} tracks confirmed, {checking['rejected']} rejected (not counted), "
        f"{checking['unread']} unread ({'counted' if counted else 'not counted' + why})"
    )
    if not (counted and bad):
        return line, None
    return line, (
        f"only {checking['confirmed']} of the {judged} tracks the reader could judge named their sponsor "
        f"({reliability:.0%}): the model is unreliable on this footage, and its unread tracks are likely "
        "wrong too; --unread drop counts only what the reader confirms"
    )
