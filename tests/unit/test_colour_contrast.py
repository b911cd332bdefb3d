"""models/colour_contrast.py: overlay colours shifted until they stand out (CIEDE2000 of the overlay as seen)."""

from __future__ import annotations

import numpy as np
import pytest

from models.colour_contrast import (
    MAX_DARKEN_L,
    MIN_DELTA_E,
    OPACITY,
    _lightness,
    mean_colour,
    readable_colour,
    seen_delta_e,
)

CAT_FUR = np.array([133.3, 86.8, 65.0])  # mean colour under the cat mask of the store's cat photo (DeepLab 513)
VOC_CAT = (64, 0, 0)


def _region(colour, n=64) -> np.ndarray:
    return np.broadcast_to(np.asarray(colour, np.uint8), (n, n, 3)).copy()


def test_dark_maroon_over_tabby_fur_is_shifted_until_it_passes():
    region = _region(np.round(CAT_FUR))
    before = float(seen_delta_e(VOC_CAT, mean_colour(region)))
    after_colour = readable_colour(VOC_CAT, region)
    after = float(seen_delta_e(after_colour, mean_colour(region)))
    print(f"cat {VOC_CAT}: ΔE00 {before:.1f} -> {after_colour}: {after:.1f}")
    assert before < 20 < MIN_DELTA_E <= after
    assert after_colour != VOC_CAT
    # and as a tint, not a shadow: the fur under it is darkened by at most MAX_DARKEN_L (the purple (38, 0, 51)
    # that passed ΔE alone darkened it by 17 L*)
    seen_l = _lightness(OPACITY * np.array(after_colour) + (1 - OPACITY) * CAT_FUR)
    assert seen_l >= _lightness(CAT_FUR) - MAX_DARKEN_L, (seen_l, _lightness(CAT_FUR))
    assert _lightness(OPACITY * np.array((38, 0, 51)) + (1 - OPACITY) * CAT_FUR) < _lightness(CAT_FUR) - MAX_DARKEN_L


def test_a_colour_that_already_stands_out_is_kept():
    assert readable_colour((0, 192, 0), _region(np.round(CAT_FUR))) == (0, 192, 0)  # green on fur: ΔE00 ≈ 44
    assert readable_colour((255, 255, 255), _region((10, 10, 10))) == (255, 255, 255)


@pytest.mark.parametrize("colour, background", [
    ((128, 128, 128), (128, 128, 128)),  # grey on the same grey: takes a hue
    ((255, 255, 255), (250, 250, 250)),  # white on white: darker
    ((0, 0, 0), (5, 5, 5)),  # black on black: lighter
    ((192, 0, 0), (200, 10, 10)),  # red on red
])
def test_same_colour_as_the_background_is_moved_just_past_the_target(colour, background):
    got = readable_colour(colour, _region(background))
    seen = float(seen_delta_e(got, np.asarray(background, float)))
    assert MIN_DELTA_E <= seen < MIN_DELTA_E + 8, (got, seen)  # the smallest change that passes, not the most


def test_opacity_and_target_are_honoured_and_bad_input_is_refused():
    region = _region(np.round(CAT_FUR))
    strong = readable_colour(VOC_CAT, region, min_delta_e=35.0)
    assert float(seen_delta_e(strong, CAT_FUR)) >= 35.0
    faint = readable_colour(VOC_CAT, region, opacity=0.05)  # cannot reach 25 at 5 %: the most visible candidate
    assert float(seen_delta_e(faint, mean_colour(region), 0.05)) > float(seen_delta_e(VOC_CAT, CAT_FUR, 0.05))
    with pytest.raises(ValueError, match="pixels"):
        readable_colour(VOC_CAT, np.zeros((0, 3), np.uint8))
    with pytest.raises(ValueError, match="colour"):
        readable_colour((300, 0, 0), region)
    with pytest.raises(ValueError, match="opacity"):
        readable_colour(VOC_CAT, region, opacity=0.0)


def test_every_voc_colour_is_readable_over_the_sample_cat(shared_assets):
    from models import segmentation as seg
    from models.imaging import read_image
    from models.store import Store

    store = Store(shared_assets)
    rgb = read_image(str(store.path("photo_cat"))).rgb
    cat = seg.create(seg.default_choice(store.has), store).predict(rgb).class_map == seg.VOC_CLASSES.index("cat")
    assert cat.mean() > 0.3
    fur = mean_colour(rgb[cat])
    assert np.abs(fur - CAT_FUR).max() < 1.0  # the constant above is this photo's
    for i, name in enumerate(seg.VOC_CLASSES):
        colour = tuple(int(v) for v in seg.PALETTE[i])
        got = readable_colour(colour, rgb[cat])
        assert float(seen_delta_e(got, fur)) >= MIN_DELTA_E, (name, colour, got)


def _wcag_ratio(a, b) -> float:
    """WCAG 2 contrast ratio of two sRGB colours (0..255), for the report beside ΔE00."""

    def lum(c):
        c = np.asarray(c, np.float64) / 255.0
        c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return float(c @ [0.2126, 0.7152, 0.0722])

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_readable_palette_moves_only_what_fails_and_leaves_the_background_alone():
    from models import segmentation as seg
    from models.errors import InputError

    rgb = np.zeros((40, 60, 3), np.uint8)
    rgb[:, :20] = np.round(CAT_FUR)  # "cat" fur on the left
    rgb[:, 20:40] = (133, 87, 65)  # the same fur under a "dog" (its purple already stands out)
    rgb[:, 40:] = (0, 0, 0)  # background: black, drawn nowhere
    cmap = np.zeros((40, 60), np.uint8)
    cmap[:, :20] = seg.VOC_CLASSES.index("cat")
    cmap[:, 20:40] = seg.VOC_CLASSES.index("dog")
    drawn = seg.readable_palette(rgb, cmap, 0.6)
    cat, dog = seg.VOC_CLASSES.index("cat"), seg.VOC_CLASSES.index("dog")
    assert tuple(drawn[cat]) == readable_colour(VOC_CAT, rgb[:, :20]) != VOC_CAT
    assert np.array_equal(drawn[dog], seg.PALETTE[dog])  # ΔE00 ≈ 43 already
    changed = np.flatnonzero((drawn != seg.PALETTE).any(axis=1))
    assert changed.tolist() == [cat]  # absent classes and the background keep the palette's colours
    assert np.array_equal(seg.readable_palette(rgb, cmap, 0.0), seg.PALETTE)  # nothing drawn at 0 %
    with pytest.raises(InputError, match="does not match"):
        seg.readable_palette(rgb, cmap[:, :30], 0.6)


@pytest.mark.parametrize("photo, name", [
    ("photo_cat", "cat"), ("photo_bird", "bird"), ("photo_grace_hopper", "person"), ("photo_dog", "dog"),
])
def test_overlay_on_the_sample_photos_stands_out_from_what_it_covers(shared_assets, photo, name):
    from models import segmentation as seg
    from models.imaging import read_image
    from models.store import Store

    store = Store(shared_assets)
    rgb = read_image(str(store.path(photo))).rgb
    result = seg.create(seg.default_choice(store.has), store).predict(rgb)
    k = seg.VOC_CLASSES.index(name)
    region = result.class_map == k
    assert region.mean() > 0.1
    under = mean_colour(rgb[region])
    old = result.palette[k]
    drawn = seg.readable_palette(rgb, result.class_map, 0.6, result.palette, result.background)
    before, after = float(seen_delta_e(old, under)), float(seen_delta_e(drawn[k], under))
    w_before = _wcag_ratio(0.6 * old + 0.4 * under, under)
    w_after = _wcag_ratio(0.6 * drawn[k] + 0.4 * under, under)
    print(f"{photo} {name}: {tuple(int(v) for v in old)} ΔE00 {before:.1f} WCAG {w_before:.2f}:1 -> "
          f"{tuple(int(v) for v in drawn[k])} ΔE00 {after:.1f} WCAG {w_after:.2f}:1")
    assert after >= MIN_DELTA_E
    if before >= MIN_DELTA_E:
        assert np.array_equal(drawn[k], old)  # a colour that already reads is kept
    if name == "cat":  # the case of the issue: the VOC maroon reads as a shadow on the tabby fur
        assert tuple(old) == VOC_CAT and before < 20 and not np.array_equal(drawn[k], old)
    # The overlay draws exactly that colour over the class (blended at 60 %) and leaves the background alone.
    shown = seg.overlay(rgb, result.class_map, 0.6, None, drawn, result.background)
    expected = 0.6 * drawn[k].astype(float) + 0.4 * rgb[region].astype(float)
    assert np.abs(shown[region].astype(float) - expected).max() <= 1.0
    bg = result.class_map == result.background
    assert np.array_equal(shown[bg], rgb[bg])
