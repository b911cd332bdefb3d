"""models/capabilities.py: the tables derived from the packages' registrations hold what the hand-kept tables held
(before issue 25 they were written out in models/registry.py, components/catalog.py, components/home_cards.py,
models/examples.py and models/serving/__init__.py), and reading the registrations imports no TensorFlow."""

from __future__ import annotations

import subprocess
import sys

from models import capabilities, examples, serving
from models.registry import Capability
from tests.conftest import ROOT


def test_the_derived_tables_hold_what_the_hand_kept_ones_did():
    from components import catalog, home_cards

    assert [(p.capability, p.path, p.icon, p.title, p.settings) for p in catalog.PAGES] == [
        ("segmentation", "pages/1_Segmentation.py", "🎨", "Semantic segmentation", "components.segmentation_settings"),
        ("inpainting", "pages/2_Inpainting.py", "🩹", "Inpainting", "components.inpainting_settings"),
        ("dcgan", "pages/3_Digit_GAN.py", "🔢", "DCGAN digits", "components.digits_settings"),
        ("style", "pages/4_Style_Transfer.py", "🖌️", "Style transfer", "components.style_settings"),
        ("faces", "pages/5_Face_Similarity.py", "🙂", "Face similarity", "components.faces_settings"),
        ("video", "pages/6_Video_Classification.py", "🎬", "Video classification", "components.video_settings"),
        ("segmentation", "pages/7_Train_segmenter.py", "🧑‍🏫", "Train a segmenter", "components.seg_training_settings"),
    ]
    train = catalog.PAGES[-1]
    assert train.needs == ("mobilenet_v2_imagenet_npy",) and train.picture.endswith("fcn8s_camvid/curves.png")
    assert all(p.exists for p in catalog.PAGES)
    assert capabilities.page_defaults() == {
        "Semantic segmentation": ("deeplab_mnv2_513_quant", "pascal_voc_labels", "photo_cat"),
        "Inpainting": (),
        "Style transfer": ("magenta_predict_int8", "magenta_transfer_f16", "photo_grace_hopper", "style_starry_night"),
        "Face similarity": ("photo_face", "photo_grace_hopper"),
        "Video classification": ("movinet_a0_stream_k600_int8", "kinetics600_labels", "mobilenet_v2_224_quant",
                                 "imagenet_labels", "clip_arm_wrestling"),
        "DCGAN digits": ("mnist_test_images", "mnist_test_labels"),
    }
    assert list(capabilities.page_defaults()) == [p.title for p in catalog.PAGES[:6]]  # in page order
    assert home_cards.FALLBACK == {Capability.SEGMENTATION: "chelsea.png", Capability.INPAINTING: "chelsea.png",
                                   Capability.DCGAN: "coffee.png", Capability.STYLE: "astronaut.png",
                                   Capability.FACES: "astronaut.png", Capability.VIDEO: "motorcycle_left.png"}
    assert {c: needs for c, (_, needs) in examples.MAKERS.items()} == {
        Capability.SEGMENTATION: ("deeplab_mnv2_513_quant", "photo_cat"),
        Capability.INPAINTING: (),
        Capability.DCGAN: (),
        Capability.STYLE: ("magenta_predict_int8", "magenta_transfer_f16", "photo_grace_hopper", "style_starry_night"),
        Capability.FACES: ("photo_face",),
        Capability.VIDEO: ("clip_arm_wrestling",),
    }
    # the model server's applications, in deploy/ray/serve_config.yaml's order
    assert serving.CAPABILITIES == capabilities.served() == ("segmentation", "style", "faces", "video", "digits")
    # every built-in capability but the samples is registered, by the package of the same name (digits: dcgan)
    assert {r.name: r.route for r in capabilities.registered()} == {
        "segmentation": "segmentation", "inpainting": "inpainting", "dcgan": "digits", "style": "style",
        "faces": "faces", "video": "video"}
    assert set(capabilities.by_name()) == set(Capability) - {Capability.SAMPLES}
    assert capabilities.entries()[: len(capabilities.ENTRIES)] == capabilities.ENTRIES


def test_reading_the_registrations_imports_no_tensorflow():
    code = ("import sys; from models import capabilities as c; from components import catalog; "
            "from models import examples; assert len(c.registered()) == 6 and catalog.PAGES and examples.MAKERS; "
            "print(sorted(m for m in ('tensorflow', 'keras', 'tf_keras', 'ray') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"
