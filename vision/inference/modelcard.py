"""Model cards: the JSON file beside every shipped ``NAME.pt`` and the checksum check on load.

A ``.pt`` file is a pickle, so loading one runs code. SponsorLens loads weights only when their
sha256 matches the ``sha256`` field of the card beside them (``NAME.json``), unless the user passes
``--trust-weights``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from measure.errors import ModelError
from measure.hashing import sha256_file, sha256_path
from measure.store import write_text_atomic

__all__ = ["WeightsError", "card_path", "read_card", "sha256_file", "verify_weights", "write_card"]


class WeightsError(ModelError):
    """Weights are missing, unverifiable or do not match their model card."""


def card_path(weights: str | Path) -> Path:
    """Return the model card path for a weights file: ``NAME.pt`` -> ``NAME.json``."""
    weights = Path(weights)
    return weights.with_suffix(".json") if weights.is_file() else weights.parent / f"{weights.name}.json"


def read_card(weights: str | Path) -> dict[str, Any] | None:
    """Return the model card of ``weights`` as a dict, or None when it has none."""
    path = card_path(weights)
    if not path.is_file():
        return None
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise WeightsError(f"{path}: unreadable model card: {e}") from None
    if not isinstance(card, dict):
        raise WeightsError(f"{path}: model card must be a JSON object")
    return card


def write_card(weights: str | Path, card: dict[str, Any]) -> Path:
    """Write ``card`` beside ``weights`` with the weights' sha256 filled in; return its path.

    ``weights`` may be a file or a folder (see :func:`sha256_path`)."""
    card = {**card, "sha256": sha256_path(weights)}
    path = card_path(weights)
    write_text_atomic(path, json.dumps(card, indent=2, sort_keys=False) + "\n")
    return path


def verify_weights(weights: str | Path, trust: bool = False) -> tuple[str, dict[str, Any] | None]:
    """Check ``weights`` against its model card before anything unpickles it.

    Returns ``(sha256, card)`` (for a folder, the digest of :func:`sha256_path`). Raises :class:`WeightsError` when the file is missing, has no card
    (for pickled ``.pt`` files) or its checksum differs from the card's, unless ``trust`` is set.
    """
    weights = Path(weights)
    if not weights.exists():
        raise WeightsError(f"{weights}: weights file not found")
    if not weights.is_dir() and not weights.is_file():  # a named pipe would block the checksum forever
        raise WeightsError(f"{weights}: not a regular file")
    digest = sha256_path(weights)
    card = read_card(weights)
    if trust:
        return digest, card
    if card is None:
        if weights.suffix == ".pt":
            raise WeightsError(
                f"{weights}: no model card ({card_path(weights).name}) to verify this pickle against; "
                "pass --trust-weights if you trust its origin"
            )
        return digest, None
    want = str(card.get("sha256", ""))
    if want != digest:
        raise WeightsError(
            f"{weights}: sha256 {digest[:12]}… does not match its model card ({want[:12] or 'none'}…); "
            "refusing to load it (pass --trust-weights to override)"
        )
    return digest, card
