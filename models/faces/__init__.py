"""Face similarity: detect (MTCNN) → align on 5 landmarks → embed → distance → verify / compare / cluster.

No Streamlit here: everything works from a CLI or a notebook::

    from models import faces
    analyzer = faces.create(faces.Embedder.DLIB)    # MTCNN + dlib ResNet, both ship in wheels (offline)
    a = analyzer.analyze(rgb_a); b = analyzer.analyze(rgb_b)
    print(faces.verify(a.faces[0], b.faces[0], analyzer.spec))

Embedders
- dlib ResNet (default): 128-d, trained on chips cut by dlib's own 5-point landmark model, so the MTCNN box
  seeds dlib's landmark model and ``dlib.get_face_chip`` cuts the chip (feeding the network chips aligned any
  other way costs accuracy). Euclidean threshold 0.6 (dlib's published operating point, 99.38 % on LFW).
- SFace (optional, store entry ``sface``): ONNX through ``cv2.FaceRecognizerSF``; MTCNN's 5 landmarks are
  warped onto the ArcFace 112×112 template by a similarity transform. Features are L2-normalised; OpenCV's
  published thresholds (cosine similarity 0.363, L2 1.128) become distances 0.637 / 1.128.

Modules (imports go one way: data → detect, align → embedders → choices → analyzer, compare; draw):
``data`` (enums, the :class:`FaceEmbedder` contract, results), ``detect`` (MTCNN), ``align``, ``embedders``
(dlib, SFace), ``choices`` (the option table), ``analyzer`` (:class:`FaceAnalyzer` and ``create``),
``compare`` (distances, verification, clustering), ``draw``, ``served`` (the model server's client and the
capability's entry in ``models.backends``).
"""

from models.faces.align import ARCFACE_112, align_by_landmarks, similarity_transform
from models.faces.analyzer import FaceAnalyzer, create, shared_detector
from models.faces.choices import create_embedder, default_choice
from models.faces.compare import (
    DBSCAN_EPS_FACTOR,
    cluster,
    dbscan_eps,
    distance,
    estimate_people,
    pairwise_distances,
    verify,
)
from models.faces.data import (
    CONFIRM_IOU,
    CONFIRM_SIDE,
    DETECT_MAX_SIDE,
    KEYPOINTS,
    MAX_FACES,
    MIN_CONFIDENCE,
    MIN_FACE_PX,
    PORTRAIT_MAX_SIDE,
    SMALL_FACE_PX,
    Analysis,
    ClusterMethod,
    Embedder,
    EmbedderSpec,
    Face,
    FaceAnalysisBackend,
    FaceEmbedder,
    Metric,
    Verdict,
    as_rgb,
    box_iou,
)
from models.faces.detect import FaceDetector
from models.faces.draw import PALETTE, draw_faces
from models.faces.embedders import DLIB_CHIP, DLIB_PADDING, SPECS, DlibEmbedder, SFaceEmbedder, dlib_models_dir
from models.faces.served import BACKENDS, ServedFaceAnalyzer

__all__ = [
    "ARCFACE_112",
    "BACKENDS",
    "CONFIRM_IOU",
    "CONFIRM_SIDE",
    "DETECT_MAX_SIDE",
    "DLIB_CHIP",
    "DLIB_PADDING",
    "KEYPOINTS",
    "MAX_FACES",
    "MIN_CONFIDENCE",
    "MIN_FACE_PX",
    "PALETTE",
    "PORTRAIT_MAX_SIDE",
    "SMALL_FACE_PX",
    "SPECS",
    "Analysis",
    "ClusterMethod",
    "DlibEmbedder",
    "Embedder",
    "EmbedderSpec",
    "Face",
    "FaceAnalysisBackend",
    "FaceAnalyzer",
    "FaceDetector",
    "FaceEmbedder",
    "Metric",
    "SFaceEmbedder",
    "ServedFaceAnalyzer",
    "Verdict",
    "align_by_landmarks",
    "as_rgb",
    "box_iou",
    "DBSCAN_EPS_FACTOR",
    "cluster",
    "dbscan_eps",
    "create",
    "create_embedder",
    "default_choice",
    "distance",
    "dlib_models_dir",
    "draw_faces",
    "estimate_people",
    "pairwise_distances",
    "shared_detector",
    "similarity_transform",
    "verify",
]
