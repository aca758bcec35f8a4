"""The scene recipe: every random range and probability the scene synthesis draws from.

This is the one place the distribution of the synthetic scenes is defined; the drawing code
(:mod:`~vision.training.scenes.textures`, :mod:`~vision.training.scenes.elements`,
:mod:`~vision.training.scenes.kinds`) takes its numbers from here. What stays in the drawing code is
geometry that is not randomised (a player's proportions, a sign's frame border, the 0.94 margin a logo
keeps from its box edge) and unit draws that a field scales (a random phase over a full turn, cloth
noise in -1..1, a random colour, a position anywhere across the frame).

Conventions of the fields:

* a ``tuple[float, float]`` is a ``(low, high)`` range drawn uniformly unless its comment says
  log-uniform; a ``tuple[int, int]`` is a count drawn uniformly from ``low`` to ``high`` **inclusive**;
* ``p_*`` are probabilities (0..1) per frame, element or slot as the comment says;
* units are in the comment: pixels (px), a fraction of the frame width or height, degrees, or a
  multiple of a named length (board heights, player heights, the surface's own height ...);
* angles: yaw turns a surface about its vertical axis, pitch about its horizontal axis, roll in plane.

:class:`SceneRecipe` holds the main knobs at its top level (recorded in ``dataset_info.json`` since the
first version) and one nested recipe per scene kind and per drawn element. ``dataclasses.asdict`` of
it is JSON-ready.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "ArenaRecipe",
    "BannerRecipe",
    "BoardRecipe",
    "CloseupRecipe",
    "DistractorRecipe",
    "EventRecipe",
    "GraphicsRecipe",
    "JitterRecipe",
    "PhotoRecipe",
    "PlayerRecipe",
    "SceneRecipe",
    "SignRecipe",
    "StadiumRecipe",
    "TextRecipe",
    "TextureRecipe",
    "WallRecipe",
]

Range = tuple[float, float]
Count = tuple[int, int]


# --------------------------------------------------------------------------------------------- colours
@dataclass(frozen=True)
class JitterRecipe:
    """Colour jitter of each palette pick: every BGR channel moves by up to ± this many grey levels."""

    grass: float = 10.0  # pitch base colour
    sky: float = 18.0  # sky / roof band of a stadium
    kit: float = 10.0  # team kits, close-up shirts
    floor: float = 12.0  # arena court floor
    backdrop: float = 30.0  # event wall behind the media wall
    suit: float = 10.0  # clothes of people at an event
    skin: float = 10.0
    shorts: float = 15.0
    board: float = 20.0  # perimeter board backgrounds (and the incoming content's background)
    banner: float = 18.0  # banner cloth
    sign: float = 18.0  # sign face
    sign_frame: float = 18.0  # sign frame
    media_wall: float = 8.0  # media wall background
    graphics: float = 10.0  # score bug / lower third background
    graphics_panel: float = 5.0  # sponsor panel of the graphics


# -------------------------------------------------------------------------------------------- textures
@dataclass(frozen=True)
class TextRecipe:
    """Distractor text (club words, random letters, a simple icon)."""

    p_random_letters: float = 0.3  # a random capital-letter string instead of a club word
    random_letters: Count = (3, 7)  # letters of such a string
    stroke: Range = (1.0, 3.5)  # stroke thickness, multiple of the font scale (1 = 22 px letters)
    p_icon: float = 0.4  # a circle, triangle or square icon before the word


@dataclass(frozen=True)
class TextureRecipe:
    """Crowd, pitch and cloth textures."""

    crowd_shade: Range = (0.55, 1.05)  # brightness factor of each spectator blob
    grass_vanish_x: Range = (-0.5, 1.5)  # vanishing point of the mowing stripes, fraction of frame width
    grass_stripe_freq: Range = (3.0, 8.0)  # mowing stripes, radians per unit of (x offset / depth)
    grass_stripe_phase: Range = (0.0, 6.0)  # phase of the stripes, radians
    grass_noise: Range = (0.93, 1.07)  # per-pixel brightness noise of the grass (quarter resolution)
    cloth_wave_len: Range = (0.5, 1.2)  # waving flag wavelength, multiple of the flag's width in px
    cloth_fold_grid: Count = (3, 5)  # cloth folds: control points per side of the cubic noise grid


# -------------------------------------------------------------------------------------------- elements
@dataclass(frozen=True)
class BoardRecipe:
    """Perimeter / LED boards of a board row (lengths in board heights)."""

    p_gap: float = 0.5  # a gap after a board
    gap: Range = (0.0, 0.12)  # its length, board heights
    led_gain: Range = (1.0, 1.25)  # brightness gain of LED content
    printed_gain: Range = (0.8, 1.0)  # brightness gain of printed (non-LED) boards
    scroll_offset: Range = (0.1, 0.9)  # how far a mid-transition content has scrolled, fraction of the board
    p_scroll_sideways: float = 0.8  # a transition scrolls sideways (else upwards)
    two_copies_min_len: float = 6.0  # boards at least this long (board heights) may show a sponsor twice ...
    p_one_copy: float = 0.6  # ... but show it once with this probability


@dataclass(frozen=True)
class PlayerRecipe:
    """A stylised player or person (lengths in player heights)."""

    lean: Range = (-0.12, 0.12)  # shoulders' sideways offset from the feet
    stride: Range = (-0.12, 0.12)  # feet apart (added to a fixed 0.06 each side)
    p_sock_leg: float = 0.5  # a leg shows the kit's socks (else skin)
    hand_out: Range = (0.18, 0.35)  # hand sideways from the shoulder
    hand_down: Range = (0.15, 0.4)  # hand below the shoulder
    fold_amp: Range = (0.005, 0.02)  # shirt cloth folds, displacement amplitude
    chest_yaw_deg: Range = (-35.0, 35.0)
    chest_pitch_deg: Range = (-10.0, 10.0)
    chest_roll_deg: Range = (-8.0, 8.0)
    p_shirt_sponsor: float = 0.75  # a shirt shows a sponsor slot (which may still be non-sponsor content)
    shirt_logo_fill: Range = (0.45, 0.8)  # logo height / chest height
    shirt_gain: Range = (0.75, 1.0)  # brightness of the shirt logo
    p_shirt_number: float = 0.5  # a shirt without a sponsor shows text instead


@dataclass(frozen=True)
class BannerRecipe:
    """A cloth banner or flag."""

    fold_amp: Range = (0.01, 0.05)  # displacement amplitude, fraction of the banner's height in px (>= 8 px)
    two_sponsors_min_aspect: float = 4.0  # banners wider than this (width / height) ...
    p_two_sponsors: float = 0.5  # ... show two sponsor slots with this probability
    gain: Range = (0.8, 1.05)  # brightness of the printed logo
    logo_fill: Range = (0.5, 0.85)  # logo height / banner height


@dataclass(frozen=True)
class SignRecipe:
    """A rigid sign, podium front or roll-up."""

    gain: Range = (0.8, 1.05)  # brightness of the printed logo
    logo_fill: Range = (0.45, 0.8)  # logo height / sign height


@dataclass(frozen=True)
class WallRecipe:
    """A step-and-repeat media wall (the cell size comes from ``SceneRecipe.wall_logo_px``)."""

    sponsors: Count = (1, 3)  # alternating sponsor slots
    gain: Range = (0.85, 1.05)  # brightness of the printed logos
    cell_aspect: Range = (2.2, 3.5)  # cell width / cell height
    logo_fill: Range = (0.45, 0.7)  # logo height / cell height
    p_stagger: float = 0.6  # every other row shifted by half a cell


@dataclass(frozen=True)
class GraphicsRecipe:
    """Broadcast graphics: a score bug at the top or a lower third, each with a sponsor panel."""

    p_score_bug: float = 0.6  # a score bug (else a lower third)
    bug_height: Range = (0.045, 0.085)  # fraction of frame height
    bug_x: Range = (0.02, 0.06)  # left edge, fraction of frame width
    bug_y: Range = (0.03, 0.07)  # top edge, fraction of frame height
    bug_len: Range = (5.0, 7.0)  # bug width, bug heights
    goals: Count = (0, 4)  # each team's score on the bug
    minute: Count = (1, 89)  # match clock minute on the bug
    lower_height: Range = (0.06, 0.11)  # lower third height, fraction of frame height
    lower_x: Range = (0.04, 0.15)  # left edge, fraction of frame width
    lower_y: Range = (0.72, 0.86)  # top edge, fraction of frame height
    lower_len: Range = (0.4, 0.6)  # lower third width, fraction of frame width
    opacity: Range = (0.85, 1.0)  # of the graphic's background
    panel_len: Range = (2.2, 3.4)  # sponsor panel width, graphic heights
    logo_fill: Range = (0.6, 0.85)  # logo height / panel height


@dataclass(frozen=True)
class DistractorRecipe:
    """Free-standing hard negatives: words and coloured polygons anywhere in the frame."""

    p_word: float = 0.6  # a word (else a polygon)
    word_px_min: float = 8.0  # word height, log-uniform from this many px ...
    word_height_max: float = 0.15  # ... to this fraction of the frame height
    yaw_deg: Range = (-40.0, 40.0)
    pitch_deg: Range = (-20.0, 20.0)
    roll_deg: Range = (-20.0, 20.0)
    opacity: Range = (0.7, 1.0)
    shape_px_min: float = 4.0  # polygon radius, log-uniform from this many px ...
    shape_radius_max: float = 0.08  # ... to this fraction of the frame height
    shape_corners: Count = (3, 8)


# ---------------------------------------------------------------------------------------- scene kinds
@dataclass(frozen=True)
class StadiumRecipe:
    """Football broadcast (board size, tilt, players and banners are top-level fields of the recipe)."""

    board_y: Range = (0.2, 0.62)  # board row centre, fraction of frame height
    board_taper: Range = (-0.45, 0.45)  # relative change of board height across the frame width
    crowd_cell: Range = (0.12, 0.3)  # spectator blob size, board heights (at least 2 px)
    p_sky: float = 0.3  # a sky / roof band at the top
    sky_depth: Range = (0.0, 0.3)  # its height, fraction of the space above the boards
    grass_horizon: Range = (0.3, 3.0)  # vanishing distance above the pitch top, frame heights
    p_pitch_line: float = 0.5  # a white pitch line ...
    pitch_line_below: float = 0.1  # ... at least this far below the pitch top, frame heights
    pitch_line_slope: Range = (-0.1, 0.1)  # its height change across the frame, frame heights
    p_upper_tier: float = 0.3  # an upper-tier ribbon board (when the main row is low enough)
    upper_tier_height: Range = (0.35, 0.7)  # its height, main board heights
    upper_tier_y: Range = (0.25, 0.6)  # its centre, fraction of the main row's top edge height
    banners: Count = (1, 2)  # banners in the stands, when there are banners
    banner_px_min: float = 40.0  # banner width, log-uniform from this many px ...
    banner_width_max: float = 0.4  # ... to this fraction of the frame width
    banner_aspect: Range = (0.18, 0.5)  # banner height / width
    banner_y: Range = (0.1, 0.9)  # banner centre, fraction of the main row's top edge height
    banner_yaw_deg: Range = (-30.0, 30.0)
    banner_pitch_deg: Range = (-10.0, 10.0)
    banner_roll_deg: Range = (-8.0, 8.0)
    p_banner_wave: float = 0.5  # a banner waves like a flag (else hangs with folds)
    # feet from (this far below the boards) to (this far below the frame bottom), player heights
    player_feet: Range = (0.05, 0.4)
    player_x: Range = (-0.05, 1.05)  # feet position, fraction of frame width


@dataclass(frozen=True)
class ArenaRecipe:
    """Indoor court (validation only by default)."""

    board_px_min: float = 12.0  # courtside board height: log-uniform from at least this many px ...
    board_height: Range = (0.03, 0.18)  # ... fraction of frame height
    board_y: Range = (0.25, 0.5)  # board row centre, fraction of frame height
    board_tilt_deg: Range = (-4.0, 4.0)
    crowd_dark: Range = (0.25, 0.55)  # brightness of the stands
    plank_shade: Range = (0.92, 1.08)  # brightness of each floor plank
    p_floor_logo: float = 0.6  # a centre-court floor logo
    floor_logo_width: Range = (0.15, 0.7)  # fraction of frame width, log-uniform
    floor_logo_x: Range = (0.2, 0.8)  # centre, fraction of frame width
    floor_logo_y: Range = (0.65, 0.95)  # centre, fraction of frame height
    floor_yaw_deg: Range = (-20.0, 20.0)
    floor_pitch_deg: Range = (55.0, 72.0)  # steep: the floor seen from the stands
    floor_roll_deg: Range = (-5.0, 5.0)
    floor_opacity: Range = (0.6, 0.95)  # painted floor logo
    player_height: Range = (3.0, 7.0)  # board heights
    # feet from (this far below the boards) to (this far below the frame bottom), player heights
    player_feet: Range = (0.05, 0.3)


@dataclass(frozen=True)
class EventRecipe:
    """Event photo: a media wall, a podium or sign, people."""

    backdrop_shade: Range = (0.5, 1.0)  # brightness of the wall behind
    wall_logo_fill: Range = (0.45, 0.7)  # sets the cell size: cell height = logo height / this
    wall_height: Range = (0.6, 1.4)  # media wall height, frame heights
    wall_aspect: Range = (1.2, 2.5)  # media wall width / height
    wall_x: Range = (0.3, 0.7)  # centre, fraction of frame width
    wall_y: Range = (0.35, 0.6)  # centre, fraction of frame height
    wall_yaw_deg: Range = (-45.0, 45.0)
    wall_pitch_deg: Range = (-12.0, 12.0)
    wall_roll_deg: Range = (-6.0, 6.0)
    wall_focal: Range = (1.5, 4.0)  # camera distance, wall heights (small = strong perspective)
    p_wall_text: float = 0.3  # an event name printed on the wall
    wall_text_u: Range = (0.0, 0.6)  # its left edge, fraction of the wall width
    wall_text_v: Range = (0.0, 0.8)  # its top edge, fraction of the wall height
    p_sign: float = 0.35  # a podium or sign in front
    sign_width: Range = (0.15, 0.35)  # fraction of frame width, log-uniform
    sign_aspect: Range = (0.8, 1.4)  # height / width
    sign_x: Range = (0.15, 0.85)  # centre, fraction of frame width
    sign_bottom: Range = (0.85, 1.1)  # bottom edge, fraction of frame height
    sign_yaw_deg: Range = (-30.0, 30.0)
    sign_pitch_deg: Range = (-8.0, 8.0)
    people: Count = (0, 5)
    person_height: Range = (0.5, 1.4)  # frame heights
    person_x: Range = (-0.1, 1.1)  # feet, fraction of frame width
    person_feet: Range = (-0.05, 0.35)  # feet below the frame bottom, person heights
    p_person_shirt: float = 0.3  # a person's shirt may carry a sponsor


@dataclass(frozen=True)
class CloseupRecipe:
    """One big element in front of a blurred crowd (sizes in maximum logo heights, see ``logo_max_frac``)."""

    crowd_cell: Range = (2.0, 5.0)  # background blob size, px at quarter resolution
    crowd_dark: Range = (0.5, 1.0)  # brightness of the background
    blur_sigma: Range = (2.0, 6.0)  # background defocus, px
    element_shares: tuple[tuple[str, float], ...] = (
        ("player", 0.35),
        ("flag", 0.25),
        ("board", 0.2),
        ("sign", 0.2),
    )  # which element, in this order (shares sum to 1)
    player_height: Range = (1.2, 2.8)  # frame heights
    player_x: Range = (0.3, 0.7)  # fraction of frame width
    player_feet: Range = (0.25, 0.5)  # feet below the frame bottom, player heights
    flag_height: Range = (0.35, 1.3)  # log-uniform
    flag_aspect: Range = (1.3, 3.0)  # width / height
    flag_x: Range = (0.3, 0.7)  # centre, fraction of frame width
    flag_y: Range = (0.3, 0.7)  # centre, fraction of frame height
    flag_yaw_scale: float = 0.6  # flags turn less than signs: yaw = this x a draw from ``yaw_deg``
    p_flag_wave: float = 0.7
    board_height: Range = (0.4, 1.2)  # log-uniform
    board_y: Range = (0.3, 0.7)  # centre, fraction of frame height
    board_slope: Range = (-0.15, 0.15)  # height change per frame width, frame widths
    sign_height: Range = (0.5, 1.6)  # log-uniform
    sign_aspect: Range = (0.8, 2.0)  # width / height
    sign_x: Range = (0.3, 0.7)  # centre, fraction of frame width
    sign_y: Range = (0.35, 0.7)  # centre, fraction of frame height


@dataclass(frozen=True)
class PhotoRecipe:
    """Elements placed over a frame of the user's footage."""

    elements: Count = (1, 3)
    element_shares: tuple[tuple[str, float], ...] = (
        ("sign", 0.3),
        ("banner", 0.25),
        ("board", 0.25),
        ("wall", 0.1),
        ("player", 0.1),
    )  # which element, in this order (shares sum to 1)
    sign_min: float = 2.0  # sign height, log-uniform from this multiple of ``logo_min_px`` ...
    sign_max: float = 1.3  # ... to this multiple of the largest logo height
    sign_aspect: Range = (1.0, 4.0)  # width / height
    p_sign_frame: float = 0.5  # the sign has a frame
    banner_min: float = 2.0  # banner height, log-uniform from this multiple of ``logo_min_px`` ...
    banner_max: float = 1.2  # ... to this multiple of the largest logo height
    banner_aspect: Range = (1.5, 5.0)  # width / height
    p_banner_wave: float = 0.5
    board_px_min: float = 14.0  # board height, log-uniform from this many px ...
    board_height_max: float = 0.2  # ... to this fraction of frame height
    board_y: Range = (0.2, 0.9)  # board row centre, fraction of frame height
    board_slope: Range = (-0.1, 0.1)  # height change per frame width, frame widths
    wall_logo_fill: float = 0.55  # cell height = logo height (``wall_logo_px``) / this
    wall_height: Range = (0.3, 0.8)  # frame heights
    wall_xy: Range = (0.2, 0.8)  # centre, fraction of frame width and of frame height
    wall_yaw_deg: Range = (-40.0, 40.0)
    wall_pitch_deg: Range = (-10.0, 10.0)
    wall_roll_deg: Range = (-5.0, 5.0)
    player_height: Range = (0.3, 1.2)  # frame heights
    player_y: Range = (0.6, 1.3)  # feet, fraction of frame height
    distractors: Count = (0, 2)  # free-standing distractors over footage
    graphics_share: float = 0.5  # graphics appear with this x ``p_graphics``


# ------------------------------------------------------------------------------------------ the recipe
@dataclass(frozen=True)
class SceneRecipe:
    """Every randomisation range of the scene generator: the main knobs at the top level, then one
    nested recipe per scene kind and per drawn element (units in the comments; see the module)."""

    logo_min_px: float = 8.0  # smallest labelled logo height, pixels
    logo_max_frac: float = 0.5  # largest logo height, fraction of frame height
    stretch: Range = (0.85, 1.15)  # logo aspect jitter (width factor)
    min_visible: float = 0.4  # labels less visible than this are dropped
    p_empty: float = 0.10  # frames with no sponsor at all
    p_distractor_content: float = 0.15  # board / banner / sign slots showing non-sponsor content
    p_scroll: float = 0.15  # LED boards caught mid-transition between two contents
    board_height_frac: Range = (0.025, 0.28)  # perimeter board height / frame height (log-uniform)
    board_logo_fill: Range = (0.55, 0.85)  # logo height / board height
    board_len: Range = (4.5, 9.0)  # board length / board height
    board_squeeze: Range = (1.0, 2.4)  # horizontal foreshortening of the board row
    board_tilt_deg: Range = (-6.0, 6.0)
    players: Count = (0, 7)  # occluding players per stadium / arena frame
    player_height_boards: Range = (2.2, 6.0)  # player height / board height (stadium)
    p_graphics: float = 0.35  # score bug / lower third with a sponsor
    p_banner: float = 0.45  # banners in the stands of a stadium
    wall_logo_px: Range = (16.0, 80.0)  # media-wall logo height at 640 px width (log-uniform)
    wall_max_logos: int = 40  # cells grow until a wall shows at most about this many logos
    yaw_deg: Range = (-55.0, 55.0)  # out-of-plane rotation of signs, walls, banners
    pitch_deg: Range = (-25.0, 25.0)
    roll_deg: Range = (-18.0, 18.0)
    distractors: Count = (1, 5)  # free-standing distractor words / shapes per procedural frame
    kinds: tuple[tuple[str, float], ...] = (
        ("stadium", 0.4),
        ("event", 0.25),
        ("closeup", 0.2),
        ("arena", 0.15),
    )
    p_photo: float = 0.7  # share of frames drawn over user backgrounds when given
    bg_min_scale: float = 0.8  # smallest background crop scale, source px per output px (1 = native)
    val_only_kinds: tuple[str, ...] = ("arena",)  # scene families only the validation split sees
    stadium: StadiumRecipe = field(default_factory=StadiumRecipe)
    arena: ArenaRecipe = field(default_factory=ArenaRecipe)
    event: EventRecipe = field(default_factory=EventRecipe)
    closeup: CloseupRecipe = field(default_factory=CloseupRecipe)
    photo: PhotoRecipe = field(default_factory=PhotoRecipe)
    board: BoardRecipe = field(default_factory=BoardRecipe)
    player: PlayerRecipe = field(default_factory=PlayerRecipe)
    banner: BannerRecipe = field(default_factory=BannerRecipe)
    sign: SignRecipe = field(default_factory=SignRecipe)
    wall: WallRecipe = field(default_factory=WallRecipe)
    graphics: GraphicsRecipe = field(default_factory=GraphicsRecipe)
    distractor: DistractorRecipe = field(default_factory=DistractorRecipe)
    text: TextRecipe = field(default_factory=TextRecipe)
    texture: TextureRecipe = field(default_factory=TextureRecipe)
    jitter: JitterRecipe = field(default_factory=JitterRecipe)
