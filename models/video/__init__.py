"""Video classification.

Decode a clip with every frame's timestamp, classify it over a timeline, and make a playable annotated copy. No
Streamlit import: usable from a CLI (``python -m models.video CLIP``) or a notebook.

Modules, one job each (imports go one way: clip → streams → decode → classifiers → encode → pipeline → choices):
``clip`` (containers, limits, the decoded clip), ``streams`` (what FFmpeg's defaults get wrong on real clips:
cover art, VP9 alpha, anamorphic pictures, packed B-frames), ``decode`` (containers and GIFs → frames +
presentation times, within limits), ``classifiers`` (the backends behind one contract), ``encode`` (playable WebM
copies), ``pipeline`` (analyze a clip), ``choices`` (the option table and ``create``), ``served`` (the model
server's client and the capability's entry in ``models.backends``), ``__main__`` (the CLI).
"""

from models.ops import fit_within as resize_within
from models.video.choices import CHOICE_BY_ID, MODEL_CHOICES, Kind, ModelChoice, create, default_choice, load_classifier
from models.video.classifiers import (
    ClipScores,
    Fit,
    FrameClassifier,
    MovinetClassifier,
    Pooling,
    Segment,
    Semantics,
    StreamClassifier,
    VideoClassifier,
    fit_square,
    slice_centres,
    softmax,
    split_segments,
)
from models.video.clip import SUPPORTED_EXTENSIONS, Container, DecodedVideo, Limits, VideoError, container_for
from models.video.decode import decode_video, read_video, sniff_codec
from models.video.encode import ENCODE_LIMITS, EncodeLimits, Encoder, best_encoder, encode_webm, preview, resample
from models.video.pipeline import (
    UNCERTAIN_BELOW,
    Analysis,
    Classification,
    ClipInfo,
    Options,
    SegmentResult,
    analyze,
    annotate,
    classify,
    frame_strip,
    short_label,
    top_k,
)
from models.video.served import BACKENDS, ServedStreamClassifier

__all__ = [
    "BACKENDS",
    "CHOICE_BY_ID",
    "ENCODE_LIMITS",
    "MODEL_CHOICES",
    "SUPPORTED_EXTENSIONS",
    "Analysis",
    "Classification",
    "ClipInfo",
    "ClipScores",
    "Container",
    "DecodedVideo",
    "EncodeLimits",
    "Encoder",
    "Fit",
    "FrameClassifier",
    "Kind",
    "Limits",
    "ModelChoice",
    "MovinetClassifier",
    "Options",
    "Pooling",
    "Segment",
    "SegmentResult",
    "Semantics",
    "ServedStreamClassifier",
    "StreamClassifier",
    "VideoClassifier",
    "VideoError",
    "analyze",
    "annotate",
    "best_encoder",
    "classify",
    "container_for",
    "create",
    "decode_video",
    "default_choice",
    "encode_webm",
    "fit_square",
    "UNCERTAIN_BELOW",
    "frame_strip",
    "load_classifier",
    "preview",
    "read_video",
    "resample",
    "resize_within",
    "short_label",
    "slice_centres",
    "sniff_codec",
    "softmax",
    "split_segments",
    "top_k",
]
