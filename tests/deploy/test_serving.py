"""Served inference on a real Ray cluster on 127.0.0.1, deployed from ``deploy/ray/serve_config.yaml``.

The module fixture starts a private Ray head (2 CPUs, 6 GiB, a 200 MB object store, no dashboard, its own temp
folder and ports), ``serve run``s the config file on it, and stops every process it started at the end. Without
``ray[serve]`` installed the module is skipped with that reason, except in CI (``VISION_CI=1``), where that fails.

Tolerances, served vs in-process (same code, same model files, another process):
segmentation class maps identical (0 pixels differ); style images within 1 grey level; face boxes/landmarks
within 1e-4 px and embeddings within 1e-5; video probabilities within 1e-6 with the same frames per segment;
DCGAN samples identical; restoration within 1 grey level with the same digit chosen.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import threading
import time

import numpy as np
import pytest

from bench.appserver import free_port, start_streamlit, stop, wait_healthy
from models import backends, serving
from models.serving import InferenceUnavailable, ServedInputError, auth, wire
from tests.conftest import ROOT

RAY = importlib.util.find_spec("ray") is not None and importlib.util.find_spec("ray.serve") is not None


# --- no cluster needed ------------------------------------------------------------------------------
def test_wire_round_trip_and_refusals():
    arrays = {"rgb": np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3), "z": np.zeros(0, np.float32),
              "m": np.array([[True, False]]), "f": np.linspace(0, 1, 5)}
    params, out = wire.unpack(wire.pack({"model": "x", "n": [1, 2]}, arrays))
    assert params == {"model": "x", "n": [1, 2]}
    for k, a in arrays.items():
        assert out[k].dtype == a.dtype and out[k].shape == a.shape and np.array_equal(out[k], a)
    with pytest.raises(wire.WireError):
        wire.pack({}, {"o": np.array([object()])})  # objects never travel (no pickle)
    msg = wire.pack({}, {"a": np.ones(10, np.uint8)})
    for bad in (b"", b"GIF89a", msg[:-1], msg + b"x", msg.replace(b'"uint8"', b'"object"')):
        with pytest.raises(wire.WireError):
            wire.unpack(bad)


def test_default_is_in_process(monkeypatch):
    from models import segmentation as seg

    monkeypatch.delenv(serving.SERVE_ADDRESS_ENV, raising=False)
    assert not backends.is_served("segmentation", "deeplab_mnv2_513_quant")
    assert serving.serving_status().mode == "in-process"
    # Options the Serve application does not host stay in-process even when an address is set.
    monkeypatch.setenv(serving.SERVE_ADDRESS_ENV, "http://127.0.0.1:9")
    for capability, option in (("segmentation", "deeplab_xception_frozen"), ("segmentation", "fcn8s_camvid"),
                               ("style", "saved_model"), ("faces", "sface"), ("video", "frames_mobilenet")):
        assert not backends.is_served(capability, option), (capability, option)
    assert isinstance(backends.backend("segmentation", "deeplab_mnv2_513_quant"), seg.ServedSegmenter)


def test_unreachable_address_says_inference_is_unavailable(monkeypatch, shared_assets):
    from models.imaging import read_image

    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    monkeypatch.setenv(serving.SERVE_ADDRESS_ENV, f"http://127.0.0.1:{port}")
    segmenter = backends.backend("segmentation", "deeplab_mnv2_513_quant")
    rgb = read_image(shared_assets / "samples" / "cat.jpg").rgb
    start = time.perf_counter()
    with pytest.raises(InferenceUnavailable, match="Inference is unavailable") as err:
        segmenter.predict(rgb)
    took = time.perf_counter() - start
    print(f"unreachable: failed after {took:.2f} s (one retry); reason for the admin: {err.value.reason[:80]}")
    assert took < 10
    status = serving.serving_status(timeout_s=1.0)
    assert status.mode == "served" and not status.reachable
    assert all(not c.reachable and c.error for c in status.capabilities)


@pytest.mark.parametrize("page", ["1_Segmentation.py", "3_Digit_GAN.py", "4_Style_Transfer.py",
                                  "5_Face_Similarity.py", "6_Video_Classification.py"])
def test_pages_say_inference_is_unavailable_when_the_server_is_unreachable(monkeypatch, shared_assets, page):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv(serving.SERVE_ADDRESS_ENV, "http://127.0.0.1:9")  # discard port: connection refused
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=120).run()
    assert not at.exception, at.exception
    assert any("Inference is unavailable" in e.value for e in at.error), [e.value for e in at.error]


def test_config_files_are_valid_and_agree():
    """serve_config.yaml and the RayService's serveConfigV2 validate with Serve's own schema and host the same
    applications with the same settings (only ray_actor_options are sized for the cluster)."""
    if not RAY:
        pytest.skip("ray[serve] is not installed")
    import yaml
    from ray.serve.schema import ServeDeploySchema

    local = yaml.safe_load((ROOT / "deploy" / "ray" / "serve_config.yaml").read_text())
    service, policy = yaml.safe_load_all((ROOT / "deploy" / "ray" / "rayservice.yaml").read_text())
    assert service["kind"] == "RayService" and service["spec"]["rayClusterConfig"]["rayVersion"] == __import__("ray").__version__
    # Locked down: Ray token auth, the Serve token from a Secret on every Ray container, a NetworkPolicy over them.
    rc = service["spec"]["rayClusterConfig"]
    assert rc["authOptions"] == {"mode": "token"} and "dashboard-host" not in rc["headGroupSpec"]["rayStartParams"]
    groups = [rc["headGroupSpec"], *rc["workerGroupSpecs"]]
    for g in groups:
        env = {e["name"]: e for e in g["template"]["spec"]["containers"][0]["env"]}
        assert env[auth.TOKEN_ENV]["valueFrom"]["secretKeyRef"]["name"] == "vision-models-serve-token"
        assert g["template"]["metadata"]["labels"] == policy["spec"]["podSelector"]["matchLabels"]
    assert policy["kind"] == "NetworkPolicy" and policy["spec"]["policyTypes"] == ["Ingress"]
    ported = {tuple(p["port"] for p in rule["ports"]) for rule in policy["spec"]["ingress"] if "ports" in rule}
    assert ported == {(8000,), (8265, 52365)}  # the UI pods: Serve only; the operator: the dashboard only
    cluster = yaml.safe_load(service["spec"]["serveConfigV2"])
    for cfg in (local, cluster):
        ServeDeploySchema.model_validate(cfg)

    def strip(cfg):
        return [{**a, "deployments": [{k: v for k, v in d.items() if k != "ray_actor_options"}
                                      for d in a.get("deployments", [])]} for a in cfg["applications"]]

    assert strip(local) == strip(cluster)
    assert [a["name"] for a in local["applications"]] == list(serving.CAPABILITIES)
    gpu = {d["name"]: d["ray_actor_options"]["num_gpus"] for a in cluster["applications"] for d in a["deployments"]}
    assert gpu["Faces"] > 0 and gpu["Digits"] > 0


# --- a real Ray cluster -----------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _fresh_streamlit_caches():
    """Pages cache their backends (st.cache_resource) by option, not by VISION_SERVE_ADDRESS: a served (or
    unreachable) backend cached here must not outlive this module's tests (the DCGAN page tests that run later
    got this module's dead served generator)."""
    import streamlit as st

    yield
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture(scope="module")
def cluster(shared_assets):
    if not RAY:
        if os.environ.get("VISION_CI") == "1":
            pytest.fail("ray[serve] is not installed: pip install -r requirements-serve.txt")
        pytest.skip("ray[serve] is not installed (pip install -r requirements-serve.txt)")
    from models.serving.local_cluster import LocalCluster

    c = LocalCluster(num_cpus=2, memory_bytes=6 * 1024**3, object_store_bytes=200 * 1024**2,
                     env={"VISION_STORE": str(shared_assets), "VISION_OFFLINE": "1"})
    start = time.perf_counter()
    c.start()
    try:
        c.deploy(timeout_s=600)
        print(f"\nRay cluster {c.address} + Serve at {c.serve_address} ready in {time.perf_counter() - start:.1f} s")
        yield c
    finally:
        c.stop()


@pytest.fixture
def served(cluster, monkeypatch):
    monkeypatch.setenv(serving.SERVE_ADDRESS_ENV, cluster.serve_address)
    monkeypatch.setenv(auth.TOKEN_ENV, cluster.token)  # what a UI server's production.env holds
    return cluster


@pytest.fixture(scope="module")
def images(shared_assets):
    from models.imaging import read_image

    s = shared_assets / "samples"
    return {k: read_image(s / f).rgb for k, f in
            {"cat": "cat.jpg", "people": "two_people_snow.jpg", "face": "face.jpg", "hopper": "grace_hopper.jpg",
             "style": "styles/starry_night_van_gogh.jpg"}.items()}


def test_status_lists_served_models(served):
    status = serving.serving_status()
    assert status.mode == "served" and status.reachable, status
    by = {c.capability: c for c in status.capabilities}
    assert set(by) == set(serving.CAPABILITIES)
    assert by["segmentation"].version == "1" and "deeplab_mnv2_513_quant" in by["segmentation"].models
    assert "deeplab_257_float" in by["segmentation"].available
    assert by["video"].models == ["movinet_a0_stream"]
    for c in status.capabilities:
        print(f"{c.capability:13s} v{c.version} replica {c.replica} batch {c.max_batch_size} models {c.models}")


@pytest.mark.parametrize("model_id", ["deeplab_mnv2_513_quant", "deeplab_257_float"])
def test_segmentation_served_equals_in_process(served, images, model_id):
    from models import segmentation as seg
    from models.store import Store

    store = Store()
    model = seg.SegModel(model_id)
    local = seg.segmenter_from_file(model, store.require(model_id), seg.load_labels(store.path("pascal_voc_labels")))
    remote = backends.backend("segmentation", model)
    for name in ("cat", "people"):
        a, b = local.predict(images[name]), remote.predict(images[name])
        assert b.class_map.dtype == np.uint8 and b.class_map.shape == a.class_map.shape
        assert int((a.class_map != b.class_map).sum()) == 0
        assert b.labels == a.labels and b.model == model_id
        assert [s.name for s in b.found()[0]] == [s.name for s in a.found()[0]]
    print(f"{model_id}: served timings {', '.join(f'{k} {v:.0f} ms' for k, v in b.timings_ms.items())}")


def test_served_segmentation_refuses_an_unknown_model_in_words(served, images):
    from models.segmentation import ServedSegmenter
    from models.serving.client import client_for

    s = ServedSegmenter(client_for(served.serve_address), "deeplab_mnv2_513_quant")
    with pytest.raises(ServedInputError, match="deeplab_nope"):
        client_for(served.serve_address).call("segmentation", "predict", {"model": "deeplab_nope"},
                                              {"rgb": images["cat"]})
    assert s.predict(images["cat"]).class_map.shape == images["cat"].shape[:2]  # the replica is still up


def test_a_registered_row_works_served_and_local(served, monkeypatch, tmp_path):
    """A segmentation row added with ``models.segmentation.register`` in the UI process (the model server's process
    never ran that call): in served mode it is built here and gives the same class map as with no address, the
    built-in rows still go to the server, the server refuses the new id in words, and the page runs the row."""
    import dataclasses

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from models import registry
    from models import segmentation as seg
    from models.serving.client import client_for
    from models.store import Store
    from tests.page.test_one_row_adds_a_model import ENTRY, ROW
    from tests.unit.test_segmentation import RED, blob_image, build_tiny_classmap_tflite, iou

    store = tmp_path / "store"
    (store / ENTRY.path).parent.mkdir(parents=True)
    build_tiny_classmap_tflite(store / ENTRY.path)
    registry.register(ENTRY)
    seg.register(ROW)
    try:
        rgb = blob_image(300, 400, 150, 120, 60)  # a red disc (person) on grey
        assert not backends.is_served(seg.BACKENDS, ROW.entry_id) and backends.is_served(seg.BACKENDS, seg.SegModel.MNV2_513)
        here = backends.backend(seg.BACKENDS, ROW.entry_id, Store(store))
        assert type(here) is seg.Segmenter  # served mode, yet built in this process
        a = here.predict(rgb)
        assert iou(a.class_map == RED, np.all(rgb == (230, 20, 20), axis=-1)) > 0.9
        builtin = backends.backend(seg.BACKENDS, seg.SegModel.MNV2_513)
        assert type(builtin) is seg.ServedSegmenter and "network + queue" in builtin.predict(rgb).timings_ms
        with pytest.raises(ServedInputError, match="not a segmentation model served here"):
            client_for(served.serve_address).call("segmentation", "predict", {"model": ROW.entry_id}, {"rgb": rgb})
        # A row that claims served=True without the server knowing it fails in words, not with a stack trace.
        seg.register(dataclasses.replace(ROW, served=True))
        with pytest.raises(ServedInputError, match=ROW.entry_id):
            backends.backend(seg.BACKENDS, ROW.entry_id).predict(rgb)
        seg.register(ROW)

        monkeypatch.delenv(serving.SERVE_ADDRESS_ENV)
        local = backends.backend(seg.BACKENDS, ROW.entry_id, Store(store))
        assert type(local) is seg.Segmenter and np.array_equal(local.predict(rgb).class_map, a.class_map)

        # The page, served mode, the registered row picked: segmented here, no error.
        monkeypatch.setenv(serving.SERVE_ADDRESS_ENV, served.serve_address)
        monkeypatch.setenv("VISION_STORE", str(store))
        monkeypatch.setenv("VISION_SHOW_TIMINGS", "1")
        st.cache_resource.clear()
        st.cache_data.clear()
        at = AppTest.from_file(str(ROOT / "pages" / "1_Segmentation.py"), default_timeout=180).run()
        at.selectbox(key="seg_model").set_value(ROW.entry_id).run()
        assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
        badge = next(c.value for c in at.caption if c.value.startswith("⏱️"))
        assert "model" in badge and "network + queue" not in badge
        legend = [c.label.split(" — ")[0] for c in at.checkbox]
        assert legend and set(legend) <= {"person", "cat"}, legend
    finally:
        seg.unregister(ROW.entry_id)
        registry.unregister(ROW.entry_id)


def test_style_served_equals_in_process(served, images):
    from models import style as sty
    from models.store import Store

    local = sty.MagentaTFLite.from_store(sty.Backend.TFLITE_INT8, Store())
    remote = backends.backend("style", sty.Backend.TFLITE_INT8)
    sb_l, sb_r = local.bottleneck(images["style"], crop=True), remote.bottleneck(images["style"], crop=True)
    assert sb_r.shape == (1, 1, 1, 100) and np.abs(sb_l - sb_r).max() <= 1e-6
    for strength, side in ((1.0, 384), (0.6, 512)):
        a = local.stylize(images["cat"], images["style"], strength, side)
        b = remote.stylize(images["cat"], images["style"], strength, side)
        assert b.image.shape == a.image.shape and b.image.dtype == np.uint8
        assert int(np.abs(a.image.astype(int) - b.image).max()) <= 1
    cb = remote.bottleneck(images["cat"])
    c = remote.stylize(images["cat"], None, 0.5, 384, style_bottleneck=sb_r, content_bottleneck=cb)
    d = local.stylize(images["cat"], None, 0.5, 384, style_bottleneck=sb_l, content_bottleneck=local.bottleneck(images["cat"]))
    assert int(np.abs(c.image.astype(int) - d.image).max()) <= 1


def test_faces_served_equals_in_process(served, images):
    from models import faces as F

    local = F.FaceAnalyzer(F.DlibEmbedder())
    remote = backends.backend("faces", F.Embedder.DLIB)
    assert remote.spec == local.spec
    for name, kwargs in (("face", {}), ("hopper", {"confirm": True, "max_side": 320})):
        a, b = local.analyze(images[name], **kwargs), remote.analyze(images[name], **kwargs)
        assert len(a.faces) == len(b.faces) >= 1
        for p, q in zip(a.faces, b.faces, strict=True):
            assert np.abs(p.box - q.box).max() <= 1e-4 and np.abs(p.landmarks - q.landmarks).max() <= 1e-4
            assert np.abs(p.embedding - q.embedding).max() <= 1e-5 and np.array_equal(p.chip, q.chip)
        assert a.messages == b.messages and a.image_size == b.image_size and a.detect_scale == b.detect_scale
    one = remote.analyze(images["hopper"])
    v = F.verify(one.faces[0], local.analyze(images["hopper"]).faces[0], remote.spec, F.Metric.EUCLIDEAN, 0.6)
    assert v.same and v.distance < 1e-4


def test_faces_concurrent_requests_all_answer(served, images):
    """8 requests at once: all answer (no thread-pool deadlock; with batching on too, see the last test) with the
    single-request results."""
    from concurrent.futures import ThreadPoolExecutor

    from models.faces import ServedFaceAnalyzer
    from models.serving.client import ServeClient

    analyzer = ServedFaceAnalyzer(ServeClient(served.serve_address, timeout_s=120, retries=0))
    one = analyzer.analyze(images["face"])
    with ThreadPoolExecutor(8) as pool:
        many = list(pool.map(lambda _: analyzer.analyze(images["face"]), range(8)))
    for a in many:
        assert len(a.faces) == len(one.faces)
        for p, q in zip(a.faces, one.faces, strict=True):
            assert np.abs(p.embedding - q.embedding).max() <= 1e-5


def test_video_served_equals_in_process(served, shared_assets):
    from models import video as V

    local = V.create("movinet_a0_stream")
    remote = backends.backend("video", "movinet_a0_stream")
    assert remote.labels == local.labels and remote.semantics is local.semantics
    clip = (shared_assets / "samples" / "video" / "basketball.mp4").read_bytes()
    video = V.decode_video(clip, "basketball.mp4")
    a = V.classify(video, local, V.Options(segment_seconds=2.0))
    b = V.classify(video, remote, V.Options(segment_seconds=2.0))
    assert np.abs(a.probs - b.probs).max() <= 1e-6
    assert [t for t, _ in a.top] == [t for t, _ in b.top] and len(a.segments) == len(b.segments) >= 4
    for p, q in zip(a.segments, b.segments, strict=True):
        assert np.abs(p.probs - q.probs).max() <= 1e-6 and np.array_equal(p.frame_indices, q.frame_indices)
    print(f"video top-1 served: {b.top[0]}")


def test_dcgan_generate_and_restore_served_equal_in_process(served):
    from models import digits as D
    from models.digits import guesser

    gen, disc, g = D.load_generator(), D.load_discriminator(), guesser.load()
    remote = backends.backend("digits", "dcgan")
    for psi, digit in ((D.DEFAULT_TRUNCATION, 3), (1.0, None)):
        a_img, a_lab = gen.with_truncation(psi).generate(16, digit, 42)
        b_img, b_lab = remote.with_truncation(psi).generate(16, digit, 42)
        assert np.array_equal(a_lab, b_lab) and int(np.abs(a_img.astype(int) - b_img).max()) <= 1
    assert int(np.abs(gen.interpolate(1, 2, 3, 8, steps=6).astype(int) - remote.interpolate(1, 2, 3, 8, steps=6)).max()) <= 1
    images, _ = gen.generate(2, 7, 5)
    masks = D.preset_mask(D.MaskPreset.RANDOM_BLOCK_30, seed=1)[None].repeat(2, 0)
    cfg = D.RestoreConfig(steps=30, restarts=1, init_samples=4)
    a = D.restore(gen, disc, images, masks, cfg, guesser=g)
    b = D.restore_digits(images, masks, cfg, local=lambda: None)
    assert np.array_equal(a.digit, b.digit) and np.array_equal(a.candidates, b.candidates)
    assert int(np.abs(a.restored.astype(int) - b.restored).max()) <= 1
    print(f"restore: digits {b.digit.tolist()} loss local {a.loss.round(3).tolist()} served {b.loss.round(3).tolist()}")


_RAY_DRIVER = """
import json, sys, ray
ray.init(address=sys.argv[1], namespace="serve", log_to_driver=False, logging_level="ERROR")
def names():
    return [a["name"] for a in ray.util.list_named_actors(all_namespaces=True)
            if a["name"].startswith("SERVE_REPLICA::digits#Digits")]
print("ready", flush=True)
for line in sys.stdin:
    if line.strip() == "names":
        print(json.dumps(names()), flush=True)
    elif line.strip() == "kill":  # SIGKILL of the replica's worker process
        ray.kill(ray.get_actor(names()[0], namespace="serve"), no_restart=True)
        print("killed", flush=True)
"""


class _Driver:
    """A Ray driver in its own process (Ray reads its node-address and token settings once per process, at
    import): ``ask("names")`` lists the Digits replicas, ``ask("kill")`` kills the first."""

    def __init__(self, cluster):
        import subprocess
        import sys

        self.proc = subprocess.Popen([sys.executable, "-c", _RAY_DRIVER, cluster.address], text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     env={**os.environ, **cluster.ray_env}, cwd=ROOT)
        assert self._line() == "ready"

    def _line(self) -> str:
        return self.proc.stdout.readline().strip()  # type: ignore[union-attr]

    def ask(self, command: str):
        import json

        self.proc.stdin.write(command + "\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        line = self._line()
        return json.loads(line) if line.startswith("[") else line

    def close(self) -> None:
        self.proc.stdin.close()  # type: ignore[union-attr]
        self.proc.wait(timeout=60)


def test_replica_killed_mid_request_retries_or_says_so_then_recovers(served):
    """Kill the Digits replica's process during a long restoration: the call returns a result (retried) or raises
    InferenceUnavailable, never hangs; Ray starts a new replica and the next request succeeds."""
    from models import digits as D

    driver = _Driver(served)
    try:
        names = driver.ask("names")
        assert len(names) == 1, names
        images = np.zeros((1, 28, 28), np.uint8)
        images[0, 6:22, 12:16] = 255
        masks = D.preset_mask(D.MaskPreset.RANDOM_BLOCK_30, seed=0)[None]
        outcome: dict = {}

        def long_request():
            t = time.perf_counter()
            try:
                outcome["result"] = D.restore_digits(images, masks, D.RestoreConfig(steps=400), local=lambda: None)
            except InferenceUnavailable as exc:
                outcome["error"] = exc
            outcome["seconds"] = time.perf_counter() - t

        th = threading.Thread(target=long_request)
        th.start()
        time.sleep(2.0)  # the restoration is running (400 steps take longer than this)
        assert th.is_alive()
        killed = time.perf_counter()
        assert driver.ask("kill") == "killed"
        th.join(timeout=400)
        assert not th.is_alive(), "the request hung after its replica died"
        if "error" in outcome:
            assert "Inference is unavailable" in str(outcome["error"])
            print(f"\nrequest in flight: clear message after {outcome['seconds']:.1f} s: {outcome['error']}")
        else:
            assert outcome["result"].restored.shape == (1, 28, 28)
            print(f"\nrequest in flight: answered after a retry, {outcome['seconds']:.1f} s in all")
        gen = backends.backend("digits", "dcgan")
        deadline = time.perf_counter() + 300
        while True:
            try:
                imgs, _ = gen.generate(4, 1, 0)
                break
            except InferenceUnavailable:
                assert time.perf_counter() < deadline, "no recovery within 300 s"
                time.sleep(1.0)
        recovered = time.perf_counter() - killed
        assert imgs.shape == (4, 28, 28)
        new = driver.ask("names")
        assert new and new != names
        print(f"recovery: next request succeeded {recovered:.1f} s after the kill (new replica {new[0].rsplit('#', 1)[-1]})")
    finally:
        driver.close()


# --- pages (AppTest) against the served backends: the same page results as in-process ----------------------
def _page(name: str):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_resource.clear()  # the loaders are process-wide caches: never reuse the other mode's backend
    st.cache_data.clear()
    return AppTest.from_file(str(ROOT / "pages" / name), default_timeout=180)


def _both(monkeypatch, served, name: str, check):
    """Run a page in-process, then served; ``check(at)`` extracts what must be the same."""
    monkeypatch.delenv(serving.SERVE_ADDRESS_ENV, raising=False)
    at = _page(name).run()
    assert not at.exception, at.exception
    local = check(at)
    monkeypatch.setenv(serving.SERVE_ADDRESS_ENV, served.serve_address)
    monkeypatch.setenv("VISION_SHOW_TIMINGS", "1")  # the ⏱️ breakdown (hidden from visitors) names the network part
    at = _page(name).run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    remote = check(at)
    return local, remote, at


def test_pages_segmentation_style_faces_video_served_as_in_process(served, monkeypatch):
    legend = lambda at: [c.label for c in at.checkbox]
    a, b, at = _both(monkeypatch, served, "1_Segmentation.py", legend)
    assert a == b and any(t.startswith("cat — ") for t in b), b
    assert any("network + queue" in c.value for c in at.caption)  # the served run did go to the server

    style = lambda at: at.session_state["style_result"]
    a, b, _ = _both(monkeypatch, served, "4_Style_Transfer.py", style)
    assert a.shape == b.shape == (512, 437, 3) and int(np.abs(a.astype(int) - b).max()) <= 1  # default 512 px

    def verdict(at):
        return (float(next(m.value for m in at.metric if m.label.endswith("distance"))),
                [w.value for w in at.warning if "people" in w.value])

    a, b, _ = _both(monkeypatch, served, "5_Face_Similarity.py", verdict)
    assert abs(a[0] - b[0]) <= 1e-4 and a[1] == b[1] and "Different people" in b[1][0]

    top5 = lambda at: at.dataframe[0].value["Label"].tolist()
    a, b, _ = _both(monkeypatch, served, "6_Video_Classification.py", top5)
    assert a == b and len(b) == 5
    print(f"\npages served: video top-5 {b}")


def test_dcgan_page_generate_and_restore_served(served, monkeypatch):
    def metrics(at):
        return {m.label: m.value for m in at.metric}

    a, b, at = _both(monkeypatch, served, "3_Digit_GAN.py", metrics)
    assert a == b, (a, b)  # same 8x8 grid, same judge verdicts
    at.radio(key="gan_view").set_value(at.radio(key="gan_view").options[2]).run()  # Restore a digit
    at.number_input(key="rest_index").set_value(3)
    at.slider(key="rest_steps").set_value(50)
    at.run()
    at.button(key="rest_go").click().run()
    assert not at.exception and not at.error
    labels = [m.label for m in at.metric]
    assert "Error in the damage, DCGAN" in labels and "Best-fitting digit" in labels


# --- a real browser against a UI configured for the served backend -------------------------------------
class _Relay:
    """A TCP relay 127.0.0.1:port → the Serve proxy that the test can cut and restore (the cluster "goes away")."""

    def __init__(self, target_port: int):
        import socket

        self.target = target_port
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._server = None
        self._conns: list = []
        self.accepted = 0  # connections relayed to the Serve proxy (a page that used the served backend)

    def up(self) -> None:
        import socket

        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", self.port))
        srv.listen(64)
        self._server = srv
        threading.Thread(target=self._accept, args=(srv,), daemon=True).start()

    def down(self) -> None:
        import socket

        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.shutdown(socket.SHUT_RDWR)
            self._server.close()
            self._server = None
        for c in self._conns:
            c.close()
        self._conns.clear()

    def _accept(self, srv) -> None:
        import socket

        while True:
            try:
                client, _ = srv.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            self.accepted += 1
            self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b) -> None:
        try:
            while data := a.recv(1 << 16):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.close()


@pytest.fixture
def served_ui(served):
    """``streamlit run app.py`` with VISION_SERVE_ADDRESS pointing at a relay in front of the Serve proxy."""
    import tempfile
    from pathlib import Path

    relay = _Relay(int(served.serve_address.rsplit(":", 1)[1]))
    relay.up()
    log = tempfile.NamedTemporaryFile(prefix="streamlit-served-", suffix=".log", delete=False)  # noqa: SIM115 - lives as long as the server
    env = {**os.environ, serving.SERVE_ADDRESS_ENV: f"http://127.0.0.1:{relay.port}", "VISION_SHOW_TIMINGS": "1"}
    proc, url = start_streamlit(free_port(), log, env)
    wait_healthy(url, proc, Path(log.name), timeout=60)
    yield url, relay
    stop(proc, grace_s=10)
    relay.down()
    Path(log.name).unlink(missing_ok=True)


@pytest.mark.browser
def test_browser_segmentation_served_then_unavailable_then_recovers(served_ui, chromium, shared_assets):
    import re

    from tests.conftest import screenshot, wait_idle

    url, relay = served_ui
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(120_000)
    try:
        tab.goto(url + "/Segmentation")
        tab.get_by_text(re.compile(r"cat — \d+\.\d%")).wait_for()  # default sample, segmented by the server
        tab.get_by_text(re.compile(r"network \+ queue")).wait_for()
        wait_idle(tab)
        screenshot(tab, "serving_segmentation_served")

        relay.down()  # the model server goes away
        tab.locator('[data-testid="stRadio"]').filter(has_text="Camera").get_by_text("Upload", exact=True).click()
        wait_idle(tab)
        tab.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
            str(shared_assets / "samples" / "grace_hopper.jpg"))
        tab.get_by_text(re.compile("Inference is unavailable right now")).wait_for()
        wait_idle(tab)
        screenshot(tab, "serving_segmentation_unavailable")

        relay.up()  # back: the next run of the page works again, nothing to restart
        tab.get_by_role("button", name="Try again").click()
        tab.get_by_text(re.compile(r"person — \d+\.\d%")).wait_for()
        wait_idle(tab)
        screenshot(tab, "serving_segmentation_recovered")
    finally:
        context.close()


def test_batching_on_gives_the_same_results(served, images):
    """The config ships with batching off (measured slower on CPU); switched on (max_batch_size 4 for segmentation,
    style and faces), 8 concurrent requests each get the single-request answer."""
    from concurrent.futures import ThreadPoolExecutor

    from models import faces as F
    from models import segmentation as seg
    from models import style as sty
    from models.serving.client import client_for

    served.overrides = {a: {"args": {"max_batch_size": 4}} for a in ("segmentation", "style", "faces")}
    try:
        served.deploy()
        deadline = time.monotonic() + 300

        def applied(app: str) -> bool:
            try:
                return client_for(served.serve_address).info(app, timeout_s=10)["max_batch_size"] == 4
            except InferenceUnavailable:  # replicas being replaced on a busy host
                return False

        while not all(applied(a) for a in served.overrides):
            assert time.monotonic() < deadline, "batching config not applied"
            time.sleep(1.0)
        calls = {
            "segmentation": (lambda: backends.backend("segmentation", seg.SegModel.MNV2_513)
                             .predict(images["cat"]).class_map),
            "style": (lambda: backends.backend("style", sty.Backend.TFLITE_INT8)
                      .stylize(images["cat"], images["style"], 1.0, 384).image),
            "faces": (lambda: np.stack([f.embedding for f in backends.backend("faces", F.Embedder.DLIB)
                                        .analyze(images["face"]).faces])),
        }
        for name, call in calls.items():
            one = call()
            with ThreadPoolExecutor(8) as pool:
                many = list(pool.map(lambda _, c=call: c(), range(8)))
            tol = 1e-5 if name == "faces" else 1
            assert all(np.abs(m.astype(float) - one).max() <= tol for m in many), name
    finally:
        served.overrides = {}


@pytest.mark.browser
@pytest.mark.parametrize("page", ["Inpainting", "Digit_GAN", "Style_Transfer", "Face_Similarity",
                                  "Video_Classification"])
def test_browser_main_flow_of_each_page_against_the_served_ui(served_ui, chromium, page):
    """The main flow of each other page (the same flows as the proxy tests) in a UI configured for the served
    backend: the page's result appears, without an error box, and (except OpenCV inpainting, which is never
    served) its model calls went through the model server."""
    from tests.conftest import screenshot, wait_idle
    from tests.deploy.test_deploy_proxy import FLOWS

    url, relay = served_ui
    before = relay.accepted
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(180_000)
    try:
        tab.goto(f"{url}/{page}")
        FLOWS[page](tab)
        wait_idle(tab)
        screenshot(tab, f"serving_{page.lower()}")
        assert not tab.locator('[data-testid="stException"]').count()
        assert "Inference is unavailable" not in tab.inner_text("body")
        used = relay.accepted - before
        print(f"{page}: {used} connections to the model server")
        if page != "Inpainting":
            assert used > 0, f"{page} did not call the model server"
    finally:
        context.close()


# --- safe on the open internet: token, bounds, loopback -----------------------------------------------
def test_bounds_follow_restore_config_and_refuse_in_words():
    """No cluster: the bounds table names every RestoreConfig field with the same defaults, and refusals name
    the field and the bound."""
    import dataclasses

    from models.digits.restore import RestoreConfig
    from models.serving import limits

    assert [f.name for f in dataclasses.fields(RestoreConfig)] == list(limits.RestoreConfigLimits.model_fields)
    assert RestoreConfig(**limits.RestoreConfigLimits().model_dump()) == RestoreConfig()
    with pytest.raises(limits.RequestRefused, match=r"n: Input should be less than or equal to 100"):
        limits.check("digits", "generate", {"n": 100_000, "seed": 1}, {})
    with pytest.raises(limits.RequestRefused, match=r"config\.stepz: unknown field"):
        limits.check("digits", "restore", {"config": {"stepz": 1}},
                     {"images": np.zeros((1, 28, 28), np.uint8), "masks": np.zeros((1, 28, 28), bool)})
    with pytest.raises(limits.RequestRefused, match="finite"):
        limits.check("style", "stylize", {"backend": "tflite_int8", "strength": float("nan"), "max_side": 384,
                                          "large": "tiles"}, {"content": np.zeros((8, 8, 3), np.uint8)})


def test_a_deployment_refuses_to_start_without_a_token(monkeypatch):
    """Fail-closed: no VISION_SERVE_TOKEN (or a placeholder-short one) on the node, no replica."""
    if not RAY:
        pytest.skip("ray[serve] is not installed")
    from models.serving.capability import CapabilityDeployment

    monkeypatch.delenv(auth.TOKEN_ENV, raising=False)
    with pytest.raises(auth.TokenMissing, match="VISION_SERVE_TOKEN is not set"):
        CapabilityDeployment()
    for placeholder in ("change-me", "REPLACE-with-openssl-rand-hex-32"):  # the latter: deploy/production.env's
        monkeypatch.setenv(auth.TOKEN_ENV, placeholder)
        with pytest.raises(auth.TokenMissing, match="placeholder or a token shorter than"):
            CapabilityDeployment()
    monkeypatch.setenv(auth.TOKEN_ENV, "a" * 32 + ",," + "b" * 32)  # rotation: both accepted
    d = CapabilityDeployment()
    assert auth.authorized("Bearer " + "b" * 32, d._tokens) and not auth.authorized("Bearer " + "c" * 32, d._tokens)
    assert not auth.authorized("Basic " + "a" * 32, d._tokens) and not auth.authorized(None, d._tokens)


def test_requests_without_or_with_a_wrong_token_get_401(served):
    import requests

    from models.serving.client import ServeClient

    base = served.serve_address
    body = wire.pack({"n": 4, "digit": 1, "seed": 0})
    cases = {
        "GET /digits/info, no token": requests.get(f"{base}/digits/info", timeout=30),
        "GET /digits/info, wrong token": requests.get(f"{base}/digits/info", headers=auth.header("x" * 64), timeout=30),
        "GET /digits/info, Basic scheme": requests.get(f"{base}/digits/info",
                                                        headers={"Authorization": f"Basic {served.token}"}, timeout=30),
        "POST /digits/generate, no token": requests.post(f"{base}/digits/generate", data=body, timeout=30),
        "POST /segmentation/predict, wrong token": requests.post(f"{base}/segmentation/predict", data=body,
                                                                 headers=auth.header("x" * 64), timeout=30),
        "GET /digits/info, right token": requests.get(f"{base}/digits/info", headers=auth.header(served.token), timeout=30),
    }
    print()
    for name, r in cases.items():
        print(f"{name:42s} → {r.status_code} {r.text[:70]}")
    assert [r.status_code for r in cases.values()] == [401] * 5 + [200]
    info = cases["GET /digits/info, right token"].json()
    assert "pid" not in info and "store" not in info and str(served.temp_dir) not in str(info)
    assert not any(str(ROOT) in r.text or "/tmp/" in r.text for r in cases.values())
    wrong = ServeClient(base, token="y" * 64, retries=1)
    start = time.perf_counter()
    with pytest.raises(serving.ServeAuthError, match="Inference is unavailable") as err:
        wrong.call("digits", "generate", {"n": 4, "digit": 1, "seed": 0})
    took = time.perf_counter() - start
    print(f"client with a wrong token: {type(err.value).__name__} after {took:.2f} s (no retry); admin: {err.value.reason}")
    assert took < 1.0 and auth.TOKEN_ENV in err.value.reason  # no retry (it waits RETRY_DELAY_S = 1 s)


def test_oversized_requests_get_400_before_any_work(served):
    """Each out-of-bounds field (count, steps, sizes, arrays, body bytes, non-finite numbers) is refused in
    well under a second: the 65-byte ``generate n=100000`` that took 76 s of replica CPU and returned 79 MB."""
    import requests

    base, headers = served.serve_address, auth.header(served.token)
    img = np.zeros((1, 20_001, 3), np.uint8)  # one side over the 20 000-px bound (60 kB)
    chip = np.zeros((1, 28, 28), np.uint8)
    cases = {
        "digits/generate n=100000": ("digits/generate", wire.pack({"n": 100_000, "digit": None, "seed": 1})),
        "digits/generate truncation=NaN": ("digits/generate", wire.pack({"n": 4, "seed": 1, "truncation": float("nan")})),
        "digits/interpolate steps=100000": ("digits/interpolate", wire.pack(
            {"seed_a": 1, "seed_b": 2, "digit_a": 3, "steps": 100_000})),
        "digits/restore config.steps=1e6": ("digits/restore", wire.pack(
            {"config": {"steps": 1_000_000}}, {"images": chip, "masks": chip.astype(bool)})),
        "digits/restore 1000 images": ("digits/restore", wire.pack(
            {}, {"images": np.zeros((1000, 28, 28), np.uint8), "masks": np.zeros((1000, 28, 28), bool)})),
        "style/stylize max_side=100000": ("style/stylize", wire.pack(
            {"backend": "tflite_int8", "strength": 1.0, "max_side": 100_000, "large": "tiles"},
            {"content": np.zeros((8, 8, 3), np.uint8), "style": np.zeros((8, 8, 3), np.uint8)})),
        "faces/analyze max_faces=10^6": ("faces/analyze", wire.pack({"max_faces": 10**6},
                                                                    {"rgb": np.zeros((8, 8, 3), np.uint8)})),
        "segmentation/predict 20001-px side": ("segmentation/predict", wire.pack({"model": "deeplab_mnv2_513_quant"},
                                                                                  {"rgb": img})),
        "video/score 2000 segments": ("video/score", wire.pack(
            {"choice": "movinet_a0_stream", "duration": 1.0, "pooling": "mean", "segments": [[0, 0, 1]] * 2000},
            {"frames": np.zeros((1, 172, 172, 3), np.uint8), "times": np.zeros(1)})),
        "digits/generate 2 MiB body": ("digits/generate", wire.pack({"n": 4, "seed": 1},
                                                                    {"pad": np.zeros(2 << 20, np.uint8)})),
    }
    print()
    for name, (path, body) in cases.items():
        start = time.perf_counter()
        r = requests.post(f"{base}/{path}", data=body, headers=headers, timeout=60)
        took = time.perf_counter() - start
        print(f"{name:36s} {len(body):>8d} B → {r.status_code} in {took * 1000:4.0f} ms: {r.json()['error'][:90]}")
        assert r.status_code == 400, (name, r.status_code, r.text[:200])
        assert took < 2.0, (name, took)
        assert "refused" in r.json()["error"] and "Traceback" not in r.text
    ok = requests.post(f"{base}/digits/generate", data=wire.pack({"n": 100, "digit": None, "seed": 1}),
                       headers=headers, timeout=60)
    assert ok.status_code == 200 and wire.unpack(ok.content)[1]["images"].shape == (100, 28, 28)  # the bound itself


def test_unknown_config_field_is_400_and_the_client_does_not_retry(served):
    """Through a relay that counts connections: a retry opens a fresh one (the client drops its session)."""
    from models.serving.client import ServeClient

    relay = _Relay(int(served.serve_address.rsplit(":", 1)[1]))
    relay.up()
    try:
        c = ServeClient(f"http://127.0.0.1:{relay.port}", retries=1)
        chip = np.zeros((1, 28, 28), np.uint8)
        with pytest.raises(ServedInputError, match=r"config\.stepz: unknown field") as err:
            c.call("digits", "restore", {"config": {"stepz": 5}}, {"images": chip, "masks": chip.astype(bool)})
        print(f"\nunknown config field: ServedInputError({err.value}); connections: {relay.accepted}")
        assert relay.accepted == 1
    finally:
        relay.down()


def test_every_ray_port_listens_on_loopback_and_ray_needs_its_token(served):
    """``ss -ltnp`` while the cluster serves: every listening socket of the cluster's processes (GCS, raylet,
    agents, dashboard head, Serve controller / proxy / replicas) is on 127.0.0.1; a driver without Ray's token is
    turned away."""
    import re
    import subprocess
    import sys

    ours = set(served.pids())
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    lines = [ln for ln in out.splitlines() if {int(p) for p in re.findall(r"pid=(\d+),", ln)} & ours]
    print(f"\nss -ltnp: {len(lines)} listening sockets of the cluster's {len(ours)} processes")
    for ln in lines:
        print("  " + " ".join(ln.split()))
    local = [ln.split()[3] for ln in lines]
    assert f"127.0.0.1:{served.http_port}" in local and any(a.endswith(f":{served.gcs_port}") for a in local)
    assert len(lines) >= 10  # GCS, raylet, agents, dashboard head, Serve controller, proxy, replicas
    outside = [a for a in local if not re.match(r"^(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]|\[::1\]):\d+$", a)]
    assert not outside, outside
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")},
           "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
    probe = subprocess.run([sys.executable, "-c", f"import ray; ray.init(address={served.address!r}); print('IN')"],
                           capture_output=True, text=True, env=env, timeout=120)
    said = (probe.stdout + probe.stderr).strip().splitlines()
    print(f"driver without RAY_AUTH_TOKEN: exit {probe.returncode}: {said[-1][:160] if said else ''}")
    assert probe.returncode != 0 and "IN" not in probe.stdout
