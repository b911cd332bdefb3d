"""Model store: registry sanity, and fetch against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import tarfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from models import registry
from models.registry import ENTRIES, Capability, Entry, Format, Unpack
from models.store import ChecksumError, DownloadError, ModelMissingError, Store, main

ROOT = Path(__file__).resolve().parents[2]
PAYLOAD = os.urandom(300_000)
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


def _tarball() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in {"saved_model.pb": b"graph", "variables/variables.index": b"idx"}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


TARBALL = _tarball()


class _Handler(BaseHTTPRequestHandler):
    stall = threading.Event()  # set by a test to make /stall hang after half the body

    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/missing":
            self.send_error(404)
            return
        body = {"/model.bin": PAYLOAD, "/model.tar.gz": TARBALL}.get(path, PAYLOAD)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if path in ("/cut", "/stall"):
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            if path == "/stall":
                time.sleep(30)  # the client gets killed meanwhile
            return  # connection closes early
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _entry(url_paths, sha=PAYLOAD_SHA, unpack=Unpack.NONE, path="models/test/model.bin", base="") -> Entry:
    return Entry(
        id="test_model",
        title="Test model",
        capability=Capability.SEGMENTATION,
        format=Format.TFLITE,
        path=path,
        sources=tuple(f"{base}{p}" for p in url_paths),
        licence="test",
        sha256=sha,
        unpack=unpack,
    )


def _leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


# --- registry ---------------------------------------------------------------------------------------
def test_registry_covers_every_capability_with_real_sources():
    caps = {e.capability for e in ENTRIES}
    assert caps >= {Capability.SEGMENTATION, Capability.STYLE, Capability.VIDEO, Capability.SAMPLES}
    for e in ENTRIES:
        assert e.sources and all(s.startswith(("http://", "https://")) for s in e.sources), e.id
        assert e.sha256 is None or len(e.sha256) == 64
    ids = {e.id for e in ENTRIES}
    for needed in (
        "deeplab_mnv2_513_quant",
        "deeplab_257_float",
        "deeplab_mnv2_frozen",
        "deeplab_xception_frozen",
        "magenta_style_savedmodel",
        "magenta_predict_int8",
        "magenta_transfer_f16",
        "movinet_a0_k600",
        "movinet_a1_k600",
        "movinet_a2_k600",
        "mobilenet_v2_224_quant",
        "kinetics600_labels",
        "vgg19_notop",
    ):
        assert needed in ids


def test_registry_hashes_match_the_shared_assets(shared_assets):
    """Every pinned sha256 whose file is in ../shared/assets matches it: the registry paths map 1:1."""
    checked = 0
    for e in ENTRIES:
        p = shared_assets / e.path
        if e.sha256 and p.is_file():
            assert hashlib.sha256(p.read_bytes()).hexdigest() == e.sha256, e.id
            checked += 1
    assert checked >= 25, checked


# --- fetch ------------------------------------------------------------------------------------------
def test_fetch_stores_a_good_file(server, tmp_path):
    store = Store(tmp_path)
    seen = []
    path = store.fetch(_entry(["/model.bin"], base=server), progress=lambda d, t: seen.append((d, t)))
    assert path == tmp_path / "models/test/model.bin"
    assert path.read_bytes() == PAYLOAD
    assert store.has(_entry(["/model.bin"], base=server))
    assert seen[-1] == (len(PAYLOAD), len(PAYLOAD)) and len(seen) > 1
    assert _leftovers(tmp_path) == [path]  # no temp file left behind


def test_fetch_rejects_sha256_mismatch_and_leaves_nothing(server, tmp_path):
    store = Store(tmp_path)
    entry = _entry(["/model.bin"], sha="0" * 64, base=server)
    with pytest.raises(ChecksumError, match="sha256 mismatch"):
        store.fetch(entry)
    assert not store.has(entry)
    assert _leftovers(tmp_path) == []


def test_fetch_falls_back_to_the_next_source(server, tmp_path):
    store = Store(tmp_path)
    entry = _entry(["/missing", "/model.bin"], base=server)
    assert store.fetch(entry).read_bytes() == PAYLOAD


def test_cut_connection_leaves_nothing_that_loads(server, tmp_path):
    store = Store(tmp_path)
    entry = _entry(["/cut"], sha=None, base=server)  # no checksum: only the length check protects us
    with pytest.raises(DownloadError, match="connection closed after"):
        store.fetch(entry)
    assert not store.has(entry) and _leftovers(tmp_path) == []
    with pytest.raises(ModelMissingError) as info:
        store.require(entry, download=False)
    assert "python -m models.store fetch test_model" in str(info.value)


def test_killed_download_leaves_nothing_that_loads(server, tmp_path):
    """A fetch process killed mid-download (SIGKILL: no cleanup runs) leaves at most a hidden .part file."""
    script = (
        "import sys; from models.store import Store; from models.registry import *; "
        f"e = Entry('k', 'k', Capability.VIDEO, Format.TFLITE, 'models/k.tflite', ('{server}/stall',), 'x', None, 1); "
        f"Store(sys.argv[1]).fetch(e)"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], cwd=ROOT)
    deadline = time.time() + 30
    while time.time() < deadline and not any(p.stat().st_size > 0 for p in _leftovers(tmp_path)):
        time.sleep(0.1)
    assert _leftovers(tmp_path), "download never started"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = Store(tmp_path)
    entry = Entry("k", "k", Capability.VIDEO, Format.TFLITE, "models/k.tflite", (f"{server}/stall",), "x")
    assert not store.has(entry)
    assert not (tmp_path / "models/k.tflite").exists()
    assert all(p.name.startswith(".k.tflite.") and p.name.endswith(".part") for p in _leftovers(tmp_path))


def test_tarball_entry_unpacks_atomically_into_a_directory(server, tmp_path):
    store = Store(tmp_path)
    sha = hashlib.sha256(TARBALL).hexdigest()
    entry = _entry(["/model.tar.gz"], sha=sha, unpack=Unpack.TAR_GZ, path="models/sm/dir", base=server)
    path = store.fetch(entry)
    assert (path / "saved_model.pb").read_bytes() == b"graph"
    assert (path / "variables/variables.index").is_file()
    assert sorted(p.name for p in (tmp_path / "models/sm").iterdir()) == ["dir"]


def test_offline_setting_forbids_downloads(server, tmp_path, monkeypatch):
    monkeypatch.setenv("VISION_OFFLINE", "1")
    store = Store(tmp_path)
    with pytest.raises(ModelMissingError, match="downloads are disabled"):
        store.require(_entry(["/model.bin"], base=server))
    monkeypatch.setenv("VISION_OFFLINE", "0")
    assert store.require(_entry(["/model.bin"], base=server)).is_file()


def test_unreachable_source_gives_typed_error_with_command(tmp_path):
    store = Store(tmp_path)
    entry = _entry(["http://127.0.0.1:9/nothing"])  # port 9 (discard): connection refused at once
    with pytest.raises(ModelMissingError) as info:
        store.require(entry, download=True)
    assert info.value.command.endswith("python -m models.store fetch test_model")
    assert f"VISION_STORE={tmp_path}" in info.value.command


def test_store_root_comes_from_the_documented_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("VISION_STORE", str(tmp_path))
    assert Store().root == tmp_path.resolve()
    monkeypatch.delenv("VISION_STORE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert Store().root == (tmp_path / "cache/vision-playground/store").resolve()


def test_cli_fetch_and_list(server, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(registry.BY_ID, "test_model", _entry(["/model.bin"], base=server))
    assert main(["--root", str(tmp_path), "fetch", "test_model"]) == 0
    assert (tmp_path / "models/test/model.bin").read_bytes() == PAYLOAD
    assert "fetched  test_model" in capsys.readouterr().out
    assert main(["--root", str(tmp_path), "fetch", "no_such_entry"]) == 2
    monkeypatch.setitem(
        registry.BY_ID, "test_model", _entry(["/model.bin"], sha="1" * 64, base=server, path="models/test/other.bin")
    )
    assert main(["--root", str(tmp_path), "fetch", "test_model"]) == 1
    assert main(["--root", str(tmp_path), "list"]) == 0
    out = capsys.readouterr().out
    assert "MISSING" in out and "deeplab_mnv2_513_quant" in out


@pytest.mark.parametrize("command", [["models.digits", "eval-restore"], ["models.digits.guesser", "eval"]])
def test_model_commands_report_a_missing_model_without_a_traceback(command, tmp_path):
    env = {**os.environ, "VISION_STORE": str(tmp_path / "empty"), "VISION_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", *command],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    print(proc.stderr.splitlines()[-1])
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "python -m models.store fetch mnist_test_images" in proc.stderr


# --- file sets (a directory of files listed by a git tree at the pinned commit; the set pinned by one sha256) ------
def _git_tree(root: Path, prefix: str) -> dict:
    """A GitHub-style recursive git tree of the files under ``root`` (blob ids from ``git hash-object``, not from the
    code under test), each path under ``prefix``, plus a file outside the set and one under another folder."""
    files = sorted(p for p in root.rglob("*") if p.is_file())
    ids = subprocess.run(
        ["git", "hash-object", "--no-filters", *map(str, files)], capture_output=True, text=True, check=True
    ).stdout.split()
    tree = [
        {"path": prefix + p.relative_to(root).as_posix(), "type": "blob", "sha": i, "size": p.stat().st_size}
        for p, i in zip(files, ids, strict=True)
    ]
    tree += [
        {"path": prefix.rstrip("/"), "type": "tree", "sha": "0" * 40},
        {"path": "README.md", "type": "blob", "sha": "1" * 40, "size": 10},
    ]
    return {"sha": "f" * 40, "tree": tree, "truncated": False}


@pytest.fixture
def npy_mirror(shared_assets, tmp_path):
    """A local mirror of the MobileNetV2 .npy repository folder served over HTTP (links to the shared files, not
    copies), with its git tree at ``/tree.json``."""
    import functools
    import json
    from http.server import SimpleHTTPRequestHandler

    src = shared_assets / "models/mobilenet_v2_imagenet_npy"
    if not src.is_dir():
        pytest.skip("the MobileNetV2 .npy folder is not in the shared store")
    mirror = tmp_path / "mirror" / "weights"
    mirror.mkdir(parents=True)
    for f in src.glob("*.npy"):
        (mirror / f.name).symlink_to(f)
    (mirror.parent / "tree.json").write_text(json.dumps(_git_tree(mirror, "weights/")))

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(mirror.parent)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield mirror, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _npy_entry(base: str) -> Entry:
    import dataclasses

    real = registry.get("mobilenet_v2_imagenet_npy")
    assert real.file_set is not None
    return dataclasses.replace(
        real, sources=(f"{base}/weights",), file_set=dataclasses.replace(real.file_set, tree=f"{base}/tree.json")
    )


def test_file_set_is_fetched_file_by_file_and_checked(npy_mirror, tmp_path):
    mirror, base = npy_mirror
    entry = _npy_entry(base)
    store = Store(tmp_path / "store")
    seen = []
    path = store.fetch(entry, progress=lambda d, t: seen.append((d, t)))
    assert store.has(entry) and path.is_dir()
    got = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in path.glob("*.npy")}
    want = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in mirror.glob("*.npy")}
    assert got == want and len(got) == 261
    assert seen[-1] == (9_069_348, 9_069_348) and len(seen) == 261  # bytes of the set, once per file
    sums = (path / "SHA256SUMS").read_text()  # written at fetch: `sha256sum -c` checks the stored set later
    check = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=path, capture_output=True, text=True)
    assert check.returncode == 0 and sums.count("\n") == 261, check.stdout + check.stderr
    assert [p.name for p in (tmp_path / "store" / "models").iterdir()] == ["mobilenet_v2_imagenet_npy"]  # no staging


def test_a_tampered_file_of_a_set_is_named_and_leaves_nothing(npy_mirror, tmp_path):
    mirror, base = npy_mirror
    victim = mirror / "expanded_conv_7_project_weights.npy"
    victim.unlink()
    victim.write_bytes(b"not the weights")
    store = Store(tmp_path / "store")
    entry = _npy_entry(base)
    with pytest.raises(ChecksumError, match="expanded_conv_7_project_weights"):
        store.fetch(entry)
    assert not store.has(entry)
    assert _leftovers(tmp_path / "store") == []


def test_a_tree_that_agrees_with_a_tampered_file_still_fails_the_pinned_set(npy_mirror, tmp_path):
    """Listing and file changed together (a moved tag, a rewritten mirror): the blob ids agree, the set's pin does not."""
    import json

    mirror, base = npy_mirror
    victim = mirror / "Conv_1_weights.npy"
    victim.unlink()
    victim.write_bytes(b"other weights")
    (mirror.parent / "tree.json").write_text(json.dumps(_git_tree(mirror, "weights/")))
    store = Store(tmp_path / "store")
    with pytest.raises(ChecksumError, match="mobilenet_v2_imagenet_npy: sha256 mismatch for the set"):
        store.fetch(_npy_entry(base))
    assert _leftovers(tmp_path / "store") == []


def test_a_set_tree_that_is_truncated_or_empty_is_refused(tmp_path):
    import json

    from models.file_sets import ListingError, file_set_members

    entry = registry.get("camvid")
    assert entry.file_set is not None
    with pytest.raises(ListingError, match="truncated"):
        file_set_members(entry.file_set, json.dumps({"tree": [], "truncated": True}).encode())
    with pytest.raises(ListingError, match="none of the set's files"):
        file_set_members(
            entry.file_set,
            json.dumps(
                {
                    "tree": [{"path": "CamVid/test/a.png", "type": "blob", "sha": "0" * 40, "size": 1}],
                    "truncated": False,
                }
            ).encode(),
        )
    with pytest.raises(ListingError, match="not a git tree"):
        file_set_members(entry.file_set, b"<html>rate limited</html>")


@pytest.mark.parametrize("entry_id, files", [("camvid", 938), ("mobilenet_v2_imagenet_npy", 261)])
def test_the_pinned_set_digest_is_that_of_the_real_shared_copy(shared_assets, entry_id, files):
    """The registry's one sha256 per set matches the real files (the selection patterns pick exactly them)."""
    from models.file_sets import file_set_digest

    entry = registry.get(entry_id)
    assert entry.file_set is not None
    folder = shared_assets / entry.path
    if not folder.is_dir():
        pytest.skip(f"{entry_id} is not in the shared store")
    rows = [
        (p.relative_to(folder).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest())
        for p in folder.rglob("*")
        if p.is_file() and entry.file_set.selects(p.relative_to(folder).as_posix())
    ]
    assert len(rows) == files
    assert file_set_digest(rows) == entry.sha256
    assert file_set_digest(rows[1:]) != entry.sha256  # one file fewer is another set


def test_camvid_labels_are_written_into_the_set_and_parse(shared_assets):
    from models.segmentation.labelled import parse_labels_txt

    entry = registry.get("camvid")
    assert entry.file_set is not None
    ((name, text),) = entry.file_set.written
    classes = parse_labels_txt(text)
    assert name == "labels.txt" and len(classes.names) == 11 and classes.void == 11
    assert classes.names[3] == "Road" and classes.colours[3] == (128, 64, 128)
    shared = shared_assets / "data/camvid/labels.txt"
    if shared.is_file():  # the same classes, colours and void as the shared set's own list
        assert parse_labels_txt(shared.read_text()) == classes
