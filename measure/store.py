"""Atomic writes: output folders and single files, and the Parquet writing they use.

Everything goes into a temporary directory beside the destination, which is renamed into place
only when every file is complete, so a killed or failed run never leaves a partial ``DIR``. What an
analysis folder holds (``report.json``, CSVs, ``detections.parquet``) is :mod:`measure.folder`'s.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from importlib import metadata
from pathlib import Path

import pandas as pd

from measure.errors import InputError, OutputError


def tool_info() -> dict[str, str]:
    """Return ``{"name": "sponsorlens", "version": ...}`` for every report."""
    try:
        version = metadata.version("sponsorlens")
    except metadata.PackageNotFoundError:
        version = "0+unknown"
    return {"name": "sponsorlens", "version": version}


def check_name(name: str, what: str = "--name") -> str:
    """Return ``name`` when it is a plain file stem (letters, digits, '-' and '_'); else ValueError.

    Writers that make ``DIR/NAME.ext`` call it, so no name (``../x``, ``a/b``, ``.``, empty) can
    write outside ``DIR``, whoever calls them.
    """
    if not isinstance(name, str) or not name.replace("-", "").replace("_", "").isalnum():
        raise InputError(f"{what} must be letters, digits, '-' or '_', got {name!r}")
    return name


def _existing_ancestor(path: Path) -> Path:
    """Return the nearest ancestor of ``path`` (absolute) that exists, file or directory."""
    anc = path.absolute().parent
    while not anc.exists() and anc != anc.parent:
        anc = anc.parent
    return anc


#: Whether an existing folder may be replaced by a new output of the same kind (for analysis folders:
#: :func:`measure.folder.is_analysis_dir`).
Replaceable = Callable[[Path], bool]


def only_files(folder: Path, suffixes: tuple[str, ...]) -> bool:
    """True when ``folder`` holds only regular files (no links, no folders) with these suffixes."""
    return all(f.is_file() and not f.is_symlink() and f.suffix in suffixes for f in folder.iterdir())


def check_replaceable(dest: Path, replaceable: Replaceable, what: str = "analysis") -> None:
    """Raise :class:`OutputError` when an existing ``dest`` must not be replaced by a new output.

    A missing or empty folder may always be written; an existing one only when ``replaceable``
    says it is an earlier output of the same ``what`` (SponsorLens never replaces what it did not
    write). A file or a symbolic link at ``dest`` is refused.
    """
    if dest.is_symlink():
        raise OutputError(f"{dest}: is a symbolic link; give the folder itself")
    if not dest.exists():
        return
    if not dest.is_dir():
        raise OutputError(f"{dest}: exists and is not a directory")
    try:
        empty = not any(dest.iterdir())
    except OSError as e:
        raise OutputError(f"{dest}: cannot read it: {e.strerror or e}") from None
    if not empty and not replaceable(dest):
        raise OutputError(
            f"{dest}: exists and is not an earlier SponsorLens {what} (it holds other files); "
            "give a new or empty folder"
        )


def check_output_dir(dest: str | Path, replaceable: Replaceable, what: str = "analysis") -> None:
    """Raise :class:`OutputError` now when ``dest`` could not be written as an output directory later.

    Catches an existing ``dest`` that is not an earlier output of the same kind
    (:func:`check_replaceable`), a file where a parent directory should be, and a parent in which
    nothing can be created (read-only directory or file system, no permission) by creating and
    removing an empty probe directory there. Call it before a long analysis so a bad ``--out``
    fails in a second, not after the work is done. Creates no directory that stays.
    """
    dest = Path(dest)
    check_replaceable(dest, replaceable, what)
    anc = _existing_ancestor(dest)
    if not anc.is_dir():
        raise OutputError(f"{dest}: cannot write output here: {anc} is a file, not a directory")
    if dest.name in ("", ".", ".."):
        raise OutputError(f"{dest}: give a folder to create or replace, not the current or a parent folder")
    try:
        probe = tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".probe", dir=anc)
    except OSError as e:
        raise OutputError(f"{dest}: cannot write output in {anc}: {e.strerror or e}") from None
    with contextlib.suppress(OSError):  # another run's clean-up may have taken it already
        os.rmdir(probe)


def check_disjoint(
    inputs: Iterable[tuple[str, str | Path]], outputs: Iterable[tuple[str, str | Path]]
) -> None:
    """Raise :class:`OutputError` when an output is, contains or sits inside an input or another output.

    ``inputs`` and ``outputs`` are ``(option, path)`` pairs, e.g. ``("--out", "match/")``; paths are
    compared resolved (symbolic links followed; outputs need not exist yet). Stream URLs are not
    paths and are passed over. Call it before any work: writing an output must never replace or
    remove an input or another output.
    """

    def real(p: str | Path) -> Path:
        return Path(os.path.realpath(os.fspath(p)))

    ins = [(opt, p, real(p)) for opt, p in inputs if not _is_url(p)]
    outs = [(opt, p, real(p)) for opt, p in outputs if p is not None]
    for i, (opt, path, rp) in enumerate(outs):
        for other_opt, other, ro in [*ins, *outs[i + 1 :]]:
            kind = "input" if (other_opt, other, ro) in ins else "output"
            if rp == ro:
                how = "is"
            elif rp.is_relative_to(ro):
                how = "is inside"
            elif ro.is_relative_to(rp):
                how = "contains"
            else:
                continue
            raise OutputError(f"{opt} {path}: {how} the {kind} {other} ({other_opt}); write it elsewhere")


def _is_url(p: str | Path) -> bool:
    return isinstance(p, str) and "://" in p


#: Suffixes of the transient folders :func:`atomic_dir` and :func:`check_output_dir` make beside
#: a destination: ``.NAME.<random>.partial`` (being written), ``.old`` (being replaced), ``.probe``.
_TRANSIENT = (".partial", ".old", ".probe")


def _hold(folder: Path) -> int:
    """Open ``folder`` and take an exclusive lock on it for as long as this process keeps the fd."""
    fd = os.open(folder, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def remove_stale(dest: Path) -> list[Path]:
    """Remove the transient folders that a killed run to ``dest`` left beside it; return them.

    A folder is stale when no live process holds its lock (every run holds one on its folders
    while it writes, and the system drops it when the process dies, SIGKILL included), so a run
    in progress to the same destination is never touched. A ``.old`` folder holding the earlier
    ``dest`` that a killed run had moved aside is put back when ``dest`` is missing.
    """
    parent = dest.absolute().parent
    prefix = f".{dest.name}."
    removed = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        middle = name[len(prefix) :].rsplit(".", 1)[0]
        if not (name.startswith(prefix) and name.endswith(_TRANSIENT) and "." not in middle):
            continue
        if entry.is_symlink() or not entry.is_dir():
            continue
        try:
            fd = _hold(entry)
        except OSError:  # a live run holds it (or it cannot be opened): leave it
            continue
        try:
            if name.endswith(".old") and (entry / "d").is_dir() and not os.path.lexists(dest):
                os.replace(entry / "d", dest)
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
        finally:
            os.close(fd)
    return removed


def _mkdtemp_held(dest: Path, suffix: str, parent: Path) -> tuple[Path, int]:
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=suffix, dir=parent))
    return tmp, _hold(tmp)


def _swap_in(tmp: Path, dest: Path, parent: Path, replaceable: Replaceable, what: str) -> None:
    """Move the finished ``tmp`` to ``dest``; an existing ``dest`` is replaced only when
    ``replaceable`` (checked again now), and kept whole if replacing it fails."""
    check_replaceable(dest, replaceable, what)
    mode = (dest.stat().st_mode if dest.is_dir() else 0o777 & ~_umask()) & 0o7777
    os.chmod(tmp, mode)  # the folder keeps the permissions it had (mkdtemp makes 0700)
    if not dest.exists():
        os.replace(tmp, dest)
        return
    old, fd = _mkdtemp_held(dest, ".old", parent)
    try:
        try:
            os.replace(dest, old / "d")
        except OSError:
            old.rmdir()
            raise
        try:
            os.replace(tmp, dest)
        except OSError:
            os.replace(old / "d", dest)  # put the earlier results back
            old.rmdir()
            raise
        shutil.rmtree(old, ignore_errors=True)
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_dir(dest: str | Path, replaceable: Replaceable, what: str = "analysis") -> Iterator[Path]:
    """Yield a fresh temporary directory that replaces ``dest`` when the block succeeds.

    ``dest`` must be missing, empty, or an earlier output that ``replaceable`` accepts
    (:func:`check_replaceable`, checked before and again at the swap). Transient folders a killed
    run left beside ``dest`` are removed first (:func:`remove_stale`). On any exception, SIGTERM
    and Ctrl-C included, the temporary directory is removed and ``dest`` is left as it was (an
    earlier ``dest`` is kept whole if replacing it fails). Raises :class:`OutputError` when
    ``dest`` may not be replaced, its parent cannot be written or a file cannot be written (full
    disk...).
    """
    dest = Path(dest)
    check_replaceable(dest, replaceable, what)
    parent = dest.absolute().parent
    anc = _existing_ancestor(dest)
    if not anc.is_dir():
        raise OutputError(f"{dest}: cannot write output here: {anc} is a file, not a directory")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale(dest)
        tmp, fd = _mkdtemp_held(dest, ".partial", parent)
    except OSError as e:
        raise OutputError(f"{dest}: cannot write output here: {e.strerror or e}") from None
    try:
        yield tmp
        _swap_in(tmp, dest, parent, replaceable, what)
    except OutputError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"{dest}: cannot write output: {e.strerror or e}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        os.close(fd)


def write_parquet(df: pd.DataFrame, path: Path, rows_per_group: int = 262_144) -> None:
    """Write ``df`` to Parquet at ``path`` (no index), ``rows_per_group`` rows at a time.

    Converting slice by slice keeps the Arrow copy to one row group, not the whole table. The file
    is opened by Python, not by Arrow, so a path that is not valid UTF-8 (any bytes are legal in
    POSIX file names) works too.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    first = pa.Table.from_pandas(df.iloc[:rows_per_group], preserve_index=False)  # sets the schema
    with open(path, "wb") as fh, pq.ParquetWriter(fh, first.schema) as writer:
        writer.write_table(first)
        del first
        for start in range(rows_per_group, len(df), rows_per_group):
            part = df.iloc[start : start + rows_per_group]
            writer.write_table(pa.Table.from_pandas(part, schema=writer.schema, preserve_index=False))


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (same suffix); move it into place only if the block succeeds.

    So a failed or killed write never leaves a partial file at ``path``: the temporary file is
    removed on failure. OS errors (read-only folder, full disk) become :class:`OutputError`
    naming ``path``.
    """
    path = Path(path)
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".partial{path.suffix}")
        os.close(fd)
        tmp = Path(name)
        yield tmp
        os.replace(tmp, path)
        tmp = None
    except OutputError:
        raise
    except OSError as e:
        raise OutputError(f"{path}: cannot write: {e.strerror or e}") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through :func:`atomic_path` (never a partial file); OutputError when it cannot."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through :func:`atomic_path`."""
    write_bytes_atomic(path, text.encode("utf-8"))
