"""models/faces/calibrate.py: the sweep on hand-checked numbers, and the CLI on a generated folder."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest

import models.faces.calibrate as C
from models import faces as F
from models.imaging import encode_jpeg, encode_png, read_image
from models.samples import skimage_data_dir


def test_identity_from_subfolder_or_lfw_style_name(tmp_path):
    assert C.identity_of(tmp_path / "alice" / "x.jpg", tmp_path) == "alice"
    assert C.identity_of(tmp_path / "Aaron_Peirsol_0002.jpg", tmp_path) == "Aaron_Peirsol"
    assert C.identity_of(tmp_path / "bob (3).png", tmp_path) == "bob"
    assert C.identity_of(tmp_path / "carol-12.png", tmp_path) == "carol"
    (tmp_path / "dave").mkdir()
    (tmp_path / "dave" / "1.png").write_bytes(b"x")
    (tmp_path / "Eve_0001.jpg").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("not an image")
    assert [(p.name, i) for p, i in C.collect(tmp_path)] == [("Eve_0001.jpg", "Eve"), ("1.png", "dave")]


def test_sweep_numbers_checked_by_hand():
    d = np.array([0.1, 0.3, 0.5, 0.4, 0.6, 0.8])
    same = np.array([True, True, True, False, False, False])
    s = C.sweep(d, same, thresholds=np.array([0.0, 0.45, 0.9]))
    # t = 0.45 → predicted same: 0.1, 0.3 (right) and 0.4 (wrong); 0.5 missed
    assert s.accuracy[1] == pytest.approx(4 / 6)
    assert s.precision[1] == pytest.approx(2 / 3)
    assert s.recall[1] == pytest.approx(2 / 3)
    assert s.balanced[1] == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert s.recall[0] == 0 and s.recall[2] == 1 and s.accuracy[2] == pytest.approx(0.5)


def test_best_threshold_is_middle_of_the_gap():
    rng = np.random.default_rng(0)
    same_d = rng.uniform(0.20, 0.45, 30)
    diff_d = rng.uniform(0.55, 0.90, 300)  # 10× more different pairs, as in real folders
    d = np.concatenate([same_d, diff_d])
    same = np.r_[np.ones(30, bool), np.zeros(300, bool)]
    s = C.sweep(d, same)
    best, i = C.best_threshold(s, C.Criterion.BALANCED)
    assert same_d.max() < best <= diff_d.min()
    assert best == pytest.approx((same_d.max() + diff_d.min()) / 2, abs=0.01)
    assert s.balanced[i] == 1.0 and s.precision[i] == 1.0 and s.recall[i] == 1.0


def _crop_around(rgb, face, factor=2.2, out=220):
    x, y, w, h = face.box
    cx, cy, side = x + w / 2, y + h / 2, max(w, h) * factor
    x0, y0 = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
    crop = rgb[y0 : int(cy + side / 2), x0 : int(cx + side / 2)]
    return cv2.resize(crop, (out, round(out * crop.shape[0] / crop.shape[1])), interpolation=cv2.INTER_CUBIC)


def _augmented(rgb, rng):
    h, w = rgb.shape[:2]
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), float(rng.uniform(-10, 10)), 1.0)
    yield "orig", rgb
    yield "flip", rgb[:, ::-1]
    yield "dark", (rgb * rng.uniform(0.5, 0.7)).astype(np.uint8)
    yield "rot_blur", cv2.GaussianBlur(cv2.warpAffine(rgb, rot, (w, h), borderMode=cv2.BORDER_REFLECT), (5, 5), 1.2)
    yield "crop", cv2.resize(rgb[h // 10 :, w // 12 : w - w // 12], (w, h))


@pytest.fixture(scope="module")
def analyzer():
    return F.FaceAnalyzer.create(F.Embedder.DLIB)


@pytest.fixture(scope="module")
def people_folder(tmp_path_factory, analyzer, shared_assets):
    """Five real people, five augmented copies each: sub-folders for some, LFW-style names for the others."""
    samples = shared_assets / "samples"
    sources = {"astronaut": read_image(skimage_data_dir() / "astronaut.png").rgb}
    for name in ("grace_hopper", "squat"):
        sources[name] = read_image(samples / f"{name}.jpg").rgb
    heads = {}
    for name, rgb in sources.items():
        r = analyzer.analyze(rgb)
        heads[name] = _crop_around(rgb, r.faces[r.largest()])
    bar = read_image(samples / "face.jpg").rgb
    men = sorted(analyzer.analyze(bar).faces, key=lambda f: -f.area)[:2]
    heads["bar_man_a"], heads["bar_man_b"] = (_crop_around(bar, m) for m in men)

    root = tmp_path_factory.mktemp("people")
    rng = np.random.default_rng(7)
    for n, (name, head) in enumerate(heads.items()):
        for k, (kind, img) in enumerate(_augmented(np.ascontiguousarray(head), rng)):
            if n % 2:  # flat, LFW-style
                (root / f"{name}_{k:04d}.png").write_bytes(encode_png(np.ascontiguousarray(img)))
            else:
                (root / name).mkdir(exist_ok=True)
                (root / name / f"{kind}.jpg").write_bytes(encode_jpeg(np.ascontiguousarray(img), 80))
    (root / "cat_0001.png").write_bytes(encode_png(read_image(skimage_data_dir() / "chelsea.png").rgb))  # no face
    return root


def _best(out: str) -> tuple[float, float]:
    m = re.search(r"best threshold \(.*?\): ([0-9.]+) \(accuracy [0-9.]+, balanced ([0-9.]+)", out)
    assert m, out
    return float(m.group(1)), float(m.group(2))


def test_cli_finds_a_sensible_threshold(people_folder, analyzer, tmp_path, capsys):
    plot_path = tmp_path / "calibration.png"
    assert C.main([str(people_folder), "--plot", str(plot_path)], analyzer=analyzer) == 0
    out = capsys.readouterr().out
    print(out)
    assert "25 faces of 5 people → 300 pairs (50 same, 250 different)" in out
    assert re.search(r"skipped .*cat_0001.png: no face found", out)
    best, balanced = _best(out)
    assert 0.40 < best < 0.70  # dlib's published 0.6 lies in this band
    assert balanced >= 0.95
    assert plot_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and plot_path.stat().st_size > 20_000


def test_cli_cosine_threshold_near_default(people_folder, analyzer, tmp_path, capsys):
    assert C.main([str(people_folder), "--metric", "cosine", "--no-plot"], analyzer=analyzer) == 0
    out = capsys.readouterr().out
    print(out)
    best, balanced = _best(out)
    assert balanced >= 0.95
    assert 0.04 < best < 0.16  # default 0.09 ≈ 0.6² / (2·1.4²)


def test_cli_rejects_missing_folder_and_single_person(tmp_path, analyzer, capsys):
    assert C.main([str(tmp_path / "nope")], analyzer=analyzer) == 2
    solo = tmp_path / "solo"
    solo.mkdir()
    rgb = read_image(skimage_data_dir() / "astronaut.png").rgb
    for k in range(2):
        (solo / f"eileen_{k}.png").write_bytes(encode_png(rgb if k else np.ascontiguousarray(rgb[:, ::-1])))
    assert C.main([str(solo), "--no-plot"], analyzer=analyzer) == 1
    assert "at least two photos of one person and two different people" in capsys.readouterr().err
