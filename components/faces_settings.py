"""The Face similarity page's settings: every key its widgets, share link and results use, each written once here
(pages/5_Face_Similarity.py and components/faces_view.py read them from :data:`FACES`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from components.settings import Choice, Flag, Image, Key, Number, PageSettings, Several
from models import faces as F
from models.samples import SampleKind, samples

MAX_TOTAL_FACES = 40  # beyond this the matrix is unreadable and clustering slow on this CPU
MANY_SOURCES = ["Samples", "Upload"]


class Mode(str, Enum):
    VERIFY = "🔍 Verify two photos"
    MANY = "👥 Compare many faces & cluster"


@dataclass(frozen=True)
class Thresholds:
    """The threshold slider of each embedder and metric: each pair has its own default, range and key."""

    prefix: str

    def of(self, embedder: F.Embedder, metric: F.Metric) -> Number:
        default = F.SPECS[embedder].threshold(metric)
        return Number(
            f"{self.prefix}{embedder.value}_{metric.value}", default, 0.0, round(max(1.0, default * 2.5), 2), 0.005
        )

    def spec(self) -> dict[str, Number]:
        return {n.key: n for e in F.Embedder for m in F.Metric for n in [self.of(e, m)]}


def _photos() -> tuple:
    return tuple(samples(SampleKind.PHOTO))


class FACES(PageSettings):
    """What a Face similarity link carries: models, mode, and every setting and sample of both modes."""

    embedder = Choice("face_embedder", F.Embedder)
    metric = Choice("face_metric", F.Metric)
    mode = Choice("face_mode", Mode)
    threshold = Thresholds("face_threshold_")
    # Verify two photos
    small = Flag("face_small")  # find small faces too
    a = Image("face_a")
    b_copy = Flag("face_b_copy")  # photo B is an edited copy of A
    b = Image("face_b")
    a_which = Choice("face_a_which", list(range(64)))  # the face compared, when a photo has several
    b_which = Choice("face_b_which", list(range(64)))
    # Compare many faces
    many_source = Choice("many_source", MANY_SOURCES)
    many_samples = Several("many_samples", _photos)
    copies = Flag("many_copies", default=True)  # add an edited copy of each photo
    method = Choice("many_method", F.ClusterMethod)
    people = Number("many_k", 1, 1, MAX_TOTAL_FACES)  # k-means' k: at most the faces found (checked when drawn)
    embeddings = Key("many_embeddings")  # what the matrix and clustering used (tests read them)
    people_found = Key("many_people")  # face label → person
