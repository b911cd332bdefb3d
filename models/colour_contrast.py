"""Overlay colours a visitor can see.

A palette colour is shifted until its overlay stands out from the pixels it is drawn over.

The rule is perceptual: the colour **as seen** (blended at the overlay's opacity over the mean colour of the pixels
under the mask) must differ from those pixels by a CIEDE2000 colour difference of at least
:data:`MIN_DELTA_E` (scikit-image's ``rgb2lab`` and ``deltaE_ciede2000``; ΔE00 ≈ 2.3 is a just-noticeable
difference). A luminance rule (WCAG's contrast ratio) does not catch the case that prompted this: the PASCAL VOC
cat colour (64, 0, 0), a dark maroon, over the tabby cat of the store's sample photo reaches 3.4:1 (it passes
WCAG's 3:1 for graphics), yet at the page's 60 % opacity it only darkens the reddish fur, ΔE00 ≈ 18: it reads as a
shadow. On that photo the VOC palette splits into colours that read as a shade of the fur (greys, reds, browns:
ΔE00 12–23) and colours that read as a tint (greens, blues, purples: 27–44); 25 lies between.

When the colour fails, the smallest change that passes is taken (smallest ΔE00 between the old and the new solid
colour): first the lightness at the same hue, then hues further and further round the wheel; among those, one that
does not darken the covered pixels by more than :data:`MAX_DARKEN_L` (CIELAB L*) when there is one, because a moved
colour that mostly darkens still reads as a shadow (the VOC cat went to a dark purple, (38, 0, 51), before this part
of the rule; now (178, 0, 134), a magenta tint). The legend should
show the colour returned, so it still names the overlay.

No Streamlit here.
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence
from functools import cache

import numpy as np
from skimage.color import deltaE_ciede2000, rgb2lab

MIN_DELTA_E = 25.0  # CIEDE2000 between the overlay as seen and the pixels under it (see the module docstring)
OPACITY = 0.6  # the segmentation page's default overlay opacity
MAX_DARKEN_L = 5.0  # a moved colour may darken what it covers by at most this much L* (see readable_colour)


def _lightness(rgb: np.ndarray) -> np.ndarray:
    """CIELAB L* (0..100) of (..., 3) sRGB 0..255."""
    return _lab(np.asarray(rgb, np.float64))[..., 0]


def _lab(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) sRGB in 0..255 → CIELAB (D65)."""
    return rgb2lab(np.clip(np.asarray(rgb, np.float64) / 255.0, 0.0, 1.0)[None])[0]


def mean_colour(image_region: np.ndarray) -> np.ndarray:
    """Mean sRGB colour (3,) float64 of the pixels an overlay covers: ``(H, W, 3)`` or ``(N, 3)`` uint8.

    Raises ValueError when there are no pixels or the last axis is not 3.
    """
    px = np.asarray(image_region)
    if px.ndim < 2 or px.shape[-1] != 3 or px.size == 0:
        raise ValueError(f"expected pixels of shape (H, W, 3) or (N, 3), got {px.shape}")
    return px.reshape(-1, 3).astype(np.float64).mean(axis=0)


def seen_delta_e(
    rgb_colours: Sequence[int] | np.ndarray, background: Sequence[float] | np.ndarray, opacity: float = OPACITY
) -> np.ndarray:
    """CIEDE2000 distance of overlay colours from a background.

    ΔE00 between ``background`` ((3,) sRGB 0..255) and each colour blended over it at ``opacity`` (0..1), as
    ``cv2.addWeighted`` blends an overlay. ``rgb_colours``: (3,) or (N, 3) → () or (N,) float64.
    """
    colours = np.asarray(rgb_colours, np.float64)
    bg = np.asarray(background, np.float64)
    seen = opacity * colours + (1.0 - opacity) * bg
    return np.asarray(deltaE_ciede2000(_lab(np.broadcast_to(bg, seen.shape)), _lab(seen)), np.float64)


@cache
def _candidates(rgb: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Colours near ``rgb`` to try, (N, 3) uint8-valued, with their ΔE00 from ``rgb`` (N,).

    Every lightness (5 % steps) at the same hue and at hues 15°, 30° … 180° either way; saturation at least 0.6 so a
    grey palette entry can take a hue.
    """
    h, _lightness, s = colorsys.rgb_to_hls(*(v / 255.0 for v in rgb))
    out = []
    for turn in range(0, 13):
        for sign in (1,) if turn in (0, 12) else (1, -1):
            hue = (h + sign * turn / 24.0) % 1.0
            for sat in sorted({s, max(s, 0.6)}):
                for lightness in np.linspace(0.05, 0.95, 19):
                    out.append([round(c * 255) for c in colorsys.hls_to_rgb(hue, float(lightness), sat)])
    cand = np.unique(np.asarray(out, np.float64), axis=0)
    change = np.asarray(deltaE_ciede2000(_lab(np.broadcast_to(np.asarray(rgb, np.float64), cand.shape)), _lab(cand)))
    return cand, change


def readable_colour(
    rgb_colour: Sequence[int],
    image_region: np.ndarray,
    *,
    opacity: float = OPACITY,
    min_delta_e: float = MIN_DELTA_E,
) -> tuple[int, int, int]:
    """The nearest colour to ``rgb_colour`` whose overlay stands out from ``image_region``.

    ``rgb_colour`` ((r, g, b) 0..255) changed as little as needed so that, blended at ``opacity`` over the mean
    colour of ``image_region`` ((H, W, 3) or (N, 3) uint8 sRGB, e.g. ``rgb[class_map == k]``), it differs from
    that colour by at least ``min_delta_e`` (CIEDE2000).

    A colour that already passes is returned unchanged. Otherwise the passing candidate closest to it (ΔE00; same
    hue at another lightness first, then other hues) is returned; when none passes (a very low opacity), the
    candidate that stands out most. Raises ValueError for an empty region, a colour that is not three numbers in
    0..255, or an opacity outside (0, 1].
    """
    colour = tuple(int(v) for v in rgb_colour)
    if len(colour) != 3 or not all(0 <= v <= 255 for v in colour):
        raise ValueError(f"expected an (r, g, b) colour in 0..255, got {rgb_colour!r}")
    if not 0.0 < opacity <= 1.0:
        raise ValueError(f"opacity must be in (0, 1], got {opacity}")
    background = mean_colour(image_region)
    if float(seen_delta_e(colour, background, opacity)) >= min_delta_e:
        return colour[0], colour[1], colour[2]
    cand, change = _candidates(colour)
    seen = seen_delta_e(cand, background, opacity)
    passing = np.flatnonzero(seen >= min_delta_e)
    # Of the colours that pass, those that do not darken what they cover by more than MAX_DARKEN_L: a moved colour
    # should read as a tint, not as a shadow (the newcomers' "dims the cat"); over a very light background none
    # exists (every visible colour darkens it) and the lightness is not asked.
    tint = passing[
        _lightness(opacity * cand[passing] + (1.0 - opacity) * background) >= _lightness(background) - MAX_DARKEN_L
    ]
    if tint.size:
        passing = tint
    best = int(passing[np.argmin(change[passing])]) if passing.size else int(np.argmax(seen))
    r, g, b = (int(v) for v in cand[best])
    return r, g, b
