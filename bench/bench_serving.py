"""In-process vs Ray Serve: per-action latency (overhead in ms and %), and throughput of segmentation and style
with 1 vs 2 replicas, with and without dynamic batching, under 8 concurrent requests.

Starts its own Ray cluster on 127.0.0.1 (``models.serving.local_cluster``: ``--cpus`` CPUs, 6 GiB, 200 MB object
store), deploys ``deploy/ray/serve_config.yaml``, and stops it at the end. Needs the model store
(``VISION_STORE``) and ``requirements-serve.txt``::

    VISION_STORE=../shared/assets .venv/bin/python bench/bench_serving.py [--runs 5] [--requests 24] [--faces]

The figures depend on the host: the printout starts with its CPU count and load average. On a host whose CPUs
are shared with other work, the client, the proxy and the replicas compete with it for the same cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("VISION_OFFLINE", "1")

from models import backends, serving
from models.imaging import read_image
from models.serving.local_cluster import LocalCluster
from models.store import Store


def median_ms(fn, runs: int) -> float:
    fn()  # warm-up (first call: lazy loads, traced functions, connections)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000.0)
    return statistics.median(times)


def actions(local: bool, store: Store, img: dict):
    """name → zero-argument call, through the in-process or the served backend (same inputs)."""
    from models import digits as D
    from models import faces as F
    from models import segmentation as seg
    from models import style as sty
    from models import video as V

    def pick(cap, choice, build):
        return build() if local else backends.backend(cap, choice)

    m = seg.SegModel.MNV2_513
    segmenter = pick("segmentation", m, lambda: seg.segmenter_from_file(m, store.require(m.value),
                                                                   seg.load_labels(store.path("pascal_voc_labels"))))
    style = pick("style", sty.Backend.TFLITE_INT8, lambda: sty.MagentaTFLite.from_store(sty.Backend.TFLITE_INT8, store))
    faces = pick("faces", F.Embedder.DLIB, lambda: F.FaceAnalyzer(F.DlibEmbedder()))
    video = pick("video", "movinet_a0_stream", lambda: V.create("movinet_a0_stream", store))
    gen = pick("digits", "dcgan", D.load_generator)
    clip = V.decode_video(img["clip"], "basketball.mp4")
    mask = D.preset_mask(D.MaskPreset.RANDOM_BLOCK_30, seed=1)[None]
    cfg = D.RestoreConfig(steps=50)
    if local:
        disc, guesser = D.load_discriminator(), __import__("models.digits.guesser", fromlist=["load"]).load()
    digit = img["digit"]

    def restore():
        if local:
            return D.restore(gen, disc, digit, mask, cfg, guesser=guesser)
        return D.restore_digits(digit, mask, cfg, local=lambda: None)

    return {
        "segmentation 512×341 (DeepLab 513 uint8)": lambda: segmenter.predict(img["cat"]),
        "style 384 px (Magenta TFLite int8)": lambda: style.stylize(img["cat"], img["style"], 1.0, 384),
        "faces analyze (4 faces, MTCNN + dlib)": lambda: faces.analyze(img["face"]),
        "video 10-s clip (MoViNet-A0 stream)": lambda: V.classify(clip, video),
        "DCGAN generate 64 digits": lambda: gen.generate(64, None, 42),
        "DCGAN restore 1 digit, 50 steps": restore,
    }


def latency(store: Store, img: dict, runs: int) -> None:
    print("\n## Latency per action: in-process vs served (median of", runs, "runs after a warm-up)")
    print(f"{'action':42s} {'in-process':>11s} {'served':>9s} {'overhead':>10s} {'':>7s}")
    loc = actions(True, store, img)
    srv = actions(False, store, img)
    for name in loc:
        a = median_ms(loc[name], runs if "restore" not in name and "video" not in name else max(2, runs // 2))
        b = median_ms(srv[name], runs if "restore" not in name and "video" not in name else max(2, runs // 2))
        print(f"{name:42s} {a:9.0f} ms {b:6.0f} ms {b - a:+7.0f} ms {100 * (b - a) / a:+6.0f} %", flush=True)


def concurrent(fn, clients: int, requests: int) -> float:
    """Requests per second with ``clients`` threads sharing ``requests`` calls."""
    counter = iter(range(requests))
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            fn()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return requests / (time.perf_counter() - t)


def wait_applied(cluster: LocalCluster, app: str, replicas: int, batch: int, timeout_s: float = 300) -> None:
    from ray import serve

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        st = serve.status().applications.get(app)
        if st is not None and st.status == "RUNNING":
            dep = next(iter(st.deployments.values()))
            running = dep.replica_states.get("RUNNING", 0)
            if running == replicas and sum(dep.replica_states.values()) == replicas:
                from models.serving.client import client_for

                info = client_for(cluster.serve_address).info(app)
                if info["max_batch_size"] == batch:
                    return
        time.sleep(1.0)
    raise TimeoutError(f"{app}: {replicas} replicas with batch {batch} not running after {timeout_s} s")


def throughput(cluster: LocalCluster, img: dict, requests: int, clients: int, with_faces: bool,
               only: list[str] | None = None) -> None:
    import ray

    from models import faces as F
    from models import segmentation as seg
    from models import style as sty

    ray.init(address=cluster.address, log_to_driver=False, logging_level="ERROR")
    print(f"\n## Throughput under {clients} concurrent requests ({requests} requests per cell), requests/s")
    calls = {
        "segmentation": lambda: backends.backend("segmentation", seg.SegModel.MNV2_513).predict(img["cat"]),
        "style": lambda: backends.backend("style", sty.Backend.TFLITE_INT8).stylize(
            img["cat"], img["style"], 1.0, 384),
    }
    if with_faces:
        calls["faces"] = lambda: backends.backend("faces", F.Embedder.DLIB).analyze(img["face"])
    if only:
        calls = {k: v for k, v in calls.items() if k in only}
    store = Store()
    local = {
        "segmentation": seg.segmenter_from_file(seg.SegModel.MNV2_513, store.require("deeplab_mnv2_513_quant"),
                                           seg.load_labels(store.path("pascal_voc_labels"))),
        "style": sty.MagentaTFLite.from_store(sty.Backend.TFLITE_INT8, store),
        "faces": F.FaceAnalyzer(F.DlibEmbedder()) if "faces" in calls else None,
    }
    local_calls = {"segmentation": lambda: local["segmentation"].predict(img["cat"]),
                   "style": lambda: local["style"].stylize(img["cat"], img["style"], 1.0, 384),
                   "faces": lambda: local["faces"].analyze(img["face"])}
    cells = [(1, 1), (1, 4), (2, 1), (2, 4)]
    print(f"{'capability':13s} {'in-process':>11s} " + " ".join(f"{f'{r} repl., batch {b}':>17s}" for r, b in cells))
    try:
        for app, fn in calls.items():
            local_calls[app]()
            row = [concurrent(local_calls[app], clients, requests)]
            for replicas, batch in cells:
                over = {a: {"args": {"max_batch_size": batch}, "deployment": {"num_replicas": replicas}}
                        for a in calls}
                cluster.overrides = over
                cluster.deploy(apps=list(calls))
                wait_applied(cluster, app, replicas, batch)
                for _ in range(3):
                    fn()  # warm every replica's connection and model
                row.append(concurrent(fn, clients, requests))
            print(f"{app:13s} {row[0]:11.2f} " + " ".join(f"{r:17.2f}" for r in row[1:]), flush=True)
    finally:
        ray.shutdown()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--requests", type=int, default=24)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--cpus", type=int, default=2)
    p.add_argument("--faces", action="store_true", help="also measure face-embedding batching (slow)")
    p.add_argument("--skip-latency", action="store_true")
    p.add_argument("--only", nargs="*", help="throughput of these capabilities only (segmentation style faces)")
    args = p.parse_args(argv)

    store = Store()
    s = Path(store.root) / "samples"
    from models import digits as D

    img = {"cat": read_image(s / "cat.jpg").rgb, "face": read_image(s / "face.jpg").rgb,
           "style": read_image(s / "styles" / "starry_night_van_gogh.jpg").rgb,
           "clip": (s / "video" / "basketball.mp4").read_bytes()}
    img["digit"] = D.load_generator().generate(1, 7, 5)[0]
    print(f"# bench_serving: host with {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start "
          "(the CPUs may be shared with other work: figures are indicative)")
    print(f"# Ray cluster on 127.0.0.1: {args.cpus} CPUs, 6 GiB, 200 MB object store; client, proxy and replicas "
          "share the same cores")
    cluster = LocalCluster(args.cpus, env={"VISION_STORE": str(store.root), "VISION_OFFLINE": "1"})
    # The Serve token for the client, and Ray's token + node-address settings for this process's driver (read by
    # Ray once, at import: ray is first imported below, in throughput()).
    os.environ.update({**cluster.ray_env, "VISION_SERVE_TOKEN": cluster.token})
    try:
        t = time.perf_counter()
        cluster.start()
        cluster.deploy()
        print(f"# cluster + 5 applications ready in {time.perf_counter() - t:.1f} s")
        os.environ[serving.SERVE_ADDRESS_ENV] = cluster.serve_address
        if not args.skip_latency:
            latency(store, img, args.runs)
        throughput(cluster, img, args.requests, args.clients, args.faces or "faces" in (args.only or []), args.only)
    finally:
        cluster.stop()
        print(f"# load average at the end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
