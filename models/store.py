"""Local model store: where registry entries live on disk, and how they get there.

The store root comes from ``VISION_STORE`` (default ``$XDG_CACHE_HOME/vision-playground/store``, i.e.
``~/.cache/...``). ``VISION_OFFLINE=1`` forbids downloads (the app then only reports what is missing).

Downloads go to a temporary name inside the store and are renamed into place only after the sha256
check (and unpacking) succeeded, so an interrupted or corrupt fetch never leaves a file that looks valid.

CLI::

    python -m models.store list
    python -m models.store fetch deeplab_mnv2_513_quant magenta_predict_int8
    python -m models.store fetch --capability style
    python -m models.store fetch --all
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import io
import logging
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from models.capabilities import default_entries, page_defaults, registered
from models.capabilities import entries as all_entries
from models.errors import VisionError
from models.file_sets import ListingError, SetMismatchError, download
from models.registry import (
    Capability,
    Entry,
    Unpack,
    for_capability,
    get,
)

log = logging.getLogger(__name__)

STORE_ENV = "VISION_STORE"
OFFLINE_ENV = "VISION_OFFLINE"
FETCH_COMMAND = "python -m models.store fetch"
CHUNK = 1 << 16

# progress(done_bytes, total_bytes_or_None)
Progress = Callable[[int, int | None], None]


class StoreError(VisionError):
    """Base class: every message is meant to be shown to a person as is."""


class ModelMissingError(StoreError):
    """An entry is not in the store and could not be downloaded."""

    def __init__(self, entry: Entry, store_root: Path, reason: str = ""):
        self.entry = entry
        self.store_root = store_root
        self.reason = reason
        self.command = fetch_command(entry.id, store_root)
        super().__init__(
            f"{entry.title} ({entry.id}) is not in the model store at {store_root / entry.path}"
            + (f" and could not be downloaded: {reason}" if reason else "")
            + f". To get it, run: {self.command}"
        )


class ChecksumError(StoreError):
    """A fetched file whose sha256 is not the registry's."""


class DownloadError(StoreError):
    """An entry that none of its sources could deliver."""


def default_root() -> Path:
    """The store folder when ``VISION_STORE`` is unset: under the user's cache folder."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "vision-playground" / "store"


def fetch_command(entry_id: str, store_root: Path | None = None) -> str:
    """The shell command that downloads one entry into the store."""
    prefix = f"{STORE_ENV}={store_root} " if store_root and store_root != default_root() else ""
    return f"{prefix}{FETCH_COMMAND} {entry_id}"


def offline() -> bool:
    """Whether downloads are disabled (``VISION_OFFLINE=1``)."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes"}


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _size_of(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


@dataclass(frozen=True)
class EntryStatus:
    """Whether one entry is in the store, where, and its size in bytes."""

    entry: Entry
    present: bool
    path: Path
    size: int | None  # on disk when present, else the registry's expected size


class Store:
    """The local store: one path per registry entry under ``root`` (``$VISION_STORE``, else :func:`default_root`)."""

    def __init__(self, root: Path | str | None = None):
        env = os.environ.get(STORE_ENV)
        self.root = Path(root or env or default_root()).expanduser().resolve()

    def path(self, entry: Entry | str) -> Path:
        """Where an entry lives (or would live) in this store."""
        entry = get(entry) if isinstance(entry, str) else entry
        return self.root / entry.path

    def has(self, entry: Entry | str) -> bool:
        """Whether an entry is present (a file, or a directory for unpacked entries)."""
        entry = get(entry) if isinstance(entry, str) else entry
        p = self.path(entry)
        return p.is_dir() if entry.is_directory else p.is_file()

    def status(self, entries: Iterable[Entry] | None = None) -> list[EntryStatus]:
        """Presence, path and size of each entry (default: every entry, shipped or added by a capability)."""
        out = []
        for e in all_entries() if entries is None else entries:
            present = self.has(e)
            p = self.path(e)
            out.append(EntryStatus(e, present, p, _size_of(p) if present else e.size))
        return out

    def require(self, entry: Entry | str, *, download: bool | None = None, progress: Progress | None = None) -> Path:
        """Path of a present entry; downloads it first when allowed, else raises ModelMissingError."""
        entry = get(entry) if isinstance(entry, str) else entry
        if self.has(entry):
            return self.path(entry)
        if download is None:
            download = not offline()
        if not download:
            raise ModelMissingError(entry, self.root, f"downloads are disabled ({OFFLINE_ENV}=1)")
        try:
            return self.fetch(entry, progress=progress)
        except StoreError as exc:
            raise ModelMissingError(entry, self.root, str(exc)) from exc

    def fetch(self, entry: Entry | str, *, progress: Progress | None = None, timeout: float = 30.0) -> Path:
        """Download one entry into the store (sources tried in order), verified, atomically."""
        entry = get(entry) if isinstance(entry, str) else entry
        target = self.path(entry)
        if self.has(entry):
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        errors = []
        for url in entry.sources:
            try:
                if entry.unpack is Unpack.FILE_SET:
                    self._fetch_file_set(entry, url, target, progress, timeout)
                    return target
                self._fetch_from(entry, url, target, progress, timeout)
                return target
            except ChecksumError:
                raise
            except (StoreError, OSError, http.client.HTTPException, tarfile.TarError, ValueError) as exc:
                errors.append(f"{url}: {exc}")
        raise DownloadError("; ".join(errors) or "no source listed")

    def _fetch_from(self, entry: Entry, url: str, target: Path, progress: Progress | None, timeout: float) -> None:
        # Temp files live next to the target so the final rename stays on one filesystem (atomic).
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        tmp = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
                total = resp.headers.get("Content-Length")
                total = int(total) if total and total.isdigit() else entry.size
                done = 0
                while chunk := resp.read(CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
                if resp.headers.get("Content-Length", "").isdigit() and done != int(resp.headers["Content-Length"]):
                    raise DownloadError(f"connection closed after {done} of {resp.headers['Content-Length']} bytes")
                out.flush()
                os.fsync(out.fileno())
            actual = digest.hexdigest()
            if entry.sha256 and actual != entry.sha256:
                raise ChecksumError(
                    f"sha256 mismatch for {entry.id} from {url}: expected {entry.sha256}, got {actual}; nothing stored"
                )
            if entry.sha256 is None:
                log.warning("%s: sha256 %s (not pinned in the registry)", entry.id, actual)
            self._install(entry, tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    def _fetch_file_set(self, entry: Entry, base: str, target: Path, progress: Progress | None, timeout: float) -> None:
        """A file set (:func:`models.file_sets.download`) into a staging folder renamed to ``target`` at once.

        Raises ChecksumError (a file or the set differs; nothing stored) or DownloadError (no usable tree).
        """
        if entry.file_set is None:
            raise DownloadError(f"{entry.id}: the registry gives no file list for this set")
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".fetch", dir=target.parent))
        try:
            download(entry.file_set, base, entry.sha256, staging, timeout, progress)
            os.replace(staging, target)  # a crash leaves no half set that looks valid
        except ListingError as exc:
            raise DownloadError(f"{entry.id}: {exc}") from exc
        except SetMismatchError as exc:
            raise ChecksumError(f"{entry.id}: {exc}; nothing stored") from exc
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    @staticmethod
    def _install(entry: Entry, tmp: Path, target: Path) -> None:
        if entry.unpack is Unpack.NONE:
            os.replace(tmp, target)
        elif entry.unpack is Unpack.BMP_TO_JPEG:
            from PIL import Image  # noqa: PLC0415 - only needed for these few samples

            with Image.open(tmp) as im:
                buf = io.BytesIO()
                im.convert("RGB").save(buf, "JPEG", quality=92)
            tmp.write_bytes(buf.getvalue())
            os.replace(tmp, target)
        elif entry.unpack is Unpack.TAR_GZ:
            staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".unpack", dir=target.parent))
            try:
                with tarfile.open(tmp, "r:*") as tar:
                    tar.extractall(staging, filter="data")
                os.replace(staging, target)  # a directory appears complete or not at all
            finally:
                shutil.rmtree(staging, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------
def _print_progress(entry_id: str) -> Progress:
    last = [-1]

    def show(done: int, total: int | None) -> None:
        pct = int(100 * done / total) if total else -1
        if pct != last[0] and (pct % 5 == 0 or pct < 0):
            last[0] = pct
            msg = f"{pct:3d}%" if pct >= 0 else f"{done / 1e6:.1f} MB"
            print(f"\r  {entry_id}: {msg}", end="", file=sys.stderr, flush=True)

    return show


def main(argv: list[str] | None = None) -> int:
    """The store's command line (``list``, ``fetch``, ...); returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m models.store", description="Vision playground model store")
    parser.add_argument("--root", help=f"store folder (default: ${STORE_ENV} or {default_root()})")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="show every entry and whether it is present")
    f = sub.add_parser("fetch", help="download entries into the store")
    f.add_argument("ids", nargs="*")
    f.add_argument("--all", action="store_true")
    names = dict.fromkeys([*(r.name for r in registered()), *Capability])  # each registered one, then "samples"
    f.add_argument("--capability", choices=[str(c) for c in names])
    f.add_argument(
        "--defaults",
        action="store_true",
        help="what the pages' default options need (run by .ci/setup); offline: says what is limited",
    )
    args = parser.parse_args(argv)
    store = Store(args.root)

    if args.cmd == "list":
        print(f"store: {store.root}")
        for s in store.status():
            size = f"{s.size / 1e6:8.1f} MB" if s.size else "       ? MB"
            print(f"{'present' if s.present else 'MISSING':8} {size}  {s.entry.id:32} {s.entry.title}")
        return 0

    if args.defaults:
        return fetch_defaults(store)
    if args.all:
        entries = list(all_entries())
    elif args.capability:
        entries = for_capability(args.capability)
    elif args.ids:
        try:
            entries = [get(i) for i in args.ids]
        except KeyError as exc:
            print(exc.args[0], file=sys.stderr)
            return 2
    else:
        parser.error("name entry ids, --capability or --all")
    failed = 0
    for e in entries:
        if store.has(e):
            print(f"present  {e.id}")
            continue
        try:
            store.fetch(e, progress=_print_progress(e.id))
            print(f"\rfetched  {e.id} -> {store.path(e)}")
        except StoreError as exc:
            failed += 1
            print(f"\rFAILED   {e.id}: {exc}", file=sys.stderr)
    return 1 if failed else 0


# Errors that mean no network at all (name resolution / routing): no point trying the next entries.
_NO_NETWORK = ("Errno -2]", "Errno -3]", "Errno 101]", "Network is unreachable", "Temporary failure in name resolution")


def limited_pages(store: Store) -> dict[str, list[str]]:
    """Page title → ids of the entries its default options need that are missing (pages with none left out)."""
    defaults = page_defaults()
    return {page: missing for page, ids in defaults.items() if (missing := [i for i in ids if not store.has(i)])}


def fetch_defaults(store: Store) -> int:
    """Fetch what the pages' default options need: progress, sha256, skip present; offline, say what is limited.

    Returns 0 when every default is present afterwards, else 1 (the app still starts; the pages listed are
    limited: their missing options are not offered to visitors).
    """
    entries = [e for e in default_entries() if not store.has(e)]
    print(f"model store: {store.root}")
    if not entries:
        print("every page's default models are present")
        return 0
    if offline():
        print(f"downloads are disabled ({OFFLINE_ENV}=1)")
    else:
        for e in entries:
            try:
                store.fetch(e, progress=_print_progress(e.id))
                print(f"\rfetched  {e.id}")
            except StoreError as exc:
                print(f"\rnot fetched {e.id}: {str(exc)[:200]}", file=sys.stderr)
                if isinstance(exc, DownloadError) and any(m in str(exc) for m in _NO_NETWORK):
                    print("no network access to the model sources: stopping here", file=sys.stderr)
                    break
    limited = limited_pages(store)
    if not limited:
        print("every page's default models are present")
        return 0
    print(
        "These pages are limited until their models are in the store (the app starts anyway; options whose "
        "model is missing are not offered):"
    )
    for page, missing in limited.items():
        print(f"  {page}: missing {', '.join(missing)}")
    print(
        f"Fill the store on a machine with network access with `{FETCH_COMMAND} --defaults` (or --all), "
        f"or point {STORE_ENV} at a folder that has them."
    )
    return 1


def run_cli(entry_point: Callable[[], int | None]) -> None:
    """Run a model command-line tool; a model missing offline ends it with the fix, not a traceback.

    Library code logs (``logging``); a CLI shows INFO messages as plain lines on stderr.
    """
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        code = entry_point()
    except ModelMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        code = 2
    sys.exit(code or 0)


if __name__ == "__main__":
    sys.exit(main())
