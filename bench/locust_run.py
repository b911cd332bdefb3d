"""The capacity run with protocol-level visitors: a production-like app server, Locust phases, the server measured.

Starts the app as bench/load.py does (``components.serve`` with ``deploy/production.env``, ⏱️ timings on), then
runs ``locust -f bench/locustfile.py --headless`` with the given phases in a child process, niced (``--client-nice``,
default 10: a real visitor's client runs on their own machine, not on the server's cores). Meanwhile bench/load.py's
monitor samples the server's process tree (RSS, CPU) and this script's tree (Locust: the client CPU) every
``--sample-s`` seconds and times ``GET /_stcore/health`` every second, each sample labelled with the phase Locust
announced last. At the end: Locust's per-phase action table (its own output), then one server row per phase and the
issue's targets (bench/load.py's ``print_targets``), and the soak's RSS growth after its warm-up.

    .venv/bin/python bench/locust_run.py --phases 1,8,16,32,64 --phase-s 300 --soak --soak-visitors 32 --soak-s 600
    .venv/bin/python bench/locust_run.py --phases 1,4 --phase-s 120     # the agreement run's protocol half
    .venv/bin/python bench/locust_run.py --ui-processes 2 --phases 1,8,16,32,64 --phase-s 300 --soak

``--ui-processes N`` (N > 1) measures the production layout instead of one process: ``components.serve
--supervise`` with ``VISION_UI_PROCESSES=N`` (what ``bin/serve-all`` runs) behind a private nginx rendered by
``deploy/render-nginx.sh`` (sticky ``vision_ui`` cookie, the production rate limits; Locust's visitors keep the
cookie as a browser does). The server's CPU and RSS are the supervisor's process tree (all UI processes); nginx's
workers are not in it (their CPU is printed at the end).

Run by hand, never in the suite; CSVs (resources, health, Locust's output) go to ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import load  # noqa: E402 - bench/load.py: the server start, the monitor and the report

from bench.appserver import stop  # noqa: E402

PHASE_LINE = re.compile(r"\] phase (\S+): (\d+) visitors")
ACTION_ROW = re.compile(r"^(\S+)\s+(\w+)\s+(light|heavy)\s+(\d+)\s+(\d+)\s+([\d.]+|nan)\s+([\d.]+|nan)\s+([\d.]+|nan)")


REPORT_END = re.compile(r"^actions: \d+, failed: \d+")
EXIT_GRACE_S = 90  # after bench/locustfile.py's report: how long Locust may take to stop its users and exit


def _follow(proc: subprocess.Popen, monitor: load.Monitor, lines: list[str], reported: threading.Event) -> None:
    """Echo Locust's output, switch the monitor's phase when Locust announces one, note the end of its report."""
    assert proc.stdout is not None
    for raw in proc.stdout:
        line = raw.rstrip("\n")
        lines.append(line)
        print(line, flush=True)
        m = PHASE_LINE.search(line)
        if m:
            monitor.phase = m.group(1)
        if REPORT_END.match(line):
            reported.set()
            monitor.phase = "end"  # Locust stopping its users is no phase of the plan


def _wait(client: subprocess.Popen, reported: threading.Event) -> None:
    """Wait for Locust; once its report is out, give it EXIT_GRACE_S to exit, then kill it (Locust 2.47 can hang
    while stopping users: the report is already printed and its numbers are complete)."""
    reported_at = None
    while client.poll() is None:
        if reported.is_set():
            reported_at = reported_at or time.monotonic()
            if time.monotonic() - reported_at > EXIT_GRACE_S:
                print(f"locust did not exit {EXIT_GRACE_S} s after its report: killed", flush=True)
                client.kill()
                client.wait()
                return
        time.sleep(1)


def _action_rows(lines: list[str]) -> list[dict]:
    """Locust's per-phase action rows (bench/locustfile.py's report) as bench/load.py's summary rows."""
    rows = []
    for line in lines:
        m = ACTION_ROW.match(line)
        if m and m.group(1) != "phase":
            rows.append({"phase": m.group(1), "action": m.group(2), "kind": m.group(3), "n": int(m.group(4)),
                         "errors": int(m.group(5)), "p50_s": float(m.group(6)), "p95_s": float(m.group(7)),
                         "max_s": float(m.group(8)), "app_p50_ms": float("nan")})  # fmt: skip
    return rows


def soak_growth(monitor: load.Monitor, warmup_s: float) -> tuple[float, float, float] | None:
    """(RSS at ``warmup_s`` into the soak, RSS at its end, growth) in MB, MB and a fraction; None without a soak."""
    soak = [r for r in monitor.resources if r[1] == "soak"]
    if not soak:
        return None
    t0 = soak[0][0]
    after = [r for r in soak if r[0] - t0 >= warmup_s] or soak
    ref, end = after[0][2], soak[-1][2]
    return ref, end, (end - ref) / ref if ref else float("nan")


def _tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children, now."""
    import psutil

    try:
        root = psutil.Process(pid)
        return sum(sum(p.cpu_times()[:2]) for p in [root, *root.children(recursive=True)])
    except psutil.Error:
        return float("nan")


def start_production_layout(args) -> tuple[str, subprocess.Popen, subprocess.Popen]:
    """``args.ui_processes`` UI processes under ``components.serve --supervise`` behind a private nginx, as
    ``deploy/install.sh`` sets them up; returns (nginx's URL, the supervisor, nginx)."""
    from bench.appserver import free_port, wait_healthy
    from tests.deploy.deploy_helpers import start_nginx  # the proxy tests' nginx: the same template

    first = free_port()
    while any(_busy(first + i) for i in range(args.ui_processes)):
        first = free_port()
    env = {**os.environ, "VISION_UI_PROCESSES": str(args.ui_processes), "STREAMLIT_SERVER_PORT": str(first),
           "VISION_SHOW_TIMINGS": "1"}  # fmt: skip
    if args.heavy_workers:
        env["VISION_HEAVY_WORKERS"] = str(args.heavy_workers)
    log = args.out / "server.log"
    cmd = [sys.executable, "-m", "components.serve", "--env-file", str(ROOT / "deploy" / "production.env"),
           "--supervise", "app.py", "--server.address", "127.0.0.1"]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    for i in range(args.ui_processes):
        wait_healthy(f"http://127.0.0.1:{first + i}", proc, log, timeout=180)
    served = start_nginx(f"127.0.0.1:{first}", args.out, render_args=("--processes", str(args.ui_processes)))
    print(f"{args.ui_processes} UI processes on ports {first}-{first + args.ui_processes - 1} behind nginx "
          f"{served.url}", flush=True)  # fmt: skip
    return served.url, proc, served.proc


def _busy(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--phases", default="1,8,16,32,64")
    ap.add_argument("--phase-s", type=float, default=300)
    ap.add_argument("--warmup-s", type=float, default=60)
    ap.add_argument("--think", default="3-8")
    ap.add_argument("--soak", action="store_true")
    ap.add_argument("--soak-visitors", type=int, default=32)
    ap.add_argument("--soak-s", type=float, default=600)
    ap.add_argument("--soak-warmup-s", type=float, default=120, help="RSS reference point into the soak")
    ap.add_argument("--only", default="")
    ap.add_argument("--sample-s", type=float, default=2.0)
    ap.add_argument("--client-nice", type=int, default=10)
    ap.add_argument("--heavy-workers", type=int)
    ap.add_argument("--server-cpus")
    ap.add_argument("--ui-processes", type=int, default=1, help="N > 1: the production layout (supervisor + nginx)")
    ap.add_argument("--url", help="a running server instead (then --server-pid for its RSS/CPU)")
    ap.add_argument("--server-pid", type=int)
    ap.add_argument("--out", type=Path, default=Path(f"/tmp/vision-locust-{time.strftime('%Y%m%d-%H%M%S')}"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.url:  # a store without the defaults measures error pages ("… needs a model that is not installed")
        from models.store import Store, limited_pages

        limited = limited_pages(Store())
        if limited:
            raise SystemExit(f"the store ({Store().root}) lacks what these pages need: {limited}; set VISION_STORE")

    proc = nginx = None
    if args.url:
        url, pid = args.url.rstrip("/"), args.server_pid
    elif args.ui_processes > 1:
        url, proc, nginx = start_production_layout(args)
        pid = proc.pid
    else:
        url, proc = load.start_server(args)
        pid = proc.pid
    monitor = load.Monitor(url, pid, args.sample_s)
    monitor.start()
    cmd = [str(Path(sys.executable).with_name("locust")), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
           "--host", url, "--phases", args.phases, "--phase-s", str(args.phase_s), "--warmup-s", str(args.warmup_s),
           "--think", args.think, "--only", args.only, "--csv", str(args.out / "locust"), "--only-summary"]  # fmt: skip
    if args.soak:
        cmd += ["--soak", "--soak-visitors", str(args.soak_visitors), "--soak-s", str(args.soak_s)]
    lines: list[str] = []
    try:
        client = subprocess.Popen(cmd, cwd=ROOT / "bench", stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  preexec_fn=lambda: os.nice(args.client_nice))  # fmt: skip
        reported = threading.Event()
        reader = threading.Thread(target=_follow, args=(client, monitor, lines, reported), daemon=True)
        reader.start()
        _wait(client, reported)
        reader.join(10)
    finally:
        monitor.stop.set()
        if nginx is not None:
            print(f"nginx (master + workers) CPU: {_tree_cpu_s(nginx.pid):.1f} s")
            stop(nginx)
        if proc is not None:
            stop(proc)
    (args.out / "locust.txt").write_text("\n".join(lines) + "\n")
    phases = [p for p in dict.fromkeys(r[1] for r in monitor.resources) if p not in ("start", "warmup", "end")]
    rows = _action_rows(lines) + [r for r in load.summarise([], monitor, phases) if r["action"] == "(server)"]
    print("\nserver per phase (client = Locust, niced", args.client_nice, "):")
    load.print_table([r for r in rows if r["action"] == "(server)"])
    load.print_targets(rows, phases)
    growth = soak_growth(monitor, args.soak_warmup_s)
    if growth:
        print(f"  soak RSS {growth[0]:.0f} MB at {args.soak_warmup_s:.0f} s → {growth[1]:.0f} MB at the end: "
              f"{growth[2]:+.1%} (target ≤ +5 %)")
    with (args.out / "resources.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["t_unix", "phase", "server_rss_mb", "server_cpu_pct", "client_cpu_pct"])
        w.writerows(monitor.resources)
    print(f"\nfiles: {args.out}")


if __name__ == "__main__":
    main()
