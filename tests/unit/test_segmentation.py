"""models/segmentation.py: real DeepLab weights, tiny self-built models of each format, geometry, rendering."""

from __future__ import annotations

import functools
import io
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from models import segmentation as seg
from models.imaging import ImageError, decode_image, read_image
from models.registry import get
from models.store import Store

RED, BLUE = seg.PERSON, seg.VOC_CLASSES.index("cat")  # what the tiny models call red and blue blobs
TFLITE_MODELS = [seg.SegModel.MNV2_513, seg.SegModel.MNV2_DM05_513, seg.SegModel.MNV2_257_FLOAT]


# --- tiny models with the real signatures ------------------------------------------------------------
def _scores(tf, x):
    """21 class scores from float RGB in [0, 255]: red blobs → person, blue blobs → cat, else background."""
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    red, blue = r - (g + b) / 2, b - (r + g) / 2
    other = tf.fill(tf.shape(r), -1000.0)
    channels = [other] * seg.NUM_CLASSES
    channels[seg.BACKGROUND] = tf.fill(tf.shape(r), 60.0)
    channels[RED], channels[BLUE] = red, blue
    return tf.stack(channels, axis=-1)


def _convert(tf, fn) -> bytes:
    conv = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], fn)
    return conv.convert()


def build_tiny_classmap_tflite(path: Path) -> Path:
    """uint8 [1,513,513,3] → int64 ArgMax [1,513,513], like the Coral DeepLab builds."""
    from models.runtime import tf as get_tf

    tf = get_tf()

    @tf.function(input_signature=[tf.TensorSpec([1, 513, 513, 3], tf.uint8)])
    def model(x):
        return tf.argmax(_scores(tf, tf.cast(x, tf.float32)), axis=-1)

    path.write_bytes(_convert(tf, model))
    return path


def build_tiny_logits_tflite(path: Path) -> Path:
    """float32 [1,257,257,3] in [-1, 1] → logits [1,257,257,21], like deeplabv3_257_mv_gpu."""
    from models.runtime import tf as get_tf

    tf = get_tf()

    @tf.function(input_signature=[tf.TensorSpec([1, 257, 257, 3], tf.float32)])
    def model(x):
        return _scores(tf, (x + 1.0) * 127.5) / 50.0

    path.write_bytes(_convert(tf, model))
    return path


def build_tiny_frozen_tarball(path: Path, *, with_graph: bool = True) -> Path:
    """tensorflow.org layout: <dir>/frozen_inference_graph.pb (+ checkpoint files), ImageTensor → SemanticPredictions."""
    from models.runtime import tf as get_tf

    tf = get_tf()
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.uint8, [1, None, None, 3], name="ImageTensor")
        pred = tf.argmax(_scores(tf, tf.cast(x, tf.float32)), axis=-1)
        tf.identity(pred, name="SemanticPredictions")
    members = {"deeplabv3_mnv2_pascal_train_aug/model.ckpt-30000.index": b"not a real checkpoint"}
    if with_graph:
        members["deeplabv3_mnv2_pascal_train_aug/frozen_inference_graph.pb"] = graph.as_graph_def().SerializeToString()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory) -> dict[seg.SegModel, seg.Segmenter]:
    d = tmp_path_factory.mktemp("tiny_seg")
    return {
        seg.SegModel.MNV2_513: seg.segmenter_from_file(seg.SegModel.MNV2_513, build_tiny_classmap_tflite(d / "c.tflite")),
        seg.SegModel.MNV2_257_FLOAT: seg.segmenter_from_file(
            seg.SegModel.MNV2_257_FLOAT, build_tiny_logits_tflite(d / "l.tflite")),
        seg.SegModel.MNV2_FROZEN: seg.segmenter_from_file(
            seg.SegModel.MNV2_FROZEN, build_tiny_frozen_tarball(d / "f.tar.gz")),
    }


def blob_image(height: int, width: int, cy: float, cx: float, radius: float, colour=(230, 20, 20)) -> np.ndarray:
    """Grey image with one filled disc; the disc is the ground truth."""
    img = np.full((height, width, 3), 128, dtype=np.uint8)
    yy, xx = np.mgrid[:height, :width]
    img[(yy + 0.5 - cy) ** 2 + (xx + 0.5 - cx) ** 2 <= radius**2] = colour
    return img


def centroid(mask: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero(mask)
    return ys.mean() + 0.5, xs.mean() + 0.5


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return (a & b).sum() / max(1, (a | b).sum())


# --- real weights --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real(shared_assets) -> dict[seg.SegModel, seg.Segmenter]:
    store = Store()
    labels = seg.load_labels(store.require("pascal_voc_labels"))
    return {m: seg.segmenter_from_file(m, store.require(m.value), labels) for m in TFLITE_MODELS}


def test_labels_file_matches_builtin_names(shared_assets):
    assert seg.load_labels(Store().require("pascal_voc_labels")) == seg.VOC_CLASSES


@pytest.mark.parametrize("model", TFLITE_MODELS, ids=lambda m: m.name)
@pytest.mark.parametrize(
    "photo, expected", [("cat.jpg", "cat"), ("grace_hopper.jpg", "person"), ("bird.jpg", "bird"), ("dog.jpg", "dog")]
)
def test_real_models_find_the_subject(real, shared_assets, model, photo, expected):
    image = read_image(shared_assets / "samples" / photo)
    result = real[model].predict(image.rgb)
    assert result.class_map.shape == image.rgb.shape[:2]
    fg = result.shares(include_background=False)
    top = fg[0]
    fg_pixels = sum(s.pixels for s in fg)
    print(f"{model.name} {photo}: {top.name} {top.pixels / fg_pixels:.1%} of foreground, {top.share:.1%} of image")
    assert top.name == expected
    assert top.pixels / fg_pixels >= 0.8  # most non-background pixels
    assert 0.05 <= top.share <= 0.95  # a subject, not the whole frame
    assert abs(sum(s.share for s in result.shares()) - 1.0) < 1e-9


@pytest.mark.parametrize(
    "canvas, offset",
    [((720, 400), (300, 70)), ((400, 900), (90, 560)), ((517, 333), (211, 41))],
    ids=["portrait", "landscape", "odd"],
)
def test_real_model_mask_follows_the_object(real, shared_assets, canvas, offset):
    """The dog pasted at a known offset: the mask centroid moves with it (within 2 % of the image size)."""
    dog = read_image(shared_assets / "samples" / "dog.jpg").rgb
    segmenter = real[seg.SegModel.MNV2_513]
    alone = segmenter.predict(dog).class_map == seg.VOC_CLASSES.index("dog")
    truth_y, truth_x = centroid(alone)
    img = np.full((*canvas, 3), 128, dtype=np.uint8)
    oy, ox = offset
    img[oy : oy + dog.shape[0], ox : ox + dog.shape[1]] = dog
    found = segmenter.predict(img).class_map == seg.VOC_CLASSES.index("dog")
    fy, fx = centroid(found)
    print(f"{canvas}: centroid error {abs(fy - truth_y - oy):.2f} px, {abs(fx - truth_x - ox):.2f} px")
    assert abs(fy - (truth_y + oy)) <= 0.02 * canvas[0]
    assert abs(fx - (truth_x + ox)) <= 0.02 * canvas[1]
    assert found[:oy].sum() + found[oy + dog.shape[0]:].sum() < 0.02 * alone.sum()  # nothing far outside


def test_exif_rotated_photo_is_segmented_upright(real, shared_assets):
    raw = Image.open(shared_assets / "samples" / "cat.jpg")
    upright = np.asarray(raw.convert("RGB"))
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: viewers turn it 90° clockwise
    buf = io.BytesIO()
    raw.transpose(Image.Transpose.ROTATE_90).save(buf, "JPEG", quality=95, exif=exif)
    image = decode_image(buf.getvalue(), "rotated.jpg")
    assert image.rgb.shape == upright.shape
    assert any("EXIF" in n for n in image.notes)
    segmenter = real[seg.SegModel.MNV2_513]
    a = segmenter.predict(image.rgb).class_map == BLUE
    b = segmenter.predict(upright).class_map == BLUE
    assert iou(a, b) > 0.9


# --- alignment (acceptance 2): every backend, portrait / landscape / odd sizes --------------------------
@pytest.mark.parametrize("backend", [seg.SegModel.MNV2_513, seg.SegModel.MNV2_257_FLOAT, seg.SegModel.MNV2_FROZEN],
                         ids=lambda m: m.spec.backend.value)
@pytest.mark.parametrize(
    "size, centre, radius",
    [((900, 400), (610.0, 120.0), 70), ((360, 1100), (90.0, 830.0), 50), ((517, 333), (150.5, 250.5), 45),
     ((61, 999), (30.0, 101.0), 18)],
    ids=["portrait", "landscape", "odd", "thin-odd"],
)
def test_mask_centroid_matches_truth(tiny_models, backend, size, centre, radius):
    img = blob_image(*size, *centre, radius)
    truth = (img == (230, 20, 20)).all(axis=-1)
    result = tiny_models[backend].predict(img)
    assert result.class_map.shape == size
    found = result.class_map == RED
    cy, cx = centroid(found)
    err_y, err_x = abs(cy - centre[0]) / size[0], abs(cx - centre[1]) / size[1]
    print(f"{backend.name} {size}: centroid error {err_y:.3%} of height, {err_x:.3%} of width, IoU {iou(found, truth):.3f}")
    assert err_y <= 0.02 and err_x <= 0.02
    # Sharper than the acceptance bound: the mask lands on the disc, not merely near it.
    assert err_y * size[0] <= 1.5 and err_x * size[1] <= 1.5
    assert iou(found, truth) >= 0.8
    assert set(np.unique(result.class_map)) <= {seg.BACKGROUND, RED}


def test_two_objects_keep_their_sides(tiny_models):
    img = blob_image(300, 800, 150, 150, 60)
    img[(blob_image(300, 800, 150, 650, 60, colour=(20, 20, 230)) == (20, 20, 230)).all(-1)] = (20, 20, 230)
    for model in tiny_models.values():
        cmap = model.predict(img).class_map
        assert centroid(cmap == RED)[1] < 200 and centroid(cmap == BLUE)[1] > 600


def test_geometry_helpers_are_exact():
    assert seg.scaled_size(1000, 500, 513) == (513, 256)
    assert seg.scaled_size(1, 5000, 257) == (1, 257)
    labels = np.arange(12, dtype=np.uint8).reshape(3, 4)
    up = seg.resize_nearest(labels, 6, 8)
    assert (up[::2, ::2] == labels).all() and (up[1::2, 1::2] == labels).all()
    assert (seg.resize_nearest(up, 3, 4) == labels).all()
    canvas, valid = seg.letterbox(np.zeros((100, 50, 3), np.uint8), 513, 128)
    assert valid == (513, 256) and (canvas[:, 256:] == 128).all() and (canvas[:, :256] == 0).all()


# --- frozen-graph loader (acceptance 3) -------------------------------------------------------------
def test_frozen_graph_tarball_through_the_store(empty_store, tmp_path):
    entry = get(seg.SegModel.MNV2_FROZEN.value)
    build_tiny_frozen_tarball(empty_store / entry.path)
    store = Store()
    assert store.has(entry)
    segmenter = seg.segmenter_from_file(seg.SegModel.MNV2_FROZEN, store.require(entry))
    img = blob_image(480, 640, 240, 500, 60)
    x, valid = segmenter.model_input(img)
    assert x.shape == (1, 385, 513, 3) and valid == (385, 513)  # long side 513, no padding
    result = segmenter.predict(img)
    assert result.shape == (480, 640)
    assert iou(result.class_map == RED, (img == (230, 20, 20)).all(-1)) >= 0.9
    # Varying sizes go through the same graph without rebuilding it.
    assert segmenter.predict(blob_image(200, 90, 100, 45, 20)).shape == (200, 90)


def test_frozen_graph_tarball_without_graph_is_a_clear_error(tmp_path):
    bad = build_tiny_frozen_tarball(tmp_path / "bad.tar.gz", with_graph=False)
    with pytest.raises(ValueError, match="frozen_inference_graph.pb"):
        seg.segmenter_from_file(seg.SegModel.MNV2_FROZEN, bad)


def test_wrong_tflite_for_the_model_is_refused(tmp_path):
    path = build_tiny_logits_tflite(tmp_path / "l.tflite")
    with pytest.raises(ValueError, match="does not match"):
        seg.segmenter_from_file(seg.SegModel.MNV2_513, path)


def test_missing_frozen_graph_names_the_fetch_command(empty_store):
    from models.store import ModelMissingError

    with pytest.raises(ModelMissingError) as info:
        Store().require(seg.SegModel.XCEPTION_FROZEN.value)
    assert "fetch deeplab_xception_frozen" in info.value.command


# --- rendering, portrait, remove-object -------------------------------------------------------------
def _result(class_map: np.ndarray) -> seg.Segmentation:
    return seg.Segmentation(class_map.astype(np.uint8), seg.VOC_CLASSES, "test")


def test_overlay_opacity_and_hidden_classes():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    cmap = np.zeros((40, 60), np.uint8)
    cmap[5:20, 5:20] = RED
    cmap[25:35, 30:50] = BLUE
    assert (seg.overlay(rgb, cmap, 0.0) == rgb).all()
    full = seg.overlay(rgb, cmap, 1.0)
    assert (full[cmap == RED] == seg.PALETTE[RED]).all() and (full[cmap == 0] == rgb[cmap == 0]).all()
    half = seg.overlay(rgb, cmap, 0.5).astype(int)
    expect = (rgb.astype(int) + seg.PALETTE[cmap].astype(int)) / 2
    assert np.abs(half[cmap == RED] - expect[cmap == RED]).max() <= 1
    only_cat = seg.overlay(rgb, cmap, 1.0, visible=[BLUE])
    assert (only_cat[cmap == RED] == rgb[cmap == RED]).all()
    assert (only_cat[cmap == BLUE] == seg.PALETTE[BLUE]).all()
    colours = seg.colorize(cmap, visible=[RED])
    assert (colours[cmap == BLUE] == 0).all() and (colours[cmap == RED] == seg.PALETTE[RED]).all()
    assert seg.side_by_side(rgb, full).shape == (40, 128, 3)


def test_palette_and_legend_shares():
    assert seg.hex_colour(RED) == "#c08080" and seg.hex_colour(BLUE) == "#400000"  # VOC person / cat
    cmap = np.zeros((10, 10), np.uint8)
    cmap[:3] = RED  # 30 %
    cmap[3:4] = BLUE  # 10 %
    shares = _result(cmap).shares()
    assert [(s.name, round(s.share, 3)) for s in shares] == [("background", 0.6), ("person", 0.3), ("cat", 0.1)]
    assert _result(cmap).dominant_foreground() == RED


def test_class_png_holds_class_ids():
    cmap = np.random.default_rng(1).integers(0, 21, (33, 47)).astype(np.uint8)
    im = Image.open(io.BytesIO(seg.class_png(cmap)))
    assert im.mode == "P" and (np.asarray(im) == cmap).all()
    assert tuple(im.convert("RGB").getpixel((0, 0))) == tuple(seg.PALETTE[cmap[0, 0]])


def test_dilate_grows_by_radius():
    mask = np.zeros((101, 101), bool)
    mask[50, 50] = True
    grown = seg.dilate(mask, 10)
    ys, xs = np.nonzero(grown)
    assert ys.min() == 40 and ys.max() == 60 and xs.min() == 40 and xs.max() == 60
    assert abs(grown.sum() - np.pi * 10.5**2) / (np.pi * 10.5**2) < 0.1
    assert (seg.dilate(mask, 0) == mask).all()


def test_portrait_keeps_subject_sharp_and_feathers_the_edge():
    rng = np.random.default_rng(2)
    rgb = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
    keep = np.zeros((120, 160), bool)
    keep[30:90, 40:120] = True
    inner = np.zeros_like(keep)
    inner[40:80, 50:110] = True  # > feather distance from the edge
    outer = np.ones_like(keep)
    outer[15:105, 25:135] = False

    blurred = seg.portrait(rgb, keep, seg.PortraitOptions(seg.BackgroundMode.BLUR, blur_radius=8, feather_px=6))
    assert np.abs(blurred[inner].astype(int) - rgb[inner]).max() <= 1
    assert blurred[outer].std() < 0.3 * rgb[outer].std()  # noise blurred away

    green = seg.portrait(rgb, keep, seg.PortraitOptions(seg.BackgroundMode.COLOUR, colour=(0, 200, 0), feather_px=6))
    assert (np.abs(green[outer].astype(int) - (0, 200, 0)) <= 1).all()
    # Feathered: across the edge the result ramps instead of jumping (some pixels are a real mix).
    edge_row = green[60, 30:50, 1].astype(int)
    mixed = [(v, rgb[60, 30 + i, 1]) for i, v in enumerate(edge_row)]
    assert any(abs(v - 200) > 5 and abs(v - o) > 5 for v, o in mixed)
    hard = seg.portrait(rgb, keep, seg.PortraitOptions(seg.BackgroundMode.COLOUR, colour=(0, 200, 0), feather_px=0))
    assert (hard[~keep] == (0, 200, 0)).all() and (hard[keep] == rgb[keep]).all()

    backdrop = np.zeros((50, 400, 3), np.uint8)
    backdrop[:, :200] = (255, 0, 0)
    backdrop[:, 200:] = (0, 0, 255)
    replaced = seg.portrait(rgb, keep, seg.PortraitOptions(seg.BackgroundMode.IMAGE, image=backdrop, feather_px=0))
    # Cover + centre crop: the split of the backdrop stays in the middle (not stretched, not shifted).
    assert (replaced[0, :79] == (255, 0, 0)).all() and (replaced[0, 81:] == (0, 0, 255)).all()
    with pytest.raises(ValueError):
        seg.portrait(rgb, keep[:10], seg.PortraitOptions())


def test_feather_is_a_ramp_in_unit_range():
    mask = np.zeros((50, 50), bool)
    mask[:, 25:] = True
    alpha = seg.feather(mask, 8)
    assert alpha.min() >= 0 and alpha.max() <= 1
    row = alpha[25]
    assert (np.diff(row) >= -1e-6).all() and row[0] < 0.01 and row[-1] > 0.99 and 0.3 < row[25] < 0.7


def test_parse_hex_colour():
    assert seg.parse_hex_colour("#2e7d32") == (46, 125, 50)
    with pytest.raises(ValueError):
        seg.parse_hex_colour("#abc")


# --- bad inputs (acceptance 5), model level --------------------------------------------------------------
@functools.cache  # the 12000×12000 JPEG takes a while to make: once per test session
def bad_inputs(photo: Path) -> dict[str, tuple[bytes, str]]:
    """name → (bytes, file name) for each awkward input of the acceptance list."""
    data = photo.read_bytes()
    rgb = Image.open(photo).convert("RGB")

    def save(im, fmt, **kw):
        buf = io.BytesIO()
        im.save(buf, fmt, **kw)
        return buf.getvalue()

    exif = Image.Exif()
    exif[0x0112] = 8
    big = Image.new("RGB", (12000, 12000), (128, 128, 128))
    big.paste(rgb.resize((6000, 4000)), (3000, 4000))
    sixteen = (np.asarray(rgb.convert("L"), dtype=np.uint16) * 257).astype(np.uint16)
    rgba = rgb.convert("RGBA")
    rgba.putalpha(200)
    return {
        "truncated": (data[: len(data) // 3], "truncated.jpg"),
        "text": (b"definitely not an image\n" * 20, "notes.png"),
        "tiny": (save(Image.new("RGB", (1, 1), (255, 0, 0)), "PNG"), "one_pixel.png"),
        "huge": (save(big, "JPEG", quality=70), "huge.jpg"),
        "16bit": (save(Image.fromarray(sixteen), "PNG"), "sixteen.png"),
        "cmyk": (save(rgb.convert("CMYK"), "JPEG", quality=92), "cmyk.jpg"),
        "rgba": (save(rgba, "PNG"), "alpha.png"),
        "exif": (save(rgb.transpose(Image.Transpose.ROTATE_270), "JPEG", quality=92, exif=exif), "rotated.jpg"),
    }


@pytest.fixture(scope="module")
def awkward(shared_assets) -> dict[str, tuple[bytes, str]]:
    return bad_inputs(shared_assets / "samples" / "cat.jpg")


def test_bad_inputs_give_a_message_or_a_correct_result(real, awkward):
    segmenter = real[seg.SegModel.MNV2_513]
    cat = seg.VOC_CLASSES.index("cat")
    for key in ("truncated", "text", "tiny"):
        data, name = awkward[key]
        with pytest.raises(ImageError) as info:
            decode_image(data, name)
        assert name in str(info.value) and len(str(info.value)) > 30
    for key in ("huge", "16bit", "cmyk", "rgba", "exif"):
        data, name = awkward[key]
        image = decode_image(data, name)
        result = segmenter.predict(image.rgb)
        assert result.class_map.shape == image.rgb.shape[:2]
        print(key, image.rgb.shape, image.notes, result.shares(include_background=False)[0])
        assert result.dominant_foreground() == cat, key
    assert decode_image(*awkward["exif"]).rgb.shape == (341, 512, 3)  # upright again


# --- issue 17: legend without phantom classes, downloads at the uploaded size ------------------------------
def test_a_few_stray_pixels_of_another_class_are_traces_not_listed(tiny_models):
    img = blob_image(600, 800, 300, 400, 160)  # a red disc: "person", ~17 % of the image
    img[50:54, 60:64] = (20, 20, 230)  # 16 px of blue: the tiny model's "cat"
    for model, segmenter in tiny_models.items():
        result = segmenter.predict(img)
        listed, traces = result.found()
        names = [s.name for s in listed]
        print(f"{model.name}: listed {[(s.name, f'{s.share:.2%}') for s in listed]}, "
              f"traces {[(s.name, s.pixels) for s in traces]}")
        assert names == ["person"], names
        assert all(s.share < seg.MIN_LEGEND_SHARE for s in traces)
        if BLUE in result.present():  # the model saw the dot: it is a trace, never a listed class
            assert "cat" in [s.name for s in traces]


def test_legend_threshold_is_a_share_of_the_pixels():
    cm = np.zeros((100, 200), np.uint8)
    cm[:50, :50] = seg.PERSON  # 12.5 %
    cm[90:, 190:] = seg.VOC_CLASSES.index("sheep")  # 100 px = 0.5 %: exactly at the threshold, listed
    cm[0, 199] = seg.VOC_CLASSES.index("bird")  # 1 px
    result = seg.Segmentation(cm, seg.VOC_CLASSES, "test")
    listed, traces = result.found()
    assert [s.name for s in listed] == ["person", "sheep"]
    assert [(s.name, s.pixels) for s in traces] == [("bird", 1)]
    assert [s.name for s in result.found(0.2)[0]] == []


def test_class_id_download_of_a_4000x3000_upload_is_4000x3000(tiny_models):
    from models.imaging import encode_jpeg, fit_within

    upload = decode_image(encode_jpeg(blob_image(3000, 4000, 1400, 2300, 700)), "big.jpg")
    assert upload.rgb.shape == (3000, 4000, 3)
    working = fit_within(upload.rgb, 2048)  # what the page works on
    result = tiny_models[seg.SegModel.MNV2_513].predict(working)
    assert result.shape == (1536, 2048)
    full = result.resized(3000, 4000)
    png = Image.open(io.BytesIO(seg.class_png(full.class_map)))
    ids = np.asarray(png)
    assert png.size == (4000, 3000) and png.mode == "P"
    assert set(np.unique(ids)) <= set(np.unique(result.class_map))  # nearest-neighbour: no blended ids
    truth = blob_image(3000, 4000, 1400, 2300, 700)[..., 0] > 200
    print(f"class-id PNG {png.size}; person IoU with the disc at full size {iou(ids == RED, truth):.3f}")
    assert iou(ids == RED, truth) > 0.95
    assert result.resized(1536, 2048) is result
