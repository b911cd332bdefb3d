"""Comparing embeddings: distances, verification with a confidence, and grouping faces into people."""

from __future__ import annotations

import numpy as np

from models.faces.choices import SPECS
from models.faces.data import SMALL_FACE_PX, ClusterMethod, Embedder, EmbedderSpec, Face, Metric, Verdict


def distance(a: np.ndarray, b: np.ndarray, metric: Metric = Metric.EUCLIDEAN) -> float:
    """Distance between two (D,) embeddings: Euclidean, or cosine distance (1 - cosine similarity, 0..2)."""
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
    a: Face | np.ndarray,
    b: Face | np.ndarray,
    spec: EmbedderSpec = SPECS[Embedder.DLIB],
    metric: Metric = Metric.EUCLIDEAN,
    threshold: float | None = None,
) -> Verdict:
    """Decide whether two faces are the same person.

    ``a``, ``b``: faces with embeddings or (D,) vectors; ``threshold`` defaults to the spec's for
    ``metric``. Returns a :class:`Verdict` (distance, threshold, verdict, p_same in 0..1; ``too_small`` when a
    :class:`Face` is narrower than ``SMALL_FACE_PX``); raises ValueError for a face without an embedding.
    """
    ea = a.embedding if isinstance(a, Face) else a
    eb = b.embedding if isinstance(b, Face) else b
    if ea is None or eb is None:
        raise ValueError("verify needs faces with embeddings (from FaceAnalyzer.analyze)")
    t = spec.threshold(metric) if threshold is None else float(threshold)
    d = distance(ea, eb, metric)
    # A logistic of the margin: 0.5 exactly at the threshold, 0.95 three scale-widths below it.
    p_same = float(1.0 / (1.0 + np.exp((d - t) / spec.confidence_scale[metric])))
    too_small = any(isinstance(f, Face) and f.width < SMALL_FACE_PX for f in (a, b))
    return Verdict(d, t, metric, d < t, p_same, too_small)


def cluster(
    embeddings: np.ndarray,
    method: ClusterMethod = ClusterMethod.THRESHOLD,
    metric: Metric = Metric.EUCLIDEAN,
    threshold: float = 0.6,
    k: int | None = None,
    seed: int = 0,
) -> np.ndarray:
    """A person label per face (0, 1, …, ordered by first appearance). DBSCAN's lone faces get their own label."""
    e = np.asarray(embeddings, np.float64)
    n = len(e)
    if n == 0:
        return np.zeros(0, int)
    if n == 1:
        return np.zeros(1, int)
    if method is ClusterMethod.KMEANS:
        from sklearn.cluster import KMeans

        k = max(1, min(int(k or estimate_people(e, metric, threshold)), n))
        x = e / np.linalg.norm(e, axis=1, keepdims=True) if metric is Metric.COSINE else e
        labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(x)
    elif method is ClusterMethod.DBSCAN:
        from sklearn.cluster import DBSCAN

        eps = dbscan_eps(metric, threshold)
        labels = DBSCAN(eps=eps, min_samples=2, metric="precomputed").fit_predict(pairwise_distances(e, metric))
        lone = labels < 0
        labels[lone] = labels.max() + 1 + np.arange(lone.sum())
    else:
        labels = _agglomerative(pairwise_distances(e, metric), threshold)
    return _relabel(labels)


# DBSCAN links faces through chains: two faces are one person when a chain of faces, each closer than eps to the
# next, joins them. With eps at the verification threshold, the pairs of different people that fall just under it
# chain several people into one: on the sample photos (astronaut, face.jpg, Grace Hopper, squat + their edited
# copies; dlib, flip-averaged) 5 of 84 different-people pairs lie between 0.554 and 0.6, and eps = 0.6 made 4
# "people" of 7 (Hopper, face.jpg's men and the squatting man in one). The farthest photo-vs-its-copy pair is
# 0.548. eps = 0.8 x threshold (0.48 for dlib) keeps a 0.07 margin under the closest different people; the price is
# that a face as far from its copy as 0.548 stands alone (8 people, none merged).
DBSCAN_EPS_FACTOR = 0.8


def dbscan_eps(metric: Metric, threshold: float) -> float:
    """DBSCAN's neighbourhood radius for a verification ``threshold`` in ``metric``'s units.

    Euclidean: ``DBSCAN_EPS_FACTOR * threshold``. Cosine: ``DBSCAN_EPS_FACTOR ** 2 * threshold``, the same radius in
    Euclidean terms (for unit vectors, cosine distance = squared Euclidean distance / 2).
    """
    factor = DBSCAN_EPS_FACTOR if metric is Metric.EUCLIDEAN else DBSCAN_EPS_FACTOR**2
    return factor * float(threshold)


def _agglomerative(d: np.ndarray, threshold: float) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering

    # average linkage: two groups merge when their faces are on average closer than the threshold, so one
    # odd photo neither splits a person (complete linkage would) nor chains two people (single linkage would)
    model = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=threshold
    )
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
