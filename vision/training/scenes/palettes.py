"""Colours of the scenes (BGR): the split palettes (pitch, stands, boards, walls, kits, floors, sky,
lighting) and the fixed colour sets every palette shares (skin, shorts, suits, sign frames, graphics).

The validation split uses palettes the training split never sees (:data:`PALETTES`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BGR",
    "GRAPHICS_BACKGROUNDS",
    "GRAPHICS_PANELS",
    "PALETTES",
    "SHORTS",
    "SIGN_FRAMES",
    "SKIN",
    "SUITS",
    "Palette",
]

#: A colour as (blue, green, red), 0..255.
BGR = tuple[int, int, int]


@dataclass(frozen=True)
class Palette:
    """Colours of one look (BGR). Training and validation splits use disjoint palettes."""

    name: str
    grass: tuple[BGR, ...]
    stands: tuple[BGR, ...]
    boards: tuple[BGR, ...]
    walls: tuple[BGR, ...]
    kits: tuple[BGR, ...]
    floors: tuple[BGR, ...]
    sky: tuple[BGR, ...]
    light: tuple[float, float]  # brightness range of the stadium stands (factor)


#: Skin tones of players and people (BGR), the same in every palette.
SKIN: tuple[BGR, ...] = ((160, 190, 230), (120, 160, 210), (80, 120, 170), (60, 85, 120), (40, 60, 90))

#: The palettes of each split: ``train`` and the held-out ``val``.
PALETTES: dict[str, tuple[Palette, ...]] = {
    "train": (
        Palette(
            "day",
            grass=((60, 150, 70), (50, 135, 60), (70, 160, 90)),
            stands=(
                (200, 60, 40),
                (40, 40, 200),
                (230, 230, 230),
                (60, 60, 60),
                (30, 160, 230),
                (120, 120, 120),
            ),
            boards=((20, 20, 20), (255, 255, 255), (150, 40, 10), (10, 10, 130), (0, 90, 0), (230, 230, 230)),
            walls=((245, 245, 245), (235, 235, 235), (90, 40, 10), (30, 30, 30), (200, 200, 200)),
            kits=((255, 255, 255), (30, 30, 200), (200, 80, 20), (20, 20, 20), (0, 200, 255)),
            floors=((90, 150, 200), (80, 130, 180)),
            sky=((230, 200, 160), (200, 200, 200)),
            light=(0.9, 1.15),
        ),
        Palette(
            "overcast",
            grass=((70, 130, 75), (60, 120, 70)),
            stands=((150, 150, 150), (80, 80, 160), (160, 80, 80), (200, 200, 200), (40, 40, 40)),
            boards=((40, 40, 40), (240, 240, 240), (120, 60, 0), (0, 0, 160), (0, 120, 200)),
            walls=((250, 250, 250), (220, 220, 225), (60, 60, 60), (0, 60, 120)),
            kits=((255, 255, 255), (0, 0, 160), (160, 0, 0), (0, 120, 0), (200, 200, 0)),
            floors=((100, 160, 210),),
            sky=((190, 190, 190),),
            light=(0.8, 1.0),
        ),
    ),
    "val": (
        Palette(
            "floodlit-night",
            grass=((40, 120, 40), (30, 110, 60)),
            stands=((30, 30, 30), (0, 0, 120), (120, 0, 120), (10, 10, 60), (70, 70, 70)),
            boards=((0, 0, 0), (255, 255, 255), (0, 60, 120), (90, 0, 90), (200, 120, 0)),
            walls=((240, 240, 240), (20, 20, 20), (40, 0, 80), (0, 70, 70)),
            kits=((0, 220, 220), (120, 0, 120), (255, 255, 255), (0, 0, 0), (0, 128, 255)),
            floors=((60, 110, 160), (150, 160, 170)),
            sky=((40, 20, 10), (30, 30, 30)),
            light=(0.7, 1.0),
        ),
    ),
}


#: Shorts of players.
SHORTS: tuple[BGR, ...] = ((255, 255, 255), (20, 20, 20), (30, 30, 160), (160, 60, 20))
#: Clothes of people at an event.
SUITS: tuple[BGR, ...] = ((30, 30, 30), (80, 60, 40), (200, 200, 200), (40, 40, 120), (120, 40, 40))
#: Frames of signs and podiums.
SIGN_FRAMES: tuple[BGR, ...] = ((40, 40, 40), (200, 200, 200))
#: Backgrounds of the score bug and the lower third.
GRAPHICS_BACKGROUNDS: tuple[BGR, ...] = ((30, 20, 20), (60, 20, 0), (20, 20, 60), (40, 40, 40))
#: Sponsor panels of the graphics.
GRAPHICS_PANELS: tuple[BGR, ...] = ((255, 255, 255), (240, 240, 240), (30, 30, 30))
