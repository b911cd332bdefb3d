"""Face similarity: detect (MTCNN) → align on 5 landmarks → embed → distance → verify / compare / cluster.

No Streamlit here: everything works from a CLI or a notebook::

    from models.faces import FaceAnalyzer, verify
    analyzer = FaceAnalyzer.create()                    # MTCNN + dlib ResNet, both ship in wheels (offline)
    a = analyzer.analyze(rgb_a); b = analyzer.analyze(rgb_b)
    print(verify(a.faces[0], b.faces[0], analyzer.spec))

Embedders
- dlib ResNet (default): 128-d, trained on chips cut by dlib's own 5-point landmark model, so the MTCNN box
  seeds dlib's landmark model and ``dlib.get_face_chip`` cuts the chip (feeding the network chips aligned any
  other way costs accuracy). Euclidean threshold 0.6 (dlib's published operating point, 99.38 % on LFW).
- SFace (optional, store entry ``sface``): ONNX through ``cv2.FaceRecognizerSF``; MTCNN's 5 landmarks are
  warped onto the ArcFace 112×112 template by a similarity transform. Features are L2-normalised; OpenCV's
  published thresholds (cosine similarity 0.363, L2 1.128) become distances 0.637 / 1.128.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from models.runtime import tf, timed

# MTCNN is slow on big images (its pyramid grows with the pixel count): detect on a copy whose longer side is
# at most this, then map boxes and landmarks back. 1024 keeps faces of ~25 px in a 2000 px group photo.
DETECT_MAX_SIDE = 1024
# Portraits (verification) need less: 640 px keeps faces ≥ 32 px of a 1-MP photo and is ~2.6× faster to detect.
PORTRAIT_MAX_SIDE = 640
MIN_FACE_PX = 20  # MTCNN's smallest face at detection scale
# Verify mode re-confirms every face found on a reduced copy: MTCNN runs again on a crop around it (the box plus
# half its size on each side) at up to this long side, i.e. the face at ~250 px instead of the ~60 px it may have
# had at 640. A candidate is kept only if that pass finds a face (MIN_CONFIDENCE) overlapping it (IoU ≥
# CONFIRM_IOU). A dark patch that looks like a face at 62×73 px does not at 250 (issue 17: conf 0.956 at 640,
# nothing at 1024 or at full size); a real face does.
CONFIRM_SIDE = 512
CONFIRM_IOU = 0.3
MIN_CONFIDENCE = 0.90  # below this, MTCNN's proposals on real photos are mostly ears, hands and posters
SMALL_FACE_PX = 40  # faces narrower than this (original pixels) give unreliable embeddings: warn
MAX_FACES = 60  # per image; more is a crowd, not a face-comparison task
DLIB_CHIP = 150  # dlib ResNet input size
DLIB_PADDING = 0.25  # dlib's default chip margin around the landmarks

# ArcFace / SFace landmark template for a 112×112 crop (left eye, right eye, nose, mouth left, mouth right; image
# left/right, the same order as MTCNN's keypoints).
ARCFACE_112 = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float32,
)
KEYPOINTS = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")


class Embedder(str, Enum):
    DLIB = "dlib"
    SFACE = "sface"


class Metric(str, Enum):
    EUCLIDEAN = "euclidean"
    COSINE = "cosine"  # 1 - cosine similarity


class ClusterMethod(str, Enum):
    THRESHOLD = "threshold"  # agglomerative, average linkage, cut at the verification threshold
    KMEANS = "kmeans"  # the seed's method: needs the number of people
    DBSCAN = "dbscan"  # density based: chains of close faces; lone faces become "noise"


@dataclass(frozen=True)
class EmbedderSpec:
    embedder: Embedder
    title: str
    dim: int
    thresholds: dict[Metric, float]  # distance below → same person
    # width of the logistic that turns "distance minus threshold" into a confidence (see Verdict)
    confidence_scale: dict[Metric, float]
    store_entry: str | None = None  # None: ships in a wheel, always available

    def threshold(self, metric: Metric) -> float:
        return self.thresholds[metric]


SPECS: dict[Embedder, EmbedderSpec] = {
    Embedder.DLIB: EmbedderSpec(
        Embedder.DLIB, "dlib ResNet-29 (128-d, offline)", 128,
        # dlib descriptors have norm ≈ 1.4, so cosine distance ≈ euclidean² / (2·1.4²): 0.6 → 0.09
        {Metric.EUCLIDEAN: 0.6, Metric.COSINE: 0.09}, {Metric.EUCLIDEAN: 0.05, Metric.COSINE: 0.015},
    ),
    Embedder.SFACE: EmbedderSpec(
        Embedder.SFACE, "SFace (OpenCV Zoo, 128-d)", 128,
        {Metric.EUCLIDEAN: 1.128, Metric.COSINE: 0.637}, {Metric.EUCLIDEAN: 0.08, Metric.COSINE: 0.06},
        store_entry="sface",
    ),
}


# --- data -------------------------------------------------------------------------------------------
@dataclass
class Face:
    box: np.ndarray  # (x, y, w, h) float, original-image pixels
    confidence: float
    landmarks: np.ndarray  # (5, 2) float, KEYPOINTS order, original-image pixels
    chip: np.ndarray | None = None  # aligned RGB crop (what the embedder saw)
    embedding: np.ndarray | None = None  # (dim,) float32

    @property
    def width(self) -> float:
        return float(self.box[2])

    @property
    def area(self) -> float:
        return float(self.box[2] * self.box[3])


@dataclass
class Analysis:
    faces: list[Face]
    image_size: tuple[int, int]  # (width, height)
    detect_scale: float  # detection ran on the image resized by this factor
    detect_ms: float
    embed_ms: float
    messages: list[str] = field(default_factory=list)  # for a person: why no face, small faces, caps

    @property
    def total_ms(self) -> float:
        return self.detect_ms + self.embed_ms

    def largest(self) -> int | None:
        return max(range(len(self.faces)), key=lambda i: self.faces[i].area) if self.faces else None


@dataclass(frozen=True)
class Verdict:
    distance: float
    threshold: float
    metric: Metric
    same: bool
    p_same: float  # logistic of the margin (threshold - distance) / scale: 0.5 at the threshold

    @property
    def confidence(self) -> float:
        """How sure the verdict is: p_same for 'same person', 1 - p_same for 'different people'."""
        return self.p_same if self.same else 1.0 - self.p_same


# --- detection ----------------------------------------------------------------------------------------
class FaceDetector:
    """MTCNN (weights ship inside the ``mtcnn`` wheel) behind a lock: browser sessions share one instance."""

    def __init__(self, max_side: int = DETECT_MAX_SIDE, min_confidence: float = MIN_CONFIDENCE):
        tf()  # GPU memory growth before mtcnn builds its Keras models
        from mtcnn import MTCNN  # noqa: PLC0415 - imports TensorFlow

        self._mtcnn = MTCNN()
        self.max_side = max_side
        self.min_confidence = min_confidence
        self._lock = threading.Lock()

    def detect(self, rgb: np.ndarray, max_side: int | None = None, confirm: bool = False) -> tuple[list[Face], float]:
        """Faces in ``rgb`` ((H, W, 3) uint8) sorted left to right, and the scale detection ran at (≤ 1).

        ``confirm``: when detection ran on a reduced copy (scale < 1), keep only faces that a second MTCNN pass
        on a larger crop around each one finds again (see CONFIRM_SIDE); at full scale there is nothing to gain.
        """
        rgb = _as_rgb(rgb)
        h, w = rgb.shape[:2]
        scale = min(1.0, (max_side or self.max_side) / max(h, w))
        small = rgb if scale == 1.0 else cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        faces = self._run(small, scale)
        if confirm and scale < 1.0:
            faces = [f for f in faces if self.confirmed(rgb, f, scale)]
        faces.sort(key=lambda f: (f.box[0], f.box[1]))
        return faces, scale

    def _run(self, rgb: np.ndarray, scale: float, offset: tuple[float, float] = (0.0, 0.0)) -> list[Face]:
        """MTCNN on ``rgb`` (a copy of the image resized by ``scale``, starting at ``offset`` (x, y) in it)."""
        with self._lock:
            found = self._mtcnn.detect_faces(rgb, min_face_size=MIN_FACE_PX)
        ox, oy = offset
        faces = []
        for f in found:
            if float(f["confidence"]) < self.min_confidence:
                continue
            box = np.asarray(f["box"], dtype=np.float32) / scale + np.array([ox, oy, 0, 0], np.float32)
            marks = np.asarray([f["keypoints"][k] for k in KEYPOINTS], dtype=np.float32) / scale + np.array([ox, oy])
            faces.append(Face(box=box, confidence=float(f["confidence"]), landmarks=marks.astype(np.float32)))
        return faces

    def confirmed(self, rgb: np.ndarray, face: Face, scale: float) -> bool:
        """Does MTCNN find ``face`` again on a crop around it, with the face larger than at ``scale``?"""
        x, y, bw, bh = (float(v) for v in face.box)
        m = 0.5 * max(bw, bh)
        h, w = rgb.shape[:2]
        x0, y0 = int(max(0, x - m)), int(max(0, y - m))
        x1, y1 = int(min(w, x + bw + m)), int(min(h, y + bh + m))
        crop = rgb[y0:y1, x0:x1]
        s = min(1.0, CONFIRM_SIDE / max(crop.shape[:2]))
        if s <= scale * 1.5:  # not meaningfully larger than the first pass: nothing new to learn
            return True
        small = crop if s == 1.0 else cv2.resize(crop, (round(crop.shape[1] * s), round(crop.shape[0] * s)),
                                                  interpolation=cv2.INTER_AREA)
        return any(box_iou(face.box, f.box) >= CONFIRM_IOU for f in self._run(small, s, (x0, y0)))


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two (x, y, w, h) boxes, 0..1."""
    ax1, ay1, bx1, by1 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = max(0.0, min(ax1, bx1) - max(a[0], b[0]))
    ih = max(0.0, min(ay1, by1) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return float(inter / union) if union > 0 else 0.0


def _as_rgb(img: np.ndarray) -> np.ndarray:
    img = np.asarray(img)
    if img.ndim == 2:  # grayscale: the networks want three channels
        img = np.repeat(img[:, :, None], 3, axis=2)
    if img.ndim != 3 or img.shape[2] not in (3, 4):
        raise ValueError(f"expected an RGB image (H, W, 3), got shape {img.shape}")
    img = img[:, :, :3]
    if img.dtype != np.uint8:
        img = np.clip(img * 255.0 if img.max() <= 1.0 else img, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(img)


# --- alignment ----------------------------------------------------------------------------------------
def similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """2×3 matrix of the rotation + uniform scale + translation that best maps ``src`` points onto ``dst``."""
    matrix, _ = cv2.estimateAffinePartial2D(np.asarray(src, np.float32), np.asarray(dst, np.float32), method=cv2.LMEDS)
    if matrix is None:  # degenerate landmarks (all on one point): fall back to plain least squares
        from skimage.transform import SimilarityTransform  # noqa: PLC0415

        matrix = SimilarityTransform.from_estimate(src, dst).params[:2]
    return matrix


def align_by_landmarks(rgb: np.ndarray, landmarks: np.ndarray, size: int = 112, margin: float = 0.0) -> np.ndarray:
    """Crop warped so the 5 landmarks land on the ArcFace template; ``margin`` > 0 shows more around the face."""
    template = ARCFACE_112 * (size / 112.0)
    centre = np.array([size / 2, size / 2], np.float32)
    template = centre + (template - centre) / (1.0 + 2.0 * margin)
    matrix = similarity_transform(landmarks, template)
    return cv2.warpAffine(rgb, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


# --- embedders ---------------------------------------------------------------------------------------
@cache
def dlib_models_dir() -> Path:
    """Folder of face_recognition_models' .dat files, found by path: importing it needs pkg_resources."""
    import importlib.util  # noqa: PLC0415

    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("face-recognition-models is not installed (pip install face-recognition-models)")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


class DlibEmbedder:
    spec = SPECS[Embedder.DLIB]

    def __init__(self, models_dir: Path | None = None):
        import dlib  # noqa: PLC0415

        folder = Path(models_dir) if models_dir else dlib_models_dir()
        self._dlib = dlib
        self._shape = dlib.shape_predictor(str(folder / "shape_predictor_5_face_landmarks.dat"))
        self._net = dlib.face_recognition_model_v1(str(folder / "dlib_face_recognition_resnet_model_v1.dat"))

    def chips(self, rgb: np.ndarray, faces: Sequence[Face]) -> list[np.ndarray]:
        out = []
        for f in faces:
            x, y, w, h = (float(v) for v in f.box)
            rect = self._dlib.rectangle(int(round(x)), int(round(y)), int(round(x + w)), int(round(y + h)))
            shape = self._shape(rgb, rect)
            out.append(np.asarray(self._dlib.get_face_chip(rgb, shape, size=DLIB_CHIP, padding=DLIB_PADDING)))
        return out

    def embed(self, chips: Sequence[np.ndarray]) -> np.ndarray:
        if not chips:
            return np.zeros((0, self.spec.dim), np.float32)
        # batch call: dlib runs all chips through the network in one go
        vectors = self._net.compute_face_descriptor([np.ascontiguousarray(c) for c in chips])
        return np.asarray([np.asarray(v) for v in vectors], dtype=np.float32)


class SFaceEmbedder:
    """SFace ONNX via OpenCV; any ONNX with input [1,3,112,112] (BGR) and a [1,D] output works the same way."""

    spec = SPECS[Embedder.SFACE]

    def __init__(self, model_path: Path | str):
        self._net = cv2.FaceRecognizerSF.create(str(model_path), "")
        self._lock = threading.Lock()  # cv2.dnn nets keep per-call state

    def chips(self, rgb: np.ndarray, faces: Sequence[Face]) -> list[np.ndarray]:
        return [align_by_landmarks(rgb, f.landmarks, 112) for f in faces]

    def embed(self, chips: Sequence[np.ndarray]) -> np.ndarray:
        out = []
        with self._lock:
            for c in chips:
                feat = np.asarray(self._net.feature(cv2.cvtColor(c, cv2.COLOR_RGB2BGR)), np.float32).reshape(-1)
                out.append(feat / max(float(np.linalg.norm(feat)), 1e-12))
        return np.asarray(out, np.float32).reshape(len(out), -1)


class FaceAnalyzer:
    """Detection + alignment + embedding for one image; thread-safe (one lock around the networks)."""

    def __init__(self, embedder: DlibEmbedder | SFaceEmbedder, detector: FaceDetector | None = None):
        self.embedder = embedder
        self.detector = detector or FaceDetector()
        self._lock = threading.Lock()

    @property
    def spec(self) -> EmbedderSpec:
        return self.embedder.spec

    @classmethod
    def create(cls, embedder: Embedder = Embedder.DLIB, model_path: Path | str | None = None) -> FaceAnalyzer:
        if embedder is Embedder.DLIB:
            return cls(DlibEmbedder())
        if model_path is None:
            from models.store import Store  # noqa: PLC0415

            model_path = Store().require(SPECS[embedder].store_entry)
        return cls(SFaceEmbedder(model_path))

    def analyze(self, rgb: np.ndarray, max_faces: int = MAX_FACES, max_side: int | None = None,
                confirm: bool = False, original_size: tuple[int, int] | None = None) -> Analysis:
        """Faces of ``rgb`` ((H, W, 3) uint8) with chips and embeddings, plus messages for a person.

        ``max_side``: long side detection runs at (default the detector's, DETECT_MAX_SIDE). ``confirm``: re-find
        each face on a larger crop (verify mode; see :meth:`FaceDetector.detect`). ``original_size``: (width,
        height) of the file as uploaded, when ``rgb`` is a reduced decode of it: messages quote that size, and
        pixel widths in them are converted to it.
        """
        rgb = _as_rgb(rgb)
        h, w = rgb.shape[:2]
        ow, oh = original_size or (w, h)
        messages: list[str] = []
        with timed() as t_det:
            faces, scale = self.detector.detect(rgb, max_side, confirm=confirm)
        if len(faces) > max_faces:
            messages.append(f"{len(faces)} faces found; only the {max_faces} largest are used.")
            faces = sorted(sorted(faces, key=lambda f: -f.area)[:max_faces], key=lambda f: (f.box[0], f.box[1]))
        with timed() as t_emb, self._lock:
            chips = self.embedder.chips(rgb, faces)
            vectors = self.embedder.embed(chips)
        for f, c, v in zip(faces, chips, vectors, strict=True):
            f.chip, f.embedding = c, v
        if not faces:
            smallest = MIN_FACE_PX / scale * (ow / w)
            messages.append(
                "No face found. Faces must be roughly frontal, not heavily covered, and at least "
                f"{smallest:.0f} px wide in this {ow}×{oh} photo."
            )
        small = [i + 1 for i, f in enumerate(faces) if f.width < SMALL_FACE_PX]
        if small:
            messages.append(
                f"Face{'s' if len(small) > 1 else ''} {', '.join(f'#{i}' for i in small)} "
                f"{'are' if len(small) > 1 else 'is'} under {SMALL_FACE_PX} px wide: comparisons are unreliable."
            )
        return Analysis(faces, (w, h), scale, t_det.ms, t_emb.ms, messages)


# --- distances, verification, clustering -------------------------------------------------------------
def distance(a: np.ndarray, b: np.ndarray, metric: Metric = Metric.EUCLIDEAN) -> float:
    return float(pairwise_distances(np.asarray([a, b]), metric)[0, 1])


def pairwise_distances(embeddings: np.ndarray, metric: Metric = Metric.EUCLIDEAN) -> np.ndarray:
    """(N, N) distance matrix, zero diagonal, exactly symmetric."""
    e = np.asarray(embeddings, np.float64)
    if metric is Metric.EUCLIDEAN:
        sq = np.sum(e * e, axis=1)
        d = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2.0 * e @ e.T, 0.0))
    else:
        n = e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)
        d = np.clip(1.0 - n @ n.T, 0.0, 2.0)
    d = (d + d.T) / 2.0
    np.fill_diagonal(d, 0.0)
    return d


def verify(
    a: Face | np.ndarray, b: Face | np.ndarray, spec: EmbedderSpec = SPECS[Embedder.DLIB],
    metric: Metric = Metric.EUCLIDEAN, threshold: float | None = None,
) -> Verdict:
    ea = a.embedding if isinstance(a, Face) else a
    eb = b.embedding if isinstance(b, Face) else b
    t = spec.threshold(metric) if threshold is None else float(threshold)
    d = distance(ea, eb, metric)
    # A logistic of the margin: 0.5 exactly at the threshold, 0.95 three scale-widths below it.
    p_same = float(1.0 / (1.0 + np.exp((d - t) / spec.confidence_scale[metric])))
    return Verdict(d, t, metric, d < t, p_same)


def cluster(
    embeddings: np.ndarray, method: ClusterMethod = ClusterMethod.THRESHOLD, metric: Metric = Metric.EUCLIDEAN,
    threshold: float = 0.6, k: int | None = None, seed: int = 0,
) -> np.ndarray:
    """A person label per face (0, 1, …, ordered by first appearance). DBSCAN's lone faces get their own label."""
    e = np.asarray(embeddings, np.float64)
    n = len(e)
    if n == 0:
        return np.zeros(0, int)
    if n == 1:
        return np.zeros(1, int)
    if method is ClusterMethod.KMEANS:
        from sklearn.cluster import KMeans  # noqa: PLC0415

        k = max(1, min(int(k or estimate_people(e, metric, threshold)), n))
        x = e / np.linalg.norm(e, axis=1, keepdims=True) if metric is Metric.COSINE else e
        labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(x)
    elif method is ClusterMethod.DBSCAN:
        from sklearn.cluster import DBSCAN  # noqa: PLC0415

        labels = DBSCAN(eps=threshold, min_samples=2, metric="precomputed").fit_predict(pairwise_distances(e, metric))
        lone = labels < 0
        labels[lone] = labels.max() + 1 + np.arange(lone.sum())
    else:
        labels = _agglomerative(pairwise_distances(e, metric), threshold)
    return _relabel(labels)


def _agglomerative(d: np.ndarray, threshold: float) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering  # noqa: PLC0415

    # average linkage: two groups merge when their faces are on average closer than the threshold, so one
    # odd photo neither splits a person (complete linkage would) nor chains two people (single linkage would)
    model = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average", distance_threshold=threshold)
    return model.fit_predict(d)


def estimate_people(embeddings: np.ndarray, metric: Metric, threshold: float) -> int:
    """How many people the threshold clustering sees: the default k for k-means."""
    e = np.asarray(embeddings, np.float64)
    if len(e) < 2:
        return len(e)
    return int(len(np.unique(_agglomerative(pairwise_distances(e, metric), threshold))))


def _relabel(labels: np.ndarray) -> np.ndarray:
    order: dict[int, int] = {}
    return np.asarray([order.setdefault(int(lbl), len(order)) for lbl in labels], int)


# --- drawing ------------------------------------------------------------------------------------------
PALETTE = [(230, 25, 75), (60, 180, 75), (0, 130, 200), (245, 130, 48), (145, 30, 180), (70, 240, 240),
           (240, 50, 230), (210, 245, 60), (250, 190, 212), (0, 128, 128)]


def draw_faces(rgb: np.ndarray, faces: Sequence[Face], selected: int | None = None,
               colors: Sequence[int] | None = None) -> np.ndarray:
    """Copy of the image with numbered boxes (#1, #2 … as in the UI) and the 5 landmarks; ``selected`` thicker."""
    out = _as_rgb(rgb).copy()
    h, w = out.shape[:2]
    unit = max(1, round(max(h, w) / 500))
    for i, f in enumerate(faces):
        color = PALETTE[(colors[i] if colors is not None else i) % len(PALETTE)]
        x, y, bw, bh = (int(round(v)) for v in f.box)
        thick = unit * (3 if i == selected else 1)
        cv2.rectangle(out, (x, y), (x + bw, y + bh), color, thick)
        for px, py in f.landmarks:
            cv2.circle(out, (int(round(px)), int(round(py))), max(1, unit + 1), (255, 255, 0), -1)
        label = f"#{i + 1}"
        scale = 0.5 * unit
        (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, unit)
        ty = y - 4 if y - th - 6 >= 0 else y + bh + th + 4
        cv2.rectangle(out, (x, ty - th - 4), (x + tw + 4, ty + 2), color, -1)
        cv2.putText(out, label, (x + 2, ty - 1), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), unit, cv2.LINE_AA)
    return out
