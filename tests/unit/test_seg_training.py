"""Segmentation you can train: the backbone mapping (proved against the TFLite classifier), FCN-8s and DeepLabV3+
shapes, IoU / mIoU with void against hand-computed values, median-frequency weights, and a seeded resumable trainer
on a tiny set it builds."""

from __future__ import annotations

import json

import numpy as np
import pytest

from models.segmentation import metrics
from models.segmentation.labelled import ClassSet, LabelledSet

PHOTOS = ("cat", "bird", "parrot", "dog", "grace_hopper", "pets")


# --- the mapping of the slim tensors onto Keras -----------------------------------------------------------------
@pytest.fixture(scope="module")
def npy(shared_assets):
    folder = shared_assets / "models/mobilenet_v2_imagenet_npy"
    if not folder.is_dir():
        pytest.skip("the MobileNetV2 .npy backbone is not in the shared store")
    return folder


def _agreement(shared_assets, npy, tensors):
    from models.segmentation import backbone as bb
    from models.segmentation.backbone_check import compare_with_tflite

    encoder = bb.build_encoder(32)
    assert bb.load_encoder_weights(encoder, tensors) == 260
    biases = np.load(npy / "Logits_Conv2d_1c_1x1_biases.npy")
    photos = [shared_assets / f"samples/{p}.jpg" for p in PHOTOS]
    return compare_with_tflite(encoder, shared_assets / "models/mobilenet_v2/mobilenet_v2_1.0_224_quant.tflite",
                               biases, photos)


def test_slim_names_map_to_keras_layers():
    from models.segmentation.backbone import slim_to_keras

    assert slim_to_keras("Conv_weights") == ("Conv1", 0)
    assert slim_to_keras("Conv_BatchNorm_moving_variance") == ("bn_Conv1", 3)
    assert slim_to_keras("expanded_conv_depthwise_depthwise_weights") == ("expanded_conv_depthwise", 0)
    assert slim_to_keras("expanded_conv_project_BatchNorm_beta") == ("expanded_conv_project_BN", 1)
    assert slim_to_keras("expanded_conv_16_expand_BatchNorm_gamma") == ("block_16_expand_BN", 0)
    assert slim_to_keras("Conv_1_BatchNorm_moving_mean") == ("Conv_1_bn", 2)
    with pytest.raises(KeyError):
        slim_to_keras("Logits_Conv2d_1c_1x1_biases")


def test_real_checkpoint_agrees_with_the_tflite_classifier(shared_assets, npy):
    from models.segmentation import backbone as bb

    a = _agreement(shared_assets, npy, bb.read_npy_checkpoint(npy))
    print(f"cosines {[round(c, 3) for c in a.cosines]}, top-1 same {sum(a.top1_same)}/{len(PHOTOS)}")
    # The TFLite copy is quantisation-aware trained (other weights): features agree closely, not exactly.
    assert a.mean_cosine > 0.85 and min(a.cosines) > 0.8
    assert sum(a.top1_same) >= 5  # cat, chickadee, macaw, Samoyed, military uniform (pets: two close dog breeds)


def test_a_shuffled_checkpoint_fails_the_check(shared_assets, npy):
    """Layers swapped with other layers of the same shapes (what a wrong name mapping does) break the agreement."""
    from models.segmentation import backbone as bb

    tensors = bb.read_npy_checkpoint(npy)
    layers: dict[str, list] = {}
    for (layer, _i), arr in sorted(tensors.items(), key=lambda kv: kv[0]):
        layers.setdefault(layer, []).append(arr)
    groups: dict[tuple, list[str]] = {}
    for layer, arrays in layers.items():
        groups.setdefault(tuple(a.shape for a in arrays), []).append(layer)
    rng = np.random.default_rng(0)
    shuffled = dict(tensors)
    for names in groups.values():
        for name, j in zip(names, rng.permutation(len(names))):
            for i, arr in enumerate(layers[names[j]]):
                shuffled[(name, i)] = arr
    assert sum(len(n) for n in groups.values() if len(n) > 1) > 50  # most layers have a same-shaped twin
    a = _agreement(shared_assets, npy, shuffled)
    print(f"shuffled: cosines {[round(c, 3) for c in a.cosines]}, top-1 same {sum(a.top1_same)}/{len(PHOTOS)}")
    assert a.mean_cosine < 0.6
    assert sum(a.top1_same) <= 1


def test_a_missing_tensor_is_a_model_file_error(tmp_path):
    from models.errors import ModelFileError
    from models.segmentation import backbone as bb

    np.save(tmp_path / "Conv_weights.npy", np.zeros((3, 3, 3, 32), np.float32))
    with pytest.raises(ModelFileError, match="1 of 260"):
        bb.imagenet_encoder(tmp_path)
    np.save(tmp_path / "Conv_weights.npy", np.zeros((3, 3, 3, 16), np.float32))  # wrong shape
    with pytest.raises(ModelFileError, match="expected"):
        bb.load_encoder_weights(bb.build_encoder(32), bb.read_npy_checkpoint(tmp_path))


# --- architectures ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("arch", ["fcn8s", "deeplabv3plus"])
def test_logits_have_the_input_size_at_camvid_and_odd_sizes(arch):
    from models.segmentation.architectures import build

    model = build(arch, 11)
    for h, w in [(360, 480), (357, 471), (33, 45), (100, 37)]:
        assert model(np.zeros((1, h, w, 3), np.float32)).shape == (1, h, w, 11), (h, w)


def test_output_stride_16_keeps_the_weights_and_doubles_the_grid():
    from models.segmentation import backbone as bb

    e32, e16 = bb.build_encoder(32), bb.build_encoder(16)
    assert [w.shape for w in e32.get_weights()] == [w.shape for w in e16.get_weights()]
    x = np.zeros((1, 360, 480, 3), np.float32)
    assert e32(x).shape[1:3] == (12, 15)  # "SAME" rounds up: 360 → 180 → 90 → 45 → 23 → 12
    assert e16(x).shape[1:3] == (23, 30)


def test_bilinear_kernel_upsamples_a_constant_to_the_same_constant():
    import keras

    from models.segmentation.architectures import bilinear_kernel

    layer = keras.layers.Conv2DTranspose(2, 16, strides=8, padding="same", use_bias=False)
    y = layer(np.full((1, 6, 6, 2), 3.0, np.float32))
    layer.set_weights([bilinear_kernel(16, 2)])
    y = np.asarray(layer(np.full((1, 6, 6, 2), 3.0, np.float32)))
    assert y.shape == (1, 48, 48, 2)
    np.testing.assert_allclose(y[0, 8:-8, 8:-8], 3.0, rtol=1e-5)  # away from the zero-padded rim


# --- metrics ------------------------------------------------------------------------------------------------------
def test_iou_miou_and_pixel_accuracy_by_hand_with_void():
    truth = np.array([[0, 0, 1, 1], [0, 2, 2, 9]])  # 9 = void
    pred = np.array([[0, 1, 1, 1], [0, 2, 0, 2]])
    cm = metrics.confusion(truth, pred, 3, void=9)
    assert cm.tolist() == [[2, 1, 0], [0, 2, 0], [1, 0, 1]]
    s = metrics.scores(cm)
    # class 0: TP 2, FP 1, FN 1 → 2/4; class 1: TP 2, FP 1, FN 0 → 2/3; class 2: TP 1, FP 0, FN 1 → 1/2
    np.testing.assert_allclose(s.iou, [0.5, 2 / 3, 0.5])
    assert s.miou == pytest.approx((0.5 + 2 / 3 + 0.5) / 3)
    assert s.pixel_accuracy == pytest.approx(5 / 7)  # the void pixel is not counted


def test_a_class_absent_from_truth_and_prediction_has_no_iou():
    s = metrics.scores(metrics.confusion(np.array([0, 0, 1]), np.array([0, 1, 1]), 3))
    assert np.isnan(s.iou[2]) and s.miou == pytest.approx((0.5 + 0.5) / 2)
    assert s.as_dict(["a", "b", "c"])["iou"]["c"] is None


def test_median_frequency_weights():
    labels = [np.array([[0, 0, 0, 1]]), np.array([[0, 0, 2, 2]])]
    f = metrics.class_frequencies(labels, 3)
    np.testing.assert_allclose(f, [5 / 8, 1 / 4, 2 / 4])
    w = metrics.median_frequency_weights(f)
    np.testing.assert_allclose(w, [0.5 / (5 / 8), 0.5 / 0.25, 1.0], rtol=1e-6)


# --- training -----------------------------------------------------------------------------------------------------
def _toy_set(n: int, seed: int) -> LabelledSet:
    """Left half class 0 (dark), right half class 1 (bright), a red square class 2; a void border."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for _ in range(n):
        img = np.zeros((48, 64, 3), np.uint8)
        lab = np.zeros((48, 64), np.uint8)
        img[:, 32:] = 200
        lab[:, 32:] = 1
        y, x = rng.integers(4, 28), rng.integers(4, 44)
        img[y : y + 14, x : x + 14] = (220, 20, 20)
        lab[y : y + 14, x : x + 14] = 2
        lab[0, :] = 255
        images.append(np.clip(img + rng.integers(0, 20, img.shape), 0, 255).astype(np.uint8))
        labels.append(lab)
    cs = ClassSet(("dark", "bright", "red"), ((0, 0, 0), (255, 255, 255), (255, 0, 0)), 255)
    return LabelledSet(images, labels, [f"t{i}" for i in range(n)], cs)


def test_trainer_learns_a_toy_set_resumes_and_keeps_the_best(tmp_path):
    from models.segmentation.training import TrainConfig, Trainer

    train, val = _toy_set(8, 1), _toy_set(4, 2)
    cfg = TrainConfig(arch="fcn8s", epochs=2, batch=4, crop=(48, 64), scale=(1.0, 1.0), lr=3e-3, eval_every=1)
    t = Trainer(cfg, train, val, tmp_path)
    calls = []
    t.run(should_stop=lambda: len(calls.append(1) or calls) >= 2)  # stop after the 2nd step (end of epoch 1)
    assert t.epoch == 1 and (tmp_path / "best.weights.h5").is_file()
    first = json.loads((tmp_path / "history.json").read_text())
    assert len(first["evals"]) == 1

    resumed = Trainer(cfg, train, val, tmp_path)  # same workdir: picks up the checkpoint
    assert resumed.epoch == 1
    h = resumed.run()
    assert resumed.epoch == 2 and h.step == [2, 4] and len(h.evals) == 2
    assert h.best_miou == pytest.approx(max(e["miou"] for e in h.evals), abs=1e-5)  # the record is rounded
    assert all(np.isfinite(h.loss))


def test_median_frequency_weighting_differs_from_none(tmp_path):
    from models.segmentation.training import TrainConfig, Trainer

    train, val = _toy_set(4, 3), _toy_set(2, 4)
    mfb = Trainer(TrainConfig(arch="fcn8s", epochs=1, batch=2, crop=(48, 64)), train, val, tmp_path / "a")
    none = Trainer(TrainConfig(arch="fcn8s", epochs=1, batch=2, crop=(48, 64), class_weighting="none"), train, val,
                   tmp_path / "b")
    assert none.class_weights.tolist() == [1.0, 1.0, 1.0]
    assert mfb.class_weights[2] > mfb.class_weights[0]  # the rare red square weighs more


def test_augment_pads_with_void_and_keeps_labels_aligned():
    from models.segmentation.training import TrainConfig, augment

    img = np.zeros((20, 30, 3), np.uint8)
    img[:, 15:] = 255
    lab = (img[..., 0] > 0).astype(np.uint8)
    cfg = TrainConfig(crop=(32, 32), scale=(1.0, 1.0))
    out_img, out_lab = augment(img, lab, cfg, 255, np.random.default_rng(0))
    assert out_img.shape == (32, 32, 3) and out_lab.shape == (32, 32)
    assert (out_lab == 255).sum() == 32 * 32 - 20 * 30  # the padding is void
    real = out_lab != 255
    assert np.array_equal(out_lab[real] == 1, out_img[..., 0][real] == 255)
