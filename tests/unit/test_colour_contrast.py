"""models/colour_contrast.py: overlay colours shifted until they stand out (CIEDE2000 of the overlay as seen)."""

from __future__ import annotations

import numpy as np
import pytest

from models.colour_contrast import MIN_DELTA_E, mean_colour, readable_colour, seen_delta_e

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
