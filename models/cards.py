"""Model cards: what each model behind a page is, what it learnt from, how well it does, and where it fails.

Plain data (no Streamlit), shown by ``components.model_card`` in an expander on each page. Figures are the
publishers' own (with their source) or measured by this project: the command or script that measured them is in
``measured_by``, which visitors never see (no paths or shell commands on a page); the Admin page lists it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

# Figures this project committed with its trained segmentation networks (loss, val mIoU and per-class IoU bars).
SEG_WEIGHTS = Path(__file__).resolve().parent / "weights" / "segmentation"
FCN8S_CAMVID_CURVES = SEG_WEIGHTS / "fcn8s_camvid" / "curves.png"


@dataclass(frozen=True)
class ModelCard:
    """What a page shows about one model: what it is, its training data, measured accuracy, source and limits."""

    name: str
    what: str  # one or two sentences: the model and the method
    trained_on: str
    accuracy: str  # a figure with what it measures
    source: str  # paper or official page (URL)
    input_size: str
    limits: str  # one or two sentences
    measured_by: str = ""  # for operators only (Admin page, README): the command that measured this project's figures
    licence: str = ""  # of the training data, where it restricts use (CamVid: non-commercial)
    per_class: tuple[tuple[str, float | None], ...] = ()  # (class name, val IoU 0..1 or None when absent from val)
    picture: Path | None = None  # a committed figure (PNG) shown with the card, e.g. a training run's curves
    picture_caption: str = ""


CARDS: dict[str, ModelCard] = {
    "deeplab": ModelCard(
        name="DeepLabV3+ with a MobileNetV2 backbone",
        what="A convolutional network that labels every pixel with one of 21 classes (20 objects and background), "
        "using atrous (dilated) convolutions to see context at several scales.",
        trained_on="COCO, then PASCAL VOC 2012 (train + augmented set, 10,582 images).",
        accuracy="75.3 % mean IoU on PASCAL VOC 2012 val (MobileNetV2, published model zoo); Xception-65: 82.2 %.",
        source="https://github.com/tensorflow/models/blob/master/research/deeplab/g3doc/model_zoo.md",
        input_size="513×513 (8-bit TFLite builds) or 257×257 (float TFLite); the class map is scaled back to "
        "your photo's size.",
        limits="Only the 20 VOC classes (no sky, road, building…); thin parts (legs, leashes) and edges are coarse, "
        "and small objects far from the camera are often missed.",
    ),
    "seg_training": ModelCard(
        name="FCN-8s or DeepLabV3+ on an ImageNet MobileNetV2 encoder, trained here on your pictures",
        what="The network you train: a MobileNetV2 encoder pretrained on ImageNet (Google's TF-slim checkpoint) with "
        "an FCN-8s head (scores at strides 32, 16 and 8 fused by skip connections) or a DeepLabV3+ head (atrous pyramid "
        "pooling and a decoder), learning the classes of your labelled pictures.",
        trained_on="Your labelled pictures (or the CamVid sample: 48 train and 16 val street scenes at half size), "
        "in this browser session only; validation pictures are never trained on.",
        accuracy="Measured on your validation pictures as you train (mean IoU per evaluation, per-class IoU and a "
        "confusion matrix at the end). On the CamVid sample FCN-8s passes 40 % mean IoU in about 3.5 min here.",
        source="https://arxiv.org/abs/1411.4038",
        input_size="Random 160×224 crops for training (your pictures' own size when smaller); whole pictures for "
        "validation and for “Use this model”.",
        limits="A short CPU schedule: a few dozen pictures and minutes of training learn coarse classes; thin or "
        "rare ones need more pictures and a longer run. Your set and model are deleted when you leave.",
        picture=FCN8S_CAMVID_CURVES,
        picture_caption="A full run for comparison: FCN-8s trained here on all 367 CamVid training scenes "
        "(16 epochs): training loss, val mean IoU per evaluation, and val IoU per class.",
    ),
    "inpainting": ModelCard(
        name="OpenCV inpainting: Telea and Navier–Stokes",
        what="Classical methods, no learning: Telea fills the hole from its border inwards by fast marching; "
        "Navier–Stokes continues the surrounding edges into the hole like a fluid flow.",
        trained_on="Nothing (no training data).",
        accuracy="Measured here on 12 object-sized holes with the truth known: Navier–Stokes 16.2 dB PSNR inside the hole, Telea 16.2 dB; OpenCV's frequency-selective and "
        "shift-map fills did not do better (15.9 and 13.3 dB).",
        source="https://docs.opencv.org/4.x/df/d3d/tutorial_py_inpainting.html",
        input_size="Any size; only boxes around the mask are processed.",
        limits="Excellent on thin scratches, text and small holes; an object-sized hole gets a smooth smear "
        "without texture, and shadows or reflections of the object stay.",
        measured_by="python bench/bench_inpainting_objects.py",
    ),
    "dcgan": ModelCard(
        name="Conditional DCGAN trained by this project",
        what="A deep convolutional generative adversarial network that draws a handwritten digit of the class you "
        "choose from a random latent vector; restoration searches the latent space for a digit that matches "
        "the pixels you kept.",
        trained_on="MNIST training set (60,000 handwritten digits, 28×28), on this project's CPU (2,500 steps, 43 min).",
        accuracy="A separate digit classifier reads 98.8 % of 10,000 generated digits as the requested class; "
        "restored digits 81.5 % vs 49.0 % for OpenCV Telea.",
        source="https://arxiv.org/abs/1511.06434",
        input_size="28×28 grey-scale digits (shown enlarged).",
        limits="Only digits 0–9 in MNIST's style; when the hidden part is what tells two digits apart (a 3 or an 8), "
        "the restoration may pick the wrong one.",
        measured_by="python -m models.digits eval; python -m models.digits eval-restore",
    ),
    "magenta": ModelCard(
        name="Magenta arbitrary image stylization",
        what="A style network turns any painting into a 100-number style vector; a transfer network redraws your "
        "photo with it in one pass. Strength blends the painting's vector with your photo's own.",
        trained_on="About 80,000 paintings and 6,000 textures as styles, ImageNet photos as content.",
        accuracy="No accuracy figure exists for style; measured here: the photo's structure is kept (Sobel edge "
        "correlation 0.28–0.50 at full strength).",
        source="https://arxiv.org/abs/1705.06830",
        input_size="Style 256×256 (centre square of the painting); photo in 384×384 tiles, any output size.",
        limits="Fine brush detail of the painting is lost at 256 px; faces and text in the photo can get distorted.",
        measured_by="python -m pytest tests/unit/test_style.py",
    ),
    "gatys": ModelCard(
        name="Gatys et al. neural style (VGG19 optimisation)",
        what="Starts from your photo and adjusts its pixels step by step so that VGG19's feature statistics match "
        "the painting's style while its deeper features keep your photo's content.",
        trained_on="VGG19 was trained on ImageNet (1.2 M photos); the method itself learns nothing new.",
        accuracy="No accuracy figure exists for style; quality grows with the number of steps.",
        source="https://arxiv.org/abs/1508.06576",
        input_size="Any size (slow: seconds per step on a CPU).",
        limits="Slow without a GPU; too many steps over-stylize and flatten the photo.",
    ),
    "faces": ModelCard(
        name="MTCNN face detector + dlib ResNet face embeddings",
        what="MTCNN finds faces and five landmarks; each face is aligned and turned into a 128-number embedding; "
        "two faces are the same person when their embeddings are closer than a threshold.",
        trained_on="MTCNN: WIDER FACE and CelebA. dlib: about 3 million faces of 7,485 people.",
        accuracy="99.38 % on the LFW face-verification benchmark (dlib's published figure).",
        source="http://dlib.net/face_recognition.py.html",
        input_size="Faces aligned to 150×150; photos are reduced to at most 1024 px for detection.",
        limits="Faces under about 40 px, strong profiles and heavy occlusion are unreliable; accuracy is known to "
        "be lower for children and for groups under-represented in the training data.",
    ),
    "movinet": ModelCard(
        name="MoViNet-A0 (stream), Kinetics-600",
        what="A mobile video network that reads the clip frame by frame, carrying a memory from frame to frame, "
        "and names the action among 600.",
        trained_on="Kinetics-600: about 390,000 ten-second YouTube clips of 600 human actions.",
        accuracy="About 72 % top-1 on Kinetics-600 for the A0 stream model (published).",
        source="https://arxiv.org/abs/2103.11511",
        input_size="172×172 frames at 5 frames per second.",
        limits="Only the 600 Kinetics actions; small details and unusual camera angles are missed, and a clip that "
        "mixes several actions gets one label per segment at best.",
    ),
    "mobilenet_v2": ModelCard(
        name="MobileNetV2 (ImageNet), frame by frame",
        what="An image classifier applied to sampled frames: it names objects and scenes, not actions.",
        trained_on="ImageNet (1.28 million photos, 1,000 classes).",
        accuracy="71.8 % top-1 on ImageNet val (published).",
        source="https://arxiv.org/abs/1801.04381",
        input_size="224×224 per frame.",
        limits="Knows no actions and no time; labels flicker between frames on a moving camera.",
    ),
}


# The two architectures trained here (models.segmentation.architectures): what they are, and their paper.
_TRAINED_ARCH = {
    "deeplabv3plus": (
        "DeepLabV3+",
        "an atrous encoder (output stride 16), atrous spatial pyramid pooling with image pooling, and a decoder "
        "that sharpens the edges with the stride-4 features",
        "https://arxiv.org/abs/1802.02611",
    ),
    "fcn8s": (
        "FCN-8s",
        "score layers at strides 32, 16 and 8 of the encoder, fused by skip sums and upsampled by transposed "
        "convolutions initialised bilinear",
        "https://arxiv.org/abs/1411.4038",
    ),
}
_ENCODER_NOTE = {
    "fcn8s": " The FCN paper used VGG16; no VGG16 weights can be had here, so MobileNetV2, the mobile DeepLab's own "
    "encoder, is used.",
    "deeplabv3plus": " MobileNetV2 is the mobile DeepLab's own encoder.",
}


def segmentation_card(option: str) -> ModelCard:
    """The card of a segmentation option.

    The DeepLab (PASCAL VOC) card, or for a model trained here one built from its ``model.json`` (data, val figures,
    per-class IoU), so the figures follow the shipped weights. Raises KeyError for an unknown option, ``ModelFileError``
    for an unreadable model folder.
    """
    from models.segmentation import Backend, spec_of
    from models.segmentation.trained import TRAINED_DIR, read_card

    spec = spec_of(option)
    if spec.backend is not Backend.KERAS_TRAINED:
        return CARDS["deeplab"]
    folder = TRAINED_DIR / spec.builtin
    card = trained_segmentation_card(read_card(folder), spec.class_set, spec.data_entry, option)
    curves = folder / "curves.png"  # written by models.segmentation.train next to the weights
    if not curves.is_file():
        return card
    return replace(card, picture=curves, picture_caption="Its training run: loss, val mean IoU, val IoU per class.")


def trained_segmentation_card(
    card: dict[str, Any], class_set: str, data_entry: str = "", option: str = ""
) -> ModelCard:
    """A :class:`ModelCard` built from a trained model's ``model.json``.

    A :class:`ModelCard` from a trained model's ``model.json`` dict (keys written by
    ``models.segmentation.train.write_model``: arch, classes, train_pairs, val_pairs, recipe, train_seconds, val);
    ``data_entry`` names the store entry of the data, whose licence is quoted; ``option`` the option id (for the
    operators' command).
    """
    from models.registry import BY_ID

    title, what, source = _TRAINED_ARCH.get(card["arch"], (card["arch"], "a fully convolutional network", ""))
    classes = list(card["classes"])
    val = card.get("val") or {}
    iou = val.get("iou") or {}
    per_class = tuple((name, iou.get(name)) for name in classes)
    scored = sorted((v, n) for n, v in per_class if v is not None)
    weakest = ", ".join(n for _, n in scored[:3])
    minutes = float(card.get("train_seconds") or 0.0) / 60.0
    epochs = (card.get("recipe") or {}).get("epochs")
    entry = BY_ID.get(data_entry)
    return ModelCard(
        name=f"{title} on a MobileNetV2 encoder, trained here on {class_set}",
        what=f"A network that labels every pixel of a street scene with one of {len(classes)} {class_set} classes "
        f"({', '.join(classes)}): {what}. Encoder: MobileNetV2 1.0 pretrained on ImageNet."
        + _ENCODER_NOTE.get(card["arch"], ""),
        trained_on=f"{class_set} road scenes (video frames from a car in Cambridge, 480×360): "
        f"{card.get('train_pairs')} train pairs; selected and scored on {card.get('val_pairs')} val pairs never "
        f"trained on. Trained on this project's CPU"
        + (f" ({epochs} epoch{'' if epochs == 1 else 's'}, {minutes:.0f} min)." if epochs else "."),
        accuracy=f"{100 * val.get('miou', 0.0):.1f} % mean IoU and {100 * val.get('pixel_accuracy', 0.0):.1f} % "
        f"pixel accuracy on the {card.get('val_pairs')} {class_set} val images (unlabelled pixels ignored); "
        "SegNet's published CamVid result is 60.1 % mean IoU.",
        source=source or "https://arxiv.org/abs/1411.4038",
        input_size="Your photo is scaled to a 480-px long side (the size of the frames it learnt from); the class "
        "map is scaled back to your photo's size.",
        limits=f"Street scenes at {class_set}'s viewpoint (a camera on a car, daylight, a British town): other "
        f"photos still get every pixel painted with one of the {len(classes)} classes. No person-versus-background "
        "split, so no portrait mode. Trained on a CPU with a short schedule"
        + (f"; weakest classes: {weakest}." if weakest else "."),
        measured_by=f"python -m models.segmentation.evaluate data/camvid --split val --model {option or card['arch']}",
        licence=entry.licence if entry is not None else "",
        per_class=per_class,
    )
