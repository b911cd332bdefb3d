"""Load benchmark (run by hand, never a test): N simulated visitors on one server, in phases, plus a soak.

Each visitor is a Playwright browser context (its own Streamlit session) on one headless Chromium. It repeats:
think 3–8 s (``--think``), then one action of a mixed workload over all six pages (light: segmentation, DCGAN
sampling, inpainting with an uploaded mask, fast style, face verify; heavy: DCGAN restore, video analysis). An
action's time is what the visitor waited: from the click/navigation until the page shows the action's result and
Streamlit is idle. Next to it, the app's own time read from the page's ⏱️ timing caption when it shows one
("app ms"). Errors: timeouts, a Streamlit error box or exception on the page, a mask/image mismatch.

Meanwhile a thread samples the server's RSS and CPU (process + children, from /proc) every ``--sample-s``
seconds, and another times ``GET /_stcore/health`` every second (a stalled event loop shows up here).

The client must not steal the server's CPU (the issue's measurement lost one of two cores to Chromium):
``--server-cpus`` and ``--client-cpus`` pin them apart (e.g. ``--server-cpus 0-1 --client-cpus 2-3`` on a
4-core box). On a machine too small to pin them apart, ``--client-nice`` (default 10) lowers the priority of
Chromium's processes (not of this script, which times the health checks), so that real visitors' browsers, which
run on their own machines, do not take the server's CPU when both want it; the table says how much CPU the client
took.

    .venv/bin/python bench/load.py --phases 1,4 --phase-s 60                  # short check
    .venv/bin/python bench/load.py --phases 1,8,16 --phase-s 300 --soak       # the full run (~30 min)

Writes actions.csv, resources.csv, health.csv and summary.csv into ``--out`` (default /tmp/vision-load-<time>).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: bench/ is not a package on the path then
from bench.appserver import stop, wait_healthy  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
TIMEOUT_MS = 240_000
ERROR_SELECTOR = '[data-testid="stException"], [data-testid="stAlertContentError"]'


# --- the workload -----------------------------------------------------------------------------------
def _mask_png(w: int, h: int) -> bytes:
    m = np.zeros((h, w), np.uint8)
    m[100:160, 150:250] = 255
    buf = io.BytesIO()
    Image.fromarray(m).save(buf, "PNG")
    return buf.getvalue()


CHELSEA_MASK = _mask_png(451, 300)  # the Inpainting page's default sample is Chelsea (451×300)


async def _idle(tab) -> None:
    await tab.wait_for_timeout(250)
    await tab.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                timeout=TIMEOUT_MS)


async def _goto(tab, url: str, path: str, ready: str) -> None:
    await tab.goto(f"{url}/{path}")
    await tab.get_by_text(ready).first.wait_for(timeout=TIMEOUT_MS)
    await _idle(tab)


async def seg_open(tab, url):
    await _goto(tab, url, "Segmentation", "⏱️")


async def seg_sample(tab, url):
    await _goto(tab, url, "Segmentation", "⏱️")
    box = tab.locator('[data-testid="stSelectbox"]').filter(has_text="Sample")
    await box.click()
    await tab.get_by_role("option").nth(random.randrange(4)).click()
    await _idle(tab)
    await tab.get_by_text("⏱️").first.wait_for(timeout=TIMEOUT_MS)


async def inpaint_mask(tab, url):
    await _goto(tab, url, "Inpainting", "Mark what to remove")
    await tab.get_by_text("Upload a mask", exact=True).click()
    await _idle(tab)
    await tab.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
        {"name": "mask.png", "mimeType": "image/png", "buffer": CHELSEA_MASK})
    await tab.get_by_text("Compare with the original").wait_for(timeout=TIMEOUT_MS)
    await _idle(tab)
    if await tab.get_by_text("but the image is").count():
        raise RuntimeError("mask/image mismatch (the sample selector changed by itself)")


async def dcgan_sample(tab, url):
    await _goto(tab, url, "Digit_GAN", "⏱️")
    await tab.get_by_role("button", name="Surprise me").click()
    await _idle(tab)


async def dcgan_restore(tab, url):
    await _goto(tab, url, "Digit_GAN", "⏱️")
    await tab.get_by_role("tab", name="Restore a digit").click()
    await tab.get_by_role("button", name="Restore", exact=False).last.click()
    await tab.get_by_text("Download restored digit").wait_for(timeout=TIMEOUT_MS)
    await _idle(tab)


async def style_fast(tab, url):
    await _goto(tab, url, "Style_Transfer", "Download stylized PNG")


async def face_verify(tab, url):
    await _goto(tab, url, "Face_Similarity", "Face similarity")
    await tab.locator('[data-testid="stImage"]').first.wait_for(timeout=TIMEOUT_MS)
    await _idle(tab)


async def video_analyze(tab, url):
    await _goto(tab, url, "Video_Classification", "Download timeline (CSV)")


# (action, weight, heavy)
WORKLOAD = [
    (seg_open, 3, False), (seg_sample, 2, False), (inpaint_mask, 3, False), (dcgan_sample, 3, False),
    (style_fast, 2, False), (face_verify, 2, False), (dcgan_restore, 1, True), (video_analyze, 1, True),
]
HEAVY = {f.__name__ for f, _, h in WORKLOAD if h}


# --- measurements -----------------------------------------------------------------------------------
@dataclass
class Record:
    phase: str
    visitor: int
    action: str
    started: float
    wall_s: float
    app_ms: float | None
    error: str = ""


@dataclass
class Monitor:
    url: str
    pid: int | None
    sample_s: float
    client_nice: int = 0
    phase: str = "start"
    resources: list = field(default_factory=list)  # (t, phase, rss_mb, cpu_pct, client_cpu_pct)
    health: list = field(default_factory=list)  # (t, phase, latency_ms or None)
    stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        threading.Thread(target=self._resources, daemon=True).start()
        threading.Thread(target=self._health, daemon=True).start()

    def _health(self) -> None:
        while not self.stop.is_set():
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=30) as r:
                    r.read()
                ms = (time.perf_counter() - t0) * 1000
            except OSError:
                ms = None
            self.health.append((time.time(), self.phase, ms))
            self.stop.wait(max(0.0, 1.0 - (time.perf_counter() - t0)))

    def _resources(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        last = None
        while not self.stop.is_set():
            # The server started by this script is one of its children: its tree is neither reniced nor counted as
            # the client's (the client is this script and everything else below it: Chromium, Locust, nginx).
            server_pids = set(_children(self.pid)) if self.pid else set()
            if self.client_nice:
                _renice_children(self.client_nice, server_pids)  # renderers come and go with the visitors' tabs
            now = time.perf_counter()
            server = _tree_stats(self.pid) if self.pid else (0.0, 0.0)
            client = _tree_stats(os.getpid(), exclude=server_pids)
            if last is not None:
                dt = now - last[0]
                cpu = (server[1] - last[1]) / tick / dt * 100
                ccpu = (client[1] - last[2]) / tick / dt * 100
                self.resources.append((time.time(), self.phase, server[0], cpu, ccpu))
            last = (now, server[1], client[1])
            self.stop.wait(self.sample_s)


def _children(pid: int) -> list[int]:
    out = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            kids = (task / "children").read_text().split()
            for k in kids:
                out += _children(int(k))
    except OSError:
        pass
    return out


def _renice_children(niceness: int, server_pids: set[int]) -> None:
    """Lower the priority of every process below this one (Chromium, Playwright's driver) to ``niceness``; never the
    server's (``server_pids``: the app server this script started is one of its children)."""
    me = os.getpid()
    for pid in _children(me):
        if pid == me or pid in server_pids:
            continue
        try:
            if os.getpriority(os.PRIO_PROCESS, pid) < niceness:
                os.setpriority(os.PRIO_PROCESS, pid, niceness)
        except OSError:  # gone already
            continue


def _tree_stats(pid: int, exclude: Collection[int] = ()) -> tuple[float, float]:
    """(RSS in MB, CPU ticks user+system) of a process and its descendants, but those in ``exclude``."""
    rss = ticks = 0.0
    for p in _children(pid):
        if p in exclude:
            continue
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1]) / 1024
        except (OSError, IndexError, ValueError):
            continue
    return rss, ticks


async def _app_ms(tab) -> float | None:
    """The app's own time from the ⏱️ caption: its "total", else the sum of its parts."""
    try:
        texts = await tab.get_by_text("⏱️").all_inner_texts()
    except Exception:
        return None
    best = None
    for text in texts:
        pairs = re.findall(r"([\w ()/+-]+?)\s+([\d,.]+)\s*ms", text)
        values = {name.strip(): float(v.replace(",", "")) for name, v in pairs}
        if values:
            total = next((v for k, v in values.items() if "total" in k), sum(values.values()))
            best = total if best is None else max(best, total)
    return best


ONLY: set[str] = set()  # --only: the actions to draw from (default: the whole workload)
ERRORS_DIR: Path | None = None  # --out/errors: a screenshot and the tab's page errors for each failed action


async def _record_failure(tab, name: str, page_errors: list[str], error: str) -> None:
    if ERRORS_DIR is None:
        return
    ERRORS_DIR.mkdir(parents=True, exist_ok=True)
    try:
        await tab.screenshot(path=str(ERRORS_DIR / f"{name}.png"), full_page=True)
    except Exception as exc:  # a crashed tab: say so instead
        page_errors.append(f"no screenshot: {exc}")
    (ERRORS_DIR / f"{name}.txt").write_text("\n".join([error, tab.url, *page_errors[-20:]]) + "\n")


async def visitor(n: int, browser, url: str, phase: Monitor, records: list, end: float, think: tuple) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    tab = await context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    page_errors: list[str] = []
    tab.on("pageerror", lambda e: page_errors.append(f"{time.strftime('%H:%M:%S')} pageerror: {str(e)[:300]}"))
    tab.on("crash", lambda _: page_errors.append(f"{time.strftime('%H:%M:%S')} the tab crashed"))
    rng = random.Random(n * 7919 + int(end))
    actions = [f for f, w, _ in WORKLOAD for _ in range(w) if not ONLY or f.__name__ in ONLY]
    try:
        while time.time() < end:
            await asyncio.sleep(rng.uniform(*think))
            if time.time() >= end:
                break
            action = rng.choice(actions)
            t0 = time.perf_counter()
            started = time.time()
            error = ""
            try:
                await action(tab, url)
                if await tab.locator(ERROR_SELECTOR).count():
                    error = "error shown: " + (await tab.locator(ERROR_SELECTOR).first.inner_text())[:120]
            except Exception as exc:
                error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
            if error:
                await _record_failure(tab, f"{phase.phase}-v{n}-{action.__name__}-{int(started)}", page_errors, error)
            wall = time.perf_counter() - t0
            records.append(Record(phase.phase, n, action.__name__, started, wall,
                                  None if error else await _app_ms(tab), error))
    finally:
        await context.close()


async def run_phase(browser, url: str, monitor: Monitor, records: list, name: str, visitors: int,
                    seconds: float, think: tuple) -> None:
    monitor.phase = name
    end = time.time() + seconds
    print(f"[{time.strftime('%H:%M:%S')}] phase {name}: {visitors} visitors for {seconds:.0f} s", flush=True)
    await asyncio.gather(*(visitor(i, browser, url, monitor, records, end, think) for i in range(visitors)))


# --- report -----------------------------------------------------------------------------------------
def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return float(np.percentile(values, q))


def summarise(records: list[Record], monitor: Monitor, phases: list[str]) -> list[dict]:
    rows = []
    for phase in phases:
        recs = [r for r in records if r.phase == phase]
        for action in sorted({r.action for r in recs}):
            rs = [r for r in recs if r.action == action]
            ok = [r.wall_s for r in rs if not r.error]
            app = [r.app_ms for r in rs if r.app_ms is not None]
            rows.append({"phase": phase, "action": action, "kind": "heavy" if action in HEAVY else "light",
                         "n": len(rs), "errors": sum(1 for r in rs if r.error),
                         "p50_s": _pct(ok, 50), "p95_s": _pct(ok, 95), "max_s": max(ok, default=float("nan")),
                         "app_p50_ms": _pct(app, 50)})
        health = [ms for _, p, ms in monitor.health if p == phase]
        res = [r for r in monitor.resources if r[1] == phase]
        rows.append({"phase": phase, "action": "(server)", "kind": "",
                     "n": len(health), "errors": sum(1 for ms in health if ms is None),
                     "health_p50_ms": _pct([h for h in health if h is not None], 50),
                     "health_p95_ms": _pct([h for h in health if h is not None], 95),
                     "health_max_ms": max((h for h in health if h is not None), default=float("nan")),
                     "cpu_mean_pct": statistics.fmean([r[3] for r in res]) if res else float("nan"),
                     "cpu_max_pct": max((r[3] for r in res), default=float("nan")),
                     "client_cpu_mean_pct": statistics.fmean([r[4] for r in res]) if res else float("nan"),
                     "rss_max_mb": max((r[2] for r in res), default=float("nan")),
                     "rss_end_mb": res[-1][2] if res else float("nan")})
    return rows


def print_table(rows: list[dict]) -> None:
    print(f"\n{'phase':<10}{'action':<16}{'kind':<7}{'n':>5}{'err':>5}{'p50 s':>8}{'p95 s':>8}{'max s':>8}"
          f"{'app p50 ms':>12}")
    for r in rows:
        if r["action"] == "(server)":
            print(f"{r['phase']:<10}{'(server)':<16}{'':<7}"
                  f"  health p50/p95/max {r['health_p50_ms']:.0f}/{r['health_p95_ms']:.0f}/{r['health_max_ms']:.0f} ms"
                  f" ({r['errors']} failed) · server CPU mean {r['cpu_mean_pct']:.0f}% max {r['cpu_max_pct']:.0f}%"
                  f" · client CPU mean {r['client_cpu_mean_pct']:.0f}% · RSS max {r['rss_max_mb']:.0f} MB,"
                  f" end {r['rss_end_mb']:.0f} MB")
        else:
            print(f"{r['phase']:<10}{r['action']:<16}{r['kind']:<7}{r['n']:>5}{r['errors']:>5}{r['p50_s']:>8.2f}"
                  f"{r['p95_s']:>8.2f}{r['max_s']:>8.2f}{r['app_p50_ms']:>12.0f}")


def print_targets(rows: list[dict], phases: list[str]) -> None:
    """The issue's capacity targets, each with the figure it is judged on."""
    server = {r["phase"]: r for r in rows if r["action"] == "(server)"}
    actions = [r for r in rows if r["action"] != "(server)"]
    print("\ntargets:")
    for phase in phases:
        s = server.get(phase)
        if s is None:
            continue
        errors = sum(r["errors"] for r in actions if r["phase"] == phase) + s["errors"]
        print(f"  {phase:<6} errors {errors} (target 0) · health p95 {s['health_p95_ms']:.0f} ms (target < 250) · "
              f"server CPU max {s['cpu_max_pct']:.0f}% (both cores busy when ≥ 150%)")
    first = next((p for p in phases if p.endswith("v")), None)
    for phase in [p for p in phases if p.endswith("v") and p != first]:
        for r in actions:
            if r["phase"] != phase or r["kind"] != "light":
                continue
            base = next((b for b in actions if b["phase"] == first and b["action"] == r["action"]), None)
            if base is not None and base["p95_s"] == base["p95_s"] and base["p95_s"] > 0:  # not NaN
                print(f"  {phase:<6} {r['action']:<14} p95 {r['p95_s']:.2f} s = {r['p95_s'] / base['p95_s']:.1f}× "
                      f"its {first} p95 {base['p95_s']:.2f} s (target ≤ 3×)")


def write_csvs(out: Path, records: list[Record], monitor: Monitor, rows: list[dict]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "actions.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["phase", "visitor", "action", "started_unix", "wall_s", "app_ms", "error"])
        for r in records:
            w.writerow([r.phase, r.visitor, r.action, f"{r.started:.3f}", f"{r.wall_s:.3f}",
                        "" if r.app_ms is None else f"{r.app_ms:.1f}", r.error])
    with (out / "resources.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["t_unix", "phase", "server_rss_mb", "server_cpu_pct", "client_cpu_pct"])
        w.writerows([(f"{t:.2f}", p, f"{rss:.1f}", f"{c:.1f}", f"{cc:.1f}") for t, p, rss, c, cc in monitor.resources])
    with (out / "health.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["t_unix", "phase", "latency_ms"])
        w.writerows([(f"{t:.2f}", p, "" if ms is None else f"{ms:.1f}") for t, p, ms in monitor.health])
    keys = sorted({k for r in rows for k in r}, key=lambda k: (k not in ("phase", "action", "kind"), k))
    with (out / "summary.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)


# --- server -----------------------------------------------------------------------------------------
def _cpus(spec: str | None) -> set[int] | None:
    if not spec:
        return None
    cpus: set[int] = set()
    for part in spec.split(","):
        a, _, b = part.partition("-")
        cpus |= set(range(int(a), int(b or a) + 1))
    return cpus


def start_server(args) -> tuple[str, subprocess.Popen]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ)
    if args.heavy_workers:
        env["VISION_HEAVY_WORKERS"] = str(args.heavy_workers)
    env["VISION_SHOW_TIMINGS"] = "1"  # the pages' ⏱️ captions (hidden from visitors otherwise): the app's own time
    log = open(args.out / "server.log", "wb")  # noqa: SIM115 - lives as long as the server
    cmd = [sys.executable, "-m", "components.serve", "--env-file", str(ROOT / "deploy" / "production.env"),
           "app.py", "--server.port", str(port), "--server.address", "127.0.0.1"]
    cpus = _cpus(args.server_cpus)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, args.out / "server.log", timeout=120)
    except RuntimeError as exc:
        raise SystemExit(f"the server did not become healthy: {exc}") from None
    return url, proc


async def main_async(args) -> None:
    from playwright.async_api import async_playwright

    proc = None
    if args.url:
        url, pid = args.url.rstrip("/"), args.server_pid
    else:
        url, proc = start_server(args)
        pid = proc.pid
    client = _cpus(args.client_cpus)
    if client:
        os.sched_setaffinity(0, client)  # Chromium, started below, inherits it
    think = tuple(float(x) for x in args.think.split("-"))
    monitor = Monitor(url, pid, args.sample_s, client_nice=args.client_nice)
    monitor.start()
    records: list[Record] = []
    names: list[str] = []
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path=CHROMIUM, headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update", "--disable-sync"])
            if args.warmup_s:
                await run_phase(browser, url, monitor, records, "warmup", 1, args.warmup_s, (0.5, 1.0))
            for n in [int(x) for x in args.phases.split(",") if x]:
                names.append(f"{n}v")
                await run_phase(browser, url, monitor, records, f"{n}v", n, args.phase_s, think)
            if args.soak:
                names.append("soak")
                await run_phase(browser, url, monitor, records, "soak", args.soak_visitors, args.soak_s, think)
            await browser.close()
    finally:
        monitor.stop.set()
        if proc is not None:
            stop(proc)
    rows = summarise(records, monitor, names)
    print_table(rows)
    if args.soak:
        soak = [r for r in monitor.resources if r[1] == "soak"]
        if soak:
            t0 = soak[0][0]
            after = [r[2] for r in soak if args.soak_warmup_s <= r[0] - t0 <= args.soak_warmup_s + 60]
            last = [r[2] for r in soak if r[0] >= soak[-1][0] - 60]
            if after and last:
                a, b = statistics.median(after), statistics.median(last)
                print(f"\nsoak: RSS {a:.0f} MB after {args.soak_warmup_s:.0f} s warm-up → {b:.0f} MB at the end "
                      f"({(b - a) / a:+.1%})")
    print_targets(rows, names)
    write_csvs(args.out, records, monitor, rows)
    print(f"\nCSVs in {args.out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--phases", default="1,8,16", help="visitors per phase, comma-separated (default 1,8,16)")
    ap.add_argument("--phase-s", type=float, default=300, help="seconds per phase (default 300)")
    ap.add_argument("--think", default="3-8", help="think time range in seconds (default 3-8)")
    ap.add_argument("--warmup-s", type=float, default=60, help="one visitor before the phases, not reported "
                    "(loads every model once; default 60, 0 = none)")
    ap.add_argument("--soak", action="store_true", help="after the phases: a soak of --soak-visitors for --soak-s")
    ap.add_argument("--soak-visitors", type=int, default=8)
    ap.add_argument("--soak-s", type=float, default=600)
    ap.add_argument("--soak-warmup-s", type=float, default=120, help="RSS reference point into the soak")
    ap.add_argument("--sample-s", type=float, default=2.0, help="RSS/CPU sampling period (default 2 s)")
    ap.add_argument("--url", help="use a running server instead of starting one (then --server-pid for RSS/CPU)")
    ap.add_argument("--server-pid", type=int)
    ap.add_argument("--heavy-workers", type=int, help="VISION_HEAVY_WORKERS for the server this script starts")
    ap.add_argument("--server-cpus", help="pin the server to these CPUs, e.g. 0-1")
    ap.add_argument("--client-cpus", help="pin this script and Chromium to these CPUs, e.g. 2-3")
    ap.add_argument("--client-nice", type=int, default=10, help="niceness of Chromium's processes (default 10; "
                    "0 = leave them at the server's priority)")
    ap.add_argument("--out", type=Path, default=Path(f"/tmp/vision-load-{time.strftime('%Y%m%d-%H%M%S')}"))
    ap.add_argument("--only", default="", help="comma-separated actions to draw from, e.g. inpaint_mask (default: all)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    global ERRORS_DIR
    ERRORS_DIR = args.out / "errors"
    ONLY.update(a for a in args.only.split(",") if a)
    unknown = ONLY - {f.__name__ for f, _, _ in WORKLOAD}
    if unknown:
        ap.error(f"unknown actions: {', '.join(sorted(unknown))}")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
