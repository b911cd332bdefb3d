"""Adding a capability = its package (with its one registration), its page and its view/settings: nothing else.

The README's "How to add a capability" steps, followed literally on a copy of this repository: the tiny edge-detection
capability in ``tests/fixtures/new_capability/`` (``models/edges/``: ``__init__``, ``kernels`` and ``registration``;
``pages/8_Edges.py``; ``components/edges_settings.py`` and ``components/edges_view.py``) is copied in, and ``git`` in
the copy says which files that touched (printed: six, all new, none of the central modules). A process started in the copy then shows every
derived table picking it up — the home page's cards and the navigation (``components.catalog.PAGES``), the pages'
defaults, the home-card examples, the fallback pictures, readiness, the backends, the store's entries — and runs the
page and the home page through AppTest. Then one new model row (for the new capability and for segmentation) is added
through the documented hooks only (``models.registry.register`` + the package's ``register``): it touches no file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "new_capability"
GIT = shutil.which("git")
ARCHITECTURE = "not error_class"  # every layering rule but the one importing all of models/ (Ray included)

# Run inside the copy (its own models/, components/, pages/ first on sys.path); prints one JSON line.
CHECK = r'''
import json, os, sys
from pathlib import Path

import numpy as np

out = {}
from components import catalog, home_cards
from models import backends, capabilities, examples, registry, serving
from models.readiness import can_run
from models.store import Store, limited_pages

store = Store(os.environ["VISION_STORE"])
out["pages"] = [(p.path, p.title, p.capability) for p in catalog.PAGES]
out["home_cards"] = [p.title for p in home_cards.built_pages()]
out["intro"] = home_cards.intro(len(home_cards.built_pages()))
out["page_defaults"] = {k: list(v) for k, v in capabilities.page_defaults().items()}
out["limited"] = limited_pages(store)
out["makers"] = list(examples.MAKERS)
out["fallback"] = home_cards.FALLBACK.get("edges")
out["can_run"] = can_run("edges", store.has)
out["served"] = list(serving.CAPABILITIES)
out["backends"] = backends.capability("edges").options()
out["entry"] = registry.get("edges_prewitt_kernel").path
out["for_capability"] = [e.id for e in registry.for_capability("edges")]
out["in_status"] = "edges_prewitt_kernel" in [s.entry.id for s in store.status()]
example = examples.make_cached("edges", store)
out["example"] = example.name
out["card"] = home_cards.picture("edges", store)[1]

from models import edges
rgb = np.zeros((40, 60, 3), np.uint8)
rgb[:, 30:] = 200
edge = backends.backend(edges.BACKENDS, "sobel", store).detect(rgb)
out["edge_at"] = [int(edge[:, 29:31].min()), int(edge[:, :25].max())]

# One new model row for the new capability: a registry entry + its option row (a file in the store, no code file).
kernel = store.root / "models/edges/laplace_test.npy"
kernel.parent.mkdir(parents=True, exist_ok=True)
np.save(kernel, np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], np.float32))
registry.register(registry.Entry("laplace_test", "Laplace (test)", "edges", registry.Format.DATA,
                                 "models/edges/laplace_test.npy", ("https://example.invalid/l.npy",), "CC0-1.0"))
edges.register(edges.EdgeSpec("laplace_test", "Laplace (test row)", entry_id="laplace_test"))
out["row_options"] = backends.capability("edges").options()
out["row_runs"] = int(backends.backend(edges.BACKENDS, "laplace_test", store).detect(rgb)[:, 29:31].min()) > 0
# ... and one for an existing capability, segmentation (the file itself is tests/page/test_one_row_adds_a_model.py's).
from models import segmentation as seg
registry.register(registry.Entry("deeplab_row_test", "DeepLab row (test)", "segmentation", registry.Format.TFLITE,
                                 "models/test/row.tflite", ("https://example.invalid/row.tflite",), "Apache-2.0"))
seg.register(seg.ModelSpec("DeepLab row · test", seg.Backend.TFLITE_CLASSMAP, 513, "A test row.", "deeplab_row_test"))
out["seg_row"] = "deeplab_row_test" in seg.options() and "deeplab_row_test" in backends.capability("segmentation").options()

from streamlit.testing.v1 import AppTest
at = AppTest.from_file("pages/8_Edges.py", default_timeout=120).run()
out["page_errors"] = [e.message for e in at.exception] + [e.value for e in at.error]
out["page_images"] = len(at.get("image"))
out["page_kernels"] = at.selectbox(key="edges_kernel").options
at.selectbox(key="edges_kernel").set_value("laplace_test").run()  # the page runs the new row
out["row_page"] = [[e.message for e in at.exception] + [e.value for e in at.error], len(at.get("image"))]
at.selectbox(key="edges_kernel").set_value("prewitt").run()  # its file is not in the store: the page says so
out["missing_page"] = [[e.message for e in at.exception], [e.value for e in at.error]]
home_cards.start_making = lambda _store: False  # no background process making the other capabilities' examples
home = AppTest.from_file("app.py", default_timeout=120).run()
html = " ".join(m.value for m in home.markdown)
out["home_errors"] = [e.message for e in home.exception]
out["home_card"] = 'href="Edges"' in html and "Traces the outlines" in html
out["home_nav"] = [el.proto.label for el in home.sidebar.get("page_link")]
print("RESULT " + json.dumps(out))
'''


def _git(repo: Path, *args: str) -> str:
    assert GIT is not None
    cmd = [GIT, "-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false",
           "-c", "core.hooksPath=/dev/null", *args]  # no hook of this machine runs in the copy
    return subprocess.run(cmd, cwd=repo, check=True, capture_output=True, text=True).stdout


def _copy_of_repo(dest: Path) -> None:
    """The working tree as git sees it (tracked files and new ones not ignored), committed in a fresh repository."""
    listed = subprocess.run([GIT or "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if rel.startswith("tests/fixtures/") or not src.is_file():  # the fixture is what gets added
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel)
    _git(dest, "init", "-q")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "the repository before the new capability")


@pytest.mark.slow
@pytest.mark.skipif(GIT is None, reason="git is not installed")
def test_a_new_capability_is_its_package_page_and_view_only(tmp_path):
    repo = tmp_path / "repo"
    _copy_of_repo(repo)
    # The documented steps: the package (its module, its __init__, its registration.py), the page, its view and
    # settings. Nothing else.
    shutil.copytree(FIXTURE, repo, dirs_exist_ok=True)
    _git(repo, "add", "-A")
    stat = _git(repo, "diff", "--cached", "--stat")
    changes = [line.split("\t") for line in _git(repo, "diff", "--cached", "--name-status").splitlines()]
    print(f"\nfiles touched for a new capability: {len(changes)}\n{stat}")
    assert sorted(changes) == [
        ["A", "components/edges_settings.py"],
        ["A", "components/edges_view.py"],
        ["A", "models/edges/__init__.py"],
        ["A", "models/edges/kernels.py"],
        ["A", "models/edges/registration.py"],
        ["A", "pages/8_Edges.py"],
    ]

    store, cache = tmp_path / "store", tmp_path / "examples"
    store.mkdir()
    env = {**os.environ, "VISION_STORE": str(store), "VISION_EXAMPLES": str(cache), "VISION_OFFLINE": "1",
           "PYTHONPATH": str(repo)}
    env.pop("VISION_EXAMPLES_PREBUILT", None)
    env.pop("VISION_SERVE_ADDRESS", None)
    run = subprocess.run([sys.executable, "-c", CHECK], cwd=repo, env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]
    out = json.loads(next(line for line in run.stdout.splitlines() if line.startswith("RESULT "))[7:])
    print(json.dumps(out, indent=1, ensure_ascii=False))

    # The derived tables pick it up.
    assert out["pages"][-1] == ["pages/8_Edges.py", "Edge detection", "edges"] and len(out["pages"]) == 8
    assert out["home_cards"][-1] == "Edge detection" and out["intro"].startswith("Eight things")
    assert out["page_defaults"]["Edge detection"] == [] and "Edge detection" not in out["limited"]
    assert out["makers"][-1] == "edges" and out["example"].startswith("edges_x_") and out["card"]
    assert out["fallback"] == "chelsea.png" and out["can_run"]
    assert out["served"] == ["segmentation", "style", "faces", "video", "digits"]  # local-only: not a Serve route
    assert out["backends"] == ["sobel", "prewitt"]
    assert out["entry"] == "models/edges/prewitt.npy" and out["for_capability"] == ["edges_prewitt_kernel"]
    assert out["in_status"]  # the admin page's store table lists it
    assert out["edge_at"][0] > 100 and out["edge_at"][1] == 0  # the step between the two halves, nothing elsewhere
    # A new row: registry entry + option row, and it runs; the same for segmentation.
    assert out["row_options"] == ["sobel", "prewitt", "laplace_test"] and out["row_runs"] and out["seg_row"]
    # The page runs (photo and edges shown) and the home page has its card and its link.
    assert out["page_errors"] == [] and out["page_images"] == 2
    assert out["page_kernels"] == ["Sobel (built in)", "Prewitt (from the store)", "Laplace (test row)"]
    assert out["row_page"] == [[], 2]
    assert out["missing_page"][0] == [] and "edges_prewitt_kernel" in " ".join(out["missing_page"][1])
    assert out["home_errors"] == [] and out["home_card"]
    assert out["home_nav"] == ["Home", *(title for _, title, _ in out["pages"]), "Admin · diagnostics"]
    # Still only the six new files: the rows and the example touched no file of the repository.
    assert _git(repo, "status", "--porcelain").splitlines() == [f"A  {path}" for _, path in sorted(changes)]

    # And the new capability keeps the layering rules (no Streamlit in models/, no cycle, settings and keys declared
    # once, pages build backends through create).
    rules = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:warnings",
                            "tests/unit/test_architecture.py", "-k", ARCHITECTURE],
                           cwd=repo, env=env, capture_output=True, text=True, timeout=600)
    print(rules.stdout[-600:])
    assert rules.returncode == 0, rules.stdout[-4000:]
