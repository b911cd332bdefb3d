"""File sets: store entries that are a folder of many files from a git repository at a pinned commit.

A set is listed by the repository's git tree at that commit (GitHub's git-trees API), which gives each file's git
blob id, so every download is checked as it arrives; the registry pins the set as a whole with one sha256, that of
its ``sha256sum``-style listing (:func:`file_set_digest`). Nothing here downloads: :mod:`models.store` does.
"""

from __future__ import annotations

import hashlib
import json
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from models.errors import VisionError


class ListingError(VisionError, ValueError):
    """A set's file list cannot be used (not a git tree, truncated, or none of the set's files)."""


class SetMismatchError(VisionError):
    """A downloaded file differs from its blob id, or the set from its pinned sha256."""


MAX_TREE_BYTES = 32 << 20  # GitHub truncates a recursive tree at 7 MB; more than this is not a tree


@dataclass(frozen=True)
class FileSet:
    """How a FILE_SET entry's files are found: the source repository's git tree at the pinned commit.

    ``tree`` is a GitHub git-trees URL (``?recursive=1``) at the same commit as the entry's source: it names every
    file of the set with its git blob id (SHA-1 of ``"blob <size>"``, a NUL byte, the content), so each download
    is checked as it arrives and a bad file is named. The entry's ``sha256`` then pins the set as a whole: the sha256 of its
    ``sha256sum``-style listing (see :func:`file_set_digest`), so a tree that lists other files fails too.
    """

    tree: str
    prefix: str  # the set's folder inside the repository, with a trailing slash ("CamVid/")
    include: tuple[str, ...]  # fnmatch patterns relative to ``prefix``
    exclude: tuple[str, ...] = ()
    written: tuple[tuple[str, str], ...] = ()  # (file name, text) written into the set here (not downloaded)

    def selects(self, rel: str) -> bool:
        """Whether a path relative to ``prefix`` belongs to the set."""
        return any(fnmatchcase(rel, p) for p in self.include) and not any(fnmatchcase(rel, p) for p in self.exclude)


def file_set_digest(rows: Iterable[tuple[str, str]]) -> str:
    """sha256 (hex) of a set's listing: one ``<sha256>  <relative path>`` line per file, sorted by path.

    ``rows`` are (relative path, sha256 hex) pairs. The same text is the set's ``SHA256SUMS`` (``sha256sum -c``).
    """
    return hashlib.sha256(file_set_listing_text(rows).encode()).hexdigest()


def file_set_listing_text(rows: Iterable[tuple[str, str]]) -> str:
    """The ``sha256sum``-style listing of (relative path, sha256 hex) pairs, sorted by path."""
    return "".join(f"{sha}  {rel}\n" for rel, sha in sorted(rows))


def git_blob_id(data: bytes) -> str:
    """Git's object id of a file's content, as a tree lists it: SHA-1 of ``"blob <size>"``, a NUL byte, the bytes."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def file_set_members(file_set: FileSet, tree_json: bytes) -> list[tuple[str, str, int]]:
    """(path relative to the set, git blob id, size in bytes) of each file of a set, sorted by path.

    ``tree_json`` is a GitHub git-trees response (``{"tree": [{"path", "type", "sha", "size"}, …], "truncated"}``).

    Raises:
        ListingError: the listing is not a tree, is truncated, or names none of the set's files.
    """
    try:
        tree = json.loads(tree_json)
        items = tree["tree"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ListingError(f"the file list is not a git tree ({exc})") from exc
    if tree.get("truncated"):
        raise ListingError("the git tree came back truncated")
    prefix = file_set.prefix
    out = []
    for item in items:
        path = str(item.get("path", ""))
        if item.get("type") == "blob" and path.startswith(prefix):
            rel = path[len(prefix) :]
            if file_set.selects(rel) and ".." not in rel.split("/"):
                out.append((rel, str(item["sha"]), int(item["size"])))
    if not out:
        raise ListingError(f"the git tree lists none of the set's files under {prefix}")
    return sorted(out)


# CamVid's 11 classes + void as labelled in the SegNet tutorial's 360x480 copy (trainannot/valannot values): names
# and display colours from the class list of Scripts/test_segmentation_camvid.py at SEGNET's commit (it skips
# Road_marking). Written into the fetched set as its labels.txt (the format models.segmentation.labelled reads).
CAMVID_CLASSES: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("Sky", (128, 128, 128)),
    ("Building", (128, 0, 0)),
    ("Pole", (192, 192, 128)),
    ("Road", (128, 64, 128)),
    ("Pavement", (60, 40, 222)),
    ("Tree", (128, 128, 0)),
    ("SignSymbol", (192, 128, 128)),
    ("Fence", (64, 64, 128)),
    ("Car", (64, 0, 128)),
    ("Pedestrian", (64, 64, 0)),
    ("Bicyclist", (0, 128, 192)),
    ("Unlabelled", (0, 0, 0)),
)


def read_url(url: str, timeout: float, limit: int) -> bytes:
    """The body of ``url``, at most ``limit`` bytes (more raises ListingError); network errors propagate."""
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        data = resp.read(limit + 1)
    if len(data) > limit:
        raise ListingError(f"{url}: larger than expected ({limit} bytes)")
    return data


def download(
    file_set: FileSet,
    base: str,
    pinned: str | None,
    folder: Path,
    timeout: float,
    progress: Callable[[int, int | None], None] | None = None,
) -> None:
    """Download a set into ``folder``, each file checked on arrival and the whole against ``pinned``.

    Args:
        file_set: what to list and take.
        base: URL the set's relative paths are appended to (``base/<path>``).
        pinned: the set's sha256 (:func:`file_set_digest`); None trusts the blob ids alone.
        folder: an empty staging folder (the caller renames it into place, or deletes it on an error).
        timeout: seconds per request.
        progress: called with (bytes done, bytes of the set) after each file.

    Raises:
        ListingError: the tree is not usable. SetMismatchError: a file or the set differs (the file is named).
    """
    members = file_set_members(file_set, read_url(file_set.tree, timeout, MAX_TREE_BYTES))
    total = sum(size for _, _, size in members)
    rows, done = [], 0
    for rel, blob, size in members:
        data = read_url(f"{base}/{rel}", timeout, size + 1)
        if len(data) != size or git_blob_id(data) != blob:
            raise SetMismatchError(f"{rel} from {base} differs from the file of the pinned commit")
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
        rows.append((rel, hashlib.sha256(data).hexdigest()))
        done += size
        if progress:
            progress(done, total)
    actual = file_set_digest(rows)
    if pinned and actual != pinned:
        raise SetMismatchError(f"sha256 mismatch for the set ({len(rows)} files): expected {pinned}, got {actual}")
    (folder / "SHA256SUMS").write_text(file_set_listing_text(rows))  # for `sha256sum -c` later
    for name, text in file_set.written:
        (folder / name).write_text(text)


def labels_txt(classes: tuple[tuple[str, tuple[int, int, int]], ...], source: str) -> str:
    """A labels.txt (``index Name R,G,B`` lines, :func:`models.segmentation.labelled.parse_labels_txt`)."""
    head = f"# {source}\n# The last value is void / unlabelled: leave it out of the loss and of every IoU.\n"
    return head + "".join(f"{i} {name} {r},{g},{b}\n" for i, (name, (r, g, b)) in enumerate(classes))


def github_tree(raw_base: str) -> str:
    """The git-trees API URL (recursive) of a ``raw.githubusercontent.com/<owner>/<repo>/<commit>`` base."""
    owner, repo, commit = raw_base.removeprefix("https://raw.githubusercontent.com/").split("/")[:3]
    return f"https://api.github.com/repos/{owner}/{repo}/git/trees/{commit}?recursive=1"
