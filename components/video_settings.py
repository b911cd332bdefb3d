"""The Video classification page's settings: every key its widgets, share link and analysis memo use, each written
once here (pages/6_Video_Classification.py and components/video_view.py read them from :data:`VIDEO`)."""

from __future__ import annotations

from components.settings import Choice, Flag, Key, Number, PageSettings
from models import video as V
from models.samples import SampleKind, samples

SAMPLE, UPLOAD = "Sample clip", "Upload"


def _clips() -> list:
    return samples(SampleKind.CLIP)


class VIDEO(PageSettings):
    """What a Video classification link carries: the model, the timeline's settings and the sample clip; and the
    analysis kept in the session."""

    model = Choice("video_model", V.MODEL_CHOICES)
    segment = Number("video_segment", 2.0, 1.0, 5.0, 0.5)  # seconds
    pooling = Choice("video_pooling", V.Pooling)
    annotated = Flag("video_annotated", default=True)  # make an annotated video
    source = Choice("video_source", [SAMPLE, UPLOAD])
    sample = Choice("video_sample", _clips)
    # The last analysis (annotated WebM, previews) and the inputs it was made from: released together.
    analysis = Key("video_analysis", release="video analysis")
    run_key = Key("video_run_key", release="video analysis")
