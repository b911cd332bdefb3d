"""Model cards: what each model behind a page is, what it learnt from, how well it does, and where it fails.

Plain data (no Streamlit), shown by ``components.model_card`` in an expander on each page. Figures are the
publishers' own (with their source) or measured by this project: the command or script that measured them is in
``measured_by``, which visitors never see (no paths or shell commands on a page); the Admin page lists it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelCard:
    name: str
    what: str  # one or two sentences: the model and the method
    trained_on: str
    accuracy: str  # a figure with what it measures
    source: str  # paper or official page (URL)
    input_size: str
    limits: str  # one or two sentences
    measured_by: str = ""  # for operators only (Admin page, README): the command that measured this project's figures


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
