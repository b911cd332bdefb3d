"""How long `streamlit run app.py` takes to serve the home page (process start → content in Chromium).

Run by hand: .venv/bin/python bench/bench_startup.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_run(browser) -> tuple[float, float]:
    port = free_port()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy(),
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
        healthy = time.perf_counter() - start
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        page.get_by_text("Model store").first.wait_for(timeout=60_000)
        shown = time.perf_counter() - start
        page.close()
        return healthy, shown
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=FLAGS)
        results = [one_run(browser) for _ in range(args.runs)]
        browser.close()
    for i, (h, s) in enumerate(results, 1):
        print(f"run {i}: server healthy {h:.2f} s, home page content shown {s:.2f} s")
    worst = max(s for _, s in results)
    print(f"worst home page time: {worst:.2f} s (target < 5 s) -> {'OK' if worst < 5 else 'OVER TARGET'}")


if __name__ == "__main__":
    main()
