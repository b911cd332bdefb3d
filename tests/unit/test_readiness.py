"""models/readiness.py: which capabilities can run with what a store holds (the home cards mute the others)."""

from __future__ import annotations

from models.readiness import can_run
from models.registry import Capability
from models.store import Store


def test_empty_store_two_capabilities_cannot_run():
    # segmentation runs: the CamVid networks trained here are committed with the code
    runs = {c: can_run(c, lambda _e: False) for c in Capability if c is not Capability.SAMPLES}
    assert runs == {Capability.SEGMENTATION: True, Capability.INPAINTING: True, Capability.DCGAN: True,
                    Capability.STYLE: False, Capability.FACES: True, Capability.VIDEO: False}


def test_one_option_is_enough():
    from models import style as sty

    assert can_run(Capability.STYLE, lambda e: e == sty.VGG19_ENTRY)  # Gatys alone
    assert can_run(Capability.SEGMENTATION, lambda e: e == "deeplab_257_float")
    assert can_run(Capability.VIDEO, lambda e: e in ("mobilenet_v2_224_quant", "imagenet_labels"))
    assert not can_run(Capability.VIDEO, lambda e: e == "mobilenet_v2_224_quant")


def test_demo_store_everything_runs(shared_assets):
    store = Store(shared_assets)
    assert all(can_run(c, store.has) for c in Capability)
