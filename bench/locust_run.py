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


def _follow(proc: subprocess.Popen, monitor: load.Monitor, lines: list[str]) -> None:
    """Echo Locust's output, switch the monitor's phase when Locust announces one."""
    assert proc.stdout is not None
    for raw in proc.stdout:
        line = raw.rstrip("\n")
        lines.append(line)
        print(line, flush=True)
        m = PHASE_LINE.search(line)
        if m:
            monitor.phase = m.group(1)


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
    ap.add_argument("--url", help="a running server instead (then --server-pid for its RSS/CPU)")
    ap.add_argument("--server-pid", type=int)
    ap.add_argument("--out", type=Path, default=Path(f"/tmp/vision-locust-{time.strftime('%Y%m%d-%H%M%S')}"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    proc = None
    if args.url:
        url, pid = args.url.rstrip("/"), args.server_pid
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
        reader = threading.Thread(target=_follow, args=(client, monitor, lines), daemon=True)
        reader.start()
        client.wait()
        reader.join(10)
    finally:
        monitor.stop.set()
        if proc is not None:
            stop(proc)
    (args.out / "locust.txt").write_text("\n".join(lines) + "\n")
    phases = [p for p in dict.fromkeys(r[1] for r in monitor.resources) if p not in ("start", "warmup")]
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
