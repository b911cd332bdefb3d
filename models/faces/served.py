"""Face analysis on the model server, and the capability's entry in :mod:`models.backends`.

:class:`ServedFaceAnalyzer` keeps the :class:`models.faces.FaceAnalysisBackend` contract over HTTP;
:data:`BACKENDS` pairs it with an in-process :class:`models.faces.FaceAnalyzer` (the process's one MTCNN and the
option's embedder), served for the rows whose ``served`` is set (dlib).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from models.backends import CapabilityBackends, register
from models.faces.analyzer import FaceAnalyzer, shared_detector
from models.faces.choices import create_embedder
from models.faces.data import MAX_FACES, Analysis, Embedder, EmbedderSpec, Face, FaceAnalysisBackend
from models.faces.embedders import SPECS
from models.serving.client import ServeClient

if TYPE_CHECKING:
    from models.store import Store


class ServedFaceAnalyzer:
    """:class:`models.faces.FaceAnalysisBackend` contract: ``spec`` and ``analyze(...)``.

    ``embedder``: an option whose row is served (raises ValueError for another).
    """

    def __init__(self, client: ServeClient, embedder: str = Embedder.DLIB):
        self.client = client
        self._spec = SPECS[Embedder(embedder)]
        if not self._spec.served:
            raise ValueError(f"the model server does not run {self._spec.title} (its row says served=False)")

    @property
    def spec(self) -> EmbedderSpec:
        """The embedder's row of the faces table."""
        return self._spec

    def analyze(
        self,
        rgb: np.ndarray,
        max_faces: int | None = None,
        max_side: int | None = None,
        confirm: bool = False,
        original_size: tuple[int, int] | None = None,
    ) -> Analysis:
        """(H, W, 3) uint8 → :class:`models.faces.Analysis` (faces with boxes, landmarks, chips, embeddings)."""
        params = {
            "max_faces": int(max_faces if max_faces is not None else MAX_FACES),
            "max_side": max_side,
            "confirm": bool(confirm),
            "original_size": list(original_size) if original_size else None,
        }
        out, a = self.client.call("faces", "analyze", params, {"rgb": rgb})
        faces = [
            Face(
                box=np.array(a["boxes"][i]),
                confidence=float(a["confidences"][i]),
                landmarks=np.array(a["landmarks"][i]),
                chip=np.array(a["chips"][i]),
                embedding=np.array(a["embeddings"][i]),
            )
            for i in range(len(a["boxes"]))
        ]
        return Analysis(
            faces,
            (int(out["image_size"][0]), int(out["image_size"][1])),
            float(out["detect_scale"]),
            float(out["detect_ms"]),
            float(out["embed_ms"]),
            list(out["messages"]),
        )


def _local(option: str, store: Store | None) -> FaceAnalysisBackend:
    # The embedder first: a missing SFace file fails before MTCNN loads.
    embedder = create_embedder(option, store)
    return FaceAnalyzer(embedder, shared_detector())


def _can_serve(option: str) -> bool:
    return SPECS[Embedder(option)].served


def _options() -> list[str]:
    return [e.value for e in SPECS]


BACKENDS: CapabilityBackends[FaceAnalysisBackend] = register(
    CapabilityBackends("faces", _local, ServedFaceAnalyzer, _can_serve, _options)
)
