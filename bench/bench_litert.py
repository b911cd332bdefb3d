"""TFLite through LiteRT vs ``tf.lite.Interpreter``: first use of a TFLite-only page, and the process's memory.

    VISION_STORE=../shared/assets .venv/bin/python bench/bench_litert.py [--repeat 2] [--page 6_Video_Classification]

Each run is a fresh Python process that opens the page once with Streamlit's AppTest (the page loads its
default model and analyses its first sample, as for a server's first visitor) and reports the wall time of
that first run and the process's peak RSS. Runs alternate between the two runtimes
(``VISION_TFLITE_RUNTIME=tensorflow`` selects the old one) so machine load affects both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=600).run()
wall = time.perf_counter() - t0
errors = [e.value for e in at.error] + [str(e.value) for e in at.exception]
print(json.dumps({"wall_s": wall, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "tensorflow_imported": "tensorflow" in sys.modules, "errors": errors,
                  "heading": at.subheader[0].value if at.subheader else ""}))
"""


def run(page: str, runtime: str) -> dict:
    env = {**os.environ, "VISION_TFLITE_RUNTIME": runtime, "VISION_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT / "pages" / f"{page}.py")], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=900, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--page", default="6_Video_Classification")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    results: dict[str, list[dict]] = {"tensorflow": [], "litert": []}
    for i in range(args.repeat):
        for runtime in ("tensorflow", "litert"):
            r = run(args.page, runtime)
            results[runtime].append(r)
            print(f"run {i + 1} {runtime:<10} first page run {r['wall_s']:6.2f} s  peak RSS {r['rss_mb']:7.0f} MB  "
                  f"tensorflow imported: {r['tensorflow_imported']}  {r['heading']!r}  errors: {r['errors'] or 'none'}")
    best = {k: (min(x["wall_s"] for x in v), min(x["rss_mb"] for x in v)) for k, v in results.items()}
    (tf_s, tf_mb), (lr_s, lr_mb) = best["tensorflow"], best["litert"]
    print(f"\n{args.page}, best of {args.repeat}: first use {tf_s:.2f} s → {lr_s:.2f} s ({lr_s / tf_s:.2f}x); "
          f"peak RSS {tf_mb:.0f} MB → {lr_mb:.0f} MB ({lr_mb / tf_mb:.2f}x)")


if __name__ == "__main__":
    main()
