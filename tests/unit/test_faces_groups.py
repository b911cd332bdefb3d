"""models/faces/groups.py: size gate and the flip-averaged (mirror-invariant) embedding, on numbers and real photos."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import models.faces.groups as G
from models import faces as F
from models.imaging import encode_jpeg, read_image
from models.samples import skimage_data_dir


# --- numbers ------------------------------------------------------------------------------------------
def _face(width: float) -> F.Face:
    return F.Face(box=np.array([0, 0, width, width * 1.2], np.float32), confidence=0.99,
                  landmarks=np.zeros((5, 2), np.float32))


def test_split_by_size_keeps_order_and_threshold_is_inclusive():
    faces = [_face(w) for w in (83, 20, 40, 39.9, 170, 24)]
    split = G.split_by_size(faces)
    assert split.min_px == F.SMALL_FACE_PX == 40
    assert split.kept == [0, 2, 4]
    assert split.skipped == [1, 3, 5]
    assert split.widths(faces, split.skipped) == pytest.approx([20, 39.9, 24])
    assert G.split_by_size([]).kept == []


def test_flip_averaged_is_symmetric_and_keeps_the_length():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 0.12, (5, 128)), rng.normal(0, 0.12, (5, 128))
    ab, ba = G.flip_averaged(a, b), G.flip_averaged(b, a)
    np.testing.assert_allclose(ab, ba, atol=1e-6)  # a face and its mirror get one vector
    mean_len = (np.linalg.norm(a, axis=1) + np.linalg.norm(b, axis=1)) / 2
    np.testing.assert_allclose(np.linalg.norm(ab, axis=1), mean_len, rtol=1e-5)
    unit = a / np.linalg.norm(a, axis=1, keepdims=True)  # unit inputs: plain L2 normalisation of the mean
    u = G.flip_averaged(unit, unit)
    np.testing.assert_allclose(u, unit, atol=1e-6)
    with pytest.raises(ValueError, match="one shape"):
        G.flip_averaged(a, b[:3])


class _Recorder:
    """Stands in for an embedder: the mean colour of the left and right halves of each chip (order-sensitive)."""

    def __init__(self):
        self.calls = 0

    def embed(self, chips):
        self.calls += 1
        return np.asarray([[c[:, : c.shape[1] // 2].mean(), c[:, c.shape[1] // 2 :].mean(), 1.0] for c in chips])


def test_mirror_invariant_embeddings_one_batched_call_and_mirror_gives_same_vector():
    chip = np.zeros((150, 150, 3), np.uint8)
    chip[:, :50] = 200  # bright on the left
    rec = _Recorder()
    e = G.mirror_invariant_embeddings(rec, [chip, np.ascontiguousarray(chip[:, ::-1])])
    assert rec.calls == 1 and e.shape == (2, 3) and e.dtype == np.float32
    np.testing.assert_allclose(e[0], e[1], atol=1e-6)
    assert G.mirror_invariant_embeddings(rec, []).shape[0] == 0


# --- real photos (MTCNN + dlib ResNet, both ship in wheels) ----------------------------------------------
@pytest.fixture(scope="module")
def analyzer():
    return F.FaceAnalyzer.create(F.Embedder.DLIB)


def _edited(rgb):  # the page's edited copy: mirrored, darker, JPEG q20
    darker = (rgb[:, ::-1].astype(np.float32) * 0.6).astype(np.uint8)
    return np.asarray(Image.open(io.BytesIO(encode_jpeg(darker, 20))).convert("RGB"))


def _embed_both(analyzer, rgb):
    res = analyzer.analyze(rgb)
    raw = np.asarray([f.embedding for f in res.faces])
    inv = G.mirror_invariant_embeddings(analyzer.embedder, [f.chip for f in res.faces])
    return res.faces, raw, inv


def _mirror_partner(faces, mirrored_faces, width):
    """Index in ``mirrored_faces`` of the face at the mirrored position of each face (box centres)."""
    out = []
    for f in faces:
        cx = width - (f.box[0] + f.box[2] / 2)
        out.append(int(np.argmin([abs(m.box[0] + m.box[2] / 2 - cx) for m in mirrored_faces])))
    return out


def test_face_and_its_mirrored_copy_join_one_person(analyzer, shared_assets):
    """The issue's case: face.jpg's small left face vs its edited (mirrored) copy was 0.6065 > 0.6."""
    t = F.SPECS[F.Embedder.DLIB].threshold(F.Metric.EUCLIDEAN)
    worst_raw = worst_inv = 0.0
    mirror_ratios: list[float] = []
    for name in ("face.jpg", "grace_hopper.jpg", "squat.jpg"):
        rgb = read_image(shared_assets / "samples" / name).rgb
        for copy_name, copy in (("mirrored", np.ascontiguousarray(rgb[:, ::-1])), ("edited", _edited(rgb))):
            faces, raw, inv = _embed_both(analyzer, rgb)
            cfaces, craw, cinv = _embed_both(analyzer, copy)
            split = G.split_by_size(faces)
            for i, j in zip(split.kept, _mirror_partner([faces[i] for i in split.kept], cfaces, rgb.shape[1]),
                            strict=True):
                d_raw = F.distance(raw[i], craw[j])
                d_inv = F.distance(inv[i], cinv[j])
                print(f"{name} #{i + 1} ({faces[i].width:.0f} px) vs {copy_name} copy: raw {d_raw:.4f} → "
                      f"flip-averaged {d_inv:.4f}")
                worst_raw, worst_inv = max(worst_raw, d_raw), max(worst_inv, d_inv)
                if copy_name == "mirrored":  # pure mirror: what is left is the alignment's own pixel differences
                    assert d_inv < d_raw, (name, i, d_raw, d_inv)
                    mirror_ratios.append(d_inv / d_raw)
                assert d_inv < t, (name, i, copy_name, d_inv)
    print(f"worst face-vs-copy distance: raw {worst_raw:.4f} → flip-averaged {worst_inv:.4f} (threshold {t})")
    print(f"pure mirror: flip-averaged / raw distance, mean {np.mean(mirror_ratios):.2f}")
    assert np.mean(mirror_ratios) < 0.6
    assert worst_raw > t  # the raw embedding did split a face from its copy …
    assert worst_inv < t - 0.03  # … the flip-averaged one keeps every copy with its original, with a margin


def test_different_people_still_apart_with_flip_averaging(analyzer, shared_assets):
    t = F.SPECS[F.Embedder.DLIB].threshold(F.Metric.EUCLIDEAN)
    raws, invs, names = [], [], []
    photos = {"astronaut": read_image(skimage_data_dir() / "astronaut.png").rgb}
    for n in ("face.jpg", "grace_hopper.jpg", "squat.jpg", "two_people_snow.jpg"):
        photos[n] = read_image(shared_assets / "samples" / n).rgb
    for n, rgb in photos.items():
        faces, raw, inv = _embed_both(analyzer, rgb)
        for i in G.split_by_size(faces).kept:
            raws.append(raw[i]), invs.append(inv[i]), names.append(f"{n}#{i + 1}")
    assert len(names) == 7  # astronaut 1, face.jpg 4, Hopper 1, squat 1; the snow faces (20, 24 px) skipped
    d_raw, d_inv = F.pairwise_distances(np.asarray(raws)), F.pairwise_distances(np.asarray(invs))
    iu = np.triu_indices(len(names), 1)
    order = np.argsort(d_inv[iu])
    for k in order[:6]:
        a, b = iu[0][k], iu[1][k]
        print(f"{names[a]} vs {names[b]}: raw {d_raw[a, b]:.4f} → flip-averaged {d_inv[a, b]:.4f}")
    assert d_raw[iu].min() > t and d_inv[iu].min() > t  # seven people, every pair above the threshold
    labels = F.cluster(np.asarray(invs), F.ClusterMethod.THRESHOLD, F.Metric.EUCLIDEAN, t)
    assert len(np.unique(labels)) == 7


# --- DBSCAN's radius (issue 27: three different men in "Person 2 · 6 faces") ------------------------------
def test_dbscan_eps_is_the_same_radius_in_both_metrics():
    assert F.dbscan_eps(F.Metric.EUCLIDEAN, 0.6) == pytest.approx(0.48)
    # unit vectors at Euclidean distance x have cosine distance x² / 2: the cosine radius matches the Euclidean one
    x = 0.6
    assert F.dbscan_eps(F.Metric.COSINE, x * x / 2) == pytest.approx(F.dbscan_eps(F.Metric.EUCLIDEAN, x) ** 2 / 2)


def test_dbscan_keeps_different_people_apart_on_the_sample_photos(analyzer, shared_assets):
    """The page's default set (astronaut, face.jpg, Grace Hopper, squat) and their edited copies, dlib, flip-averaged."""
    from sklearn.cluster import DBSCAN

    photos = {"astronaut": read_image(skimage_data_dir() / "astronaut.png").rgb}
    for n in ("face.jpg", "grace_hopper.jpg", "squat.jpg"):
        photos[n] = read_image(shared_assets / "samples" / n).rgb
    vectors, person = [], []
    for name, rgb in photos.items():
        faces, _raw, inv = _embed_both(analyzer, rgb)
        cfaces, _craw, cinv = _embed_both(analyzer, _edited(rgb))
        kept = G.split_by_size(faces).kept
        partner = _mirror_partner([faces[i] for i in kept], cfaces, rgb.shape[1])  # the copy is mirrored
        for i, j in zip(kept, partner, strict=True):
            vectors += [inv[i], cinv[j]]
            person += [f"{name}#{i + 1}"] * 2
    assert len(person) == 14  # 7 people, each with its edited copy
    e = np.asarray(vectors)
    for metric in F.Metric:
        t = F.SPECS[F.Embedder.DLIB].threshold(metric)
        labels = F.cluster(e, F.ClusterMethod.DBSCAN, metric, t)
        merged = {(person[a], person[b]) for a in range(14) for b in range(a) if labels[a] == labels[b]
                  and person[a] != person[b]}
        print(f"{metric.value}: eps {F.dbscan_eps(metric, t):.3f} → {labels.max() + 1} people, merged {merged}")
        assert not merged
        assert 7 <= labels.max() + 1 <= 8  # at most one face stands apart from its copy
        # the old radius (eps = the threshold) chained different people together on these photos
        old = DBSCAN(eps=t, min_samples=2, metric="precomputed").fit_predict(F.pairwise_distances(e, metric))
        assert any(old[a] == old[b] >= 0 and person[a] != person[b] for a in range(14) for b in range(a))
