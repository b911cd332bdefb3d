"""Server CPU per click: what each workload action costs the app server, next to the bare model call.

Run by hand on a quiet box (never part of the test suite)::

    .venv/bin/python bench/bench_click_cost.py [--repeat 4] [--only style_fast,video_analyze]

Starts its own ``streamlit run app.py`` on 127.0.0.1 (a free port; ``VISION_STORE`` = ../shared/assets when
present, ``VISION_OFFLINE=1``), then for each action (bench/stproto/workload.py's, plus the first-screen opens
below) performs it once to warm up (imports, model loads, and any result shared across sessions) and then
``--repeat`` times, each time as a fresh tab (a new session), measuring:

- **server CPU s**: user + system CPU seconds of the server process and all its children (psutil
  ``cpu_times()`` of the process tree, before and after; children that ended meanwhile are counted through the
  parent's ``children_user``/``children_system``), median over the repeats;
- **client CPU s**: this process's own CPU for the action (the protocol visitor: websocket, protobuf, media
  fetches), median;
- **bare model CPU s**: the capability module's one call the page makes for the same input at the page's
  default settings (the model loaded and warmed first), measured in this process, median; ``—`` where an action
  has none here;
- **ratio**: server / bare. Far above 1: the page does much more than the model (rendering, encoding) or
  recomputes what could be shared; below 1: the server reused a result.

The first (cold) action's server CPU is printed too. The server's background threads (idle sweeper) count, which
is why the box should be quiet.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("VISION_OFFLINE", "1")
if "VISION_STORE" not in os.environ and (ROOT.parent / "shared" / "assets").is_dir():
    os.environ["VISION_STORE"] = str(ROOT.parent / "shared" / "assets")

import psutil  # noqa: E402

from bench.appserver import free_port, start_streamlit, stop, wait_healthy  # noqa: E402
from bench.stproto import workload as W  # noqa: E402
from bench.stproto.client import Run, Visitor  # noqa: E402

Action = Callable[[Visitor, random.Random], list[Run]]


# --- first-screen actions the workload does not have as such ----------------------------------------------
def inpaint_open(v: Visitor, rng: random.Random) -> list[Run]:
    runs = [v.open("Inpainting")]
    W.expect(v, "Compare with the original")
    return runs


def video_other_clip(v: Visitor, rng: random.Random) -> list[Run]:
    """Open Video and pick the second sample clip (the issue's "another sample clip")."""
    runs = [v.open("Video_Classification")]
    _, box = v.widget("video_sample")
    options = list(box.options)
    runs.append(v.set("video_sample", options[1 if len(options) > 1 else 0]))
    W.expect(v, "Download timeline (CSV)")
    return runs


ACTIONS: dict[str, Action] = {f.__name__: f for f, _, _ in W.WORKLOAD}
ACTIONS.update({"inpaint_open": inpaint_open, "video_other_clip": video_other_clip})


# --- bare model calls -----------------------------------------------------------------------------------
def _bare_style() -> Callable[[], object]:
    from models import style as sty
    from models.imaging import read_image
    from models.samples import SampleKind, samples
    from models.store import Store

    store = Store()
    backend = sty.default_choice(store.has)
    model = sty.create(backend, store)
    photos = {s.id: s for s in samples(SampleKind.PHOTO)}
    styles = {s.id: s for s in samples(SampleKind.STYLE)}
    content = read_image(str(photos["photo_grace_hopper"].path)).rgb
    style = read_image(str(styles["style_starry_night"].path)).rgb
    side = backend.spec.default_max_side

    def call() -> object:
        sb = model.bottleneck(style, crop=True)
        return model.stylize(content, style, 1.0, side, sty.LargeImage.TILES, style_bottleneck=sb)

    return call


def _bare_video(index: int) -> Callable[[], Callable[[], object]]:
    def make() -> Callable[[], object]:
        from models import video as V
        from models.samples import SampleKind, samples
        from models.store import Store

        store = Store()
        choice = V.default_choice(store.has)
        classifier = V.create(choice, store)
        clips = samples(SampleKind.CLIP)
        clip = clips[min(index, len(clips) - 1)]
        assert clip.path is not None
        data, name = clip.path.read_bytes(), clip.path.name
        return lambda: V.analyze(data, name, classifier, V.Options(), V.Limits(), annotated=True)

    return make


def _bare_inpaint_example() -> Callable[[], object]:
    from models.inpainting import InpaintOptions, Method, inpaint_all
    from models.inpainting.examples import Example, example

    ex = example(list(Example)[0])
    return lambda: inpaint_all(ex.damaged, ex.mask, tuple(Method), InpaintOptions(dilation=2))


def _bare_inpaint_mask() -> Callable[[], object]:
    import numpy as np

    from models.imaging import read_image
    from models.inpainting import InpaintOptions, Method, inpaint_all
    from models.samples import skimage_data_dir

    rgb = read_image(str(skimage_data_dir() / "chelsea.png")).rgb
    mask = np.zeros(rgb.shape[:2], bool)
    mask[100:160, 150:250] = True
    opts = InpaintOptions(dilation=2)
    return lambda: inpaint_all(rgb, mask, tuple(Method), opts)


def _bare_segmentation() -> Callable[[], object]:
    from models import segmentation as seg
    from models.imaging import read_image
    from models.samples import skimage_data_dir
    from models.store import Store

    store = Store()
    model = "deeplab_mnv2_513_quant"
    segmenter = seg.segmenter_from_file(seg.SegModel(model), store.path(model))
    path = store.path("photo_cat") if store.has("photo_cat") else skimage_data_dir() / "chelsea.png"
    rgb = read_image(str(path)).rgb
    return lambda: segmenter.predict(rgb)


BARE: dict[str, Callable[[], Callable[[], object]]] = {
    "style_fast": _bare_style,
    "video_analyze": _bare_video(0),
    "video_other_clip": _bare_video(1),
    "inpaint_open": _bare_inpaint_example,
    "inpaint_mask": _bare_inpaint_mask,
    "seg_open": _bare_segmentation,
    "seg_sample": _bare_segmentation,
}


# --- measuring ------------------------------------------------------------------------------------------
def tree_cpu(proc: psutil.Process) -> float:
    """User + system CPU seconds of ``proc``, its reaped children and its live descendants."""
    t = proc.cpu_times()
    total = t.user + t.system + t.children_user + t.children_system
    for child in proc.children(recursive=True):
        try:
            c = child.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += c.user + c.system
    return total


def start_server() -> tuple[subprocess.Popen, str, Path]:
    log = Path(tempfile.mkstemp(prefix="click-cost-", suffix=".log")[1])
    proc, url = start_streamlit(free_port(), log.open("w"))
    wait_healthy(url, proc, log, timeout=90)
    return proc, url, log


def measure_action(url: str, server: psutil.Process, action: Action, repeat: int, settle_s: float):
    """(cold server CPU, server CPU per repeat, client CPU per repeat, error or "")."""
    rng = random.Random(7)
    server_s: list[float] = []
    client_s: list[float] = []
    cold = 0.0
    for i in range(repeat + 1):
        v = Visitor(url)
        try:
            time.sleep(settle_s)
            s0, c0 = tree_cpu(server), time.process_time()
            try:
                action(v, rng)
            except Exception as exc:  # reported in the table, the others go on
                return cold, server_s, client_s, f"{type(exc).__name__}: {str(exc)[:120]}"
            c1 = time.process_time()
            time.sleep(settle_s)  # work the server finishes after the run's last message (media, cleanup)
            s1 = tree_cpu(server)
        finally:
            v.close()
        if i == 0:
            cold = s1 - s0
        else:
            server_s.append(s1 - s0)
            client_s.append(c1 - c0)
    return cold, server_s, client_s, ""


def measure_bare(name: str, repeat: int) -> float | None:
    make = BARE.get(name)
    if make is None:
        return None
    try:
        call = make()
        call()  # warm: lazy graph set-up, first-call allocations
        times = []
        for _ in range(repeat):
            t0 = time.process_time()
            call()
            times.append(time.process_time() - t0)
    except Exception as exc:
        print(f"  (bare call for {name} failed: {type(exc).__name__}: {exc})", file=sys.stderr)
        return None
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=4, help="measured repeats per action (median); default 4")
    ap.add_argument("--only", default="", help=f"comma-separated actions (default all): {','.join(ACTIONS)}")
    ap.add_argument("--settle", type=float, default=0.3, help="seconds to wait before and after each action")
    ap.add_argument("--url", default="", help="measure an already running server (its pid: --pid)")
    ap.add_argument("--pid", type=int, default=0)
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n] or list(ACTIONS)
    unknown = [n for n in names if n not in ACTIONS]
    if unknown:
        ap.error(f"unknown actions {unknown}; known: {list(ACTIONS)}")

    proc = None
    if args.url:
        url, server, log = args.url, psutil.Process(args.pid), None
    else:
        proc, url, log = start_server()
        server = psutil.Process(proc.pid)
    rows = []
    try:
        for name in names:
            cold, srv, cli, err = measure_action(url, server, ACTIONS[name], args.repeat, args.settle)
            rows.append((name, cold, srv, cli, err))
            med = f"{statistics.median(srv):.3f}" if srv else "—"
            print(f"  {name}: cold {cold:.3f} s, server {med} s {err}", file=sys.stderr, flush=True)
    finally:
        if proc is not None:
            stop(proc)
            if log is not None:
                log.unlink(missing_ok=True)

    bare = {name: measure_bare(name, max(2, args.repeat)) for name, *_ in rows}
    print(f"\nserver CPU per action (median of {args.repeat}, after one warm-up; cores: {os.cpu_count()})")
    head = f"{'action':<18} | {'server CPU s':>12} | {'bare model CPU s':>16} | {'ratio':>6} | {'client CPU s':>12} | {'cold server s':>13}"
    print(head)
    print("-" * len(head))
    for name, cold, srv, cli, err in rows:
        if err:
            print(f"{name:<18} | failed: {err}")
            continue
        s, c, b = statistics.median(srv), statistics.median(cli), bare[name]
        ratio = f"{s / b:6.2f}" if b else "     —"
        bs = f"{b:16.3f}" if b is not None else f"{'—':>16}"
        print(f"{name:<18} | {s:12.3f} | {bs} | {ratio} | {c:12.3f} | {cold:13.3f}")


if __name__ == "__main__":
    main()
