"""models/segmentation/labelled*.py: the labelled-set reader on tiny sets built here, bad sets, real CamVid val."""

from __future__ import annotations

import io
import os
import re
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from models.errors import InputError
from models.segmentation.classes import PALETTE, VOC_CLASSES
from models.segmentation.labelled import (
    Limits,
    parse_labels_txt,
    read_labelled,
    read_split,
)

ROOT = Path(__file__).resolve().parents[2]
CAMVID = Path(os.environ.get("VISION_STORE", "/nonexistent")) / "data" / "camvid"
H, W = 12, 16
LABELS_TXT = "# tiny set\n0 Sky 128,128,128\n1 Road 128,64,128\n2 Car 64,0,128\n11 Unlabelled 0,0,0\n"
Files = dict[str, bytes]


# --- builders -------------------------------------------------------------------------------------
def png(arr: np.ndarray, mode: str | None = None, palette: np.ndarray | None = None) -> bytes:
    im = Image.fromarray(arr) if mode is None else Image.fromarray(arr, mode)
    if palette is not None:
        im.putpalette(palette.astype(np.uint8).ravel().tolist())
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def jpeg(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=95)
    return buf.getvalue()


def image(i: int) -> np.ndarray:
    return np.random.default_rng(i).integers(0, 256, (H, W, 3), dtype=np.uint8)


def smooth(i: int) -> np.ndarray:
    """A gradient, which JPEG keeps within a few levels (noise it does not)."""
    y, x = np.mgrid[0:H, 0:W]
    return np.stack([x * 12 + i, y * 16 + i, np.full((H, W), 40 * i % 256)], -1).astype(np.uint8)


def label(i: int, classes: int = 3, void: int = 11) -> np.ndarray:
    lab = (np.arange(H * W).reshape(H, W) + i) % classes
    lab[0, :] = void  # a void row, as CamVid's unlabelled pixels
    return lab.astype(np.uint8)


def camvid(n_train: int = 4, n_val: int = 2) -> Files:
    files = {"labels.txt": LABELS_TXT.encode()}
    for split, n, start in (("train", n_train, 0), ("val", n_val, 100)):
        for i in range(start, start + n):
            files[f"{split}/f{i:03d}.png"] = png(image(i))
            files[f"{split}annot/f{i:03d}.png"] = png(label(i), "L")
    return files


def voc_label(i: int) -> np.ndarray:
    lab = np.zeros((H, W), np.uint8)
    lab[3:9, 4:12] = (15, 8, 12)[i % 3]  # person, cat, dog
    lab[2, 3:13] = lab[9, 3:13] = 255  # VOC's boundary band
    return lab


def voc(n: int = 5, split_lists: bool = True) -> Files:
    files: Files = {"JPEGImages/extra_unlabelled.jpg": jpeg(image(99))}  # VOC has many JPEGs without labels
    for i in range(n):
        files[f"JPEGImages/2007_{i:06d}.jpg"] = jpeg(smooth(i))
        files[f"SegmentationClass/2007_{i:06d}.png"] = png(voc_label(i), "P", PALETTE)
    if split_lists:
        stems = [f"2007_{i:06d}" for i in range(n)]
        files["ImageSets/Segmentation/train.txt"] = "\n".join(stems[:3]).encode()
        files["ImageSets/Segmentation/val.txt"] = "\n".join(stems[3:]).encode()
    return files


def flat(n: int = 10, label_dir: str = "labels") -> Files:
    files = {}
    for i in range(n):
        files[f"images/p{i:02d}.jpg"] = jpeg(image(i))
        files[f"{label_dir}/p{i:02d}.png"] = png(label(i, classes=4, void=255), "L")
    return files


def zipped(files: Files, wrapper: str = "", compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in files.items():
            zf.writestr(wrapper + name, data)
    return buf.getvalue()


def folder(tmp: Path, files: Files) -> Path:
    for name, data in files.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_bytes(data)
    return tmp


def refused(source, **kwargs) -> str:
    with pytest.raises(InputError) as err:
        read_labelled(source, **kwargs)
    message = str(err.value)
    assert "/tmp" not in message and "\\" not in message, message  # no paths, only a member's own name
    return message


def as_source(kind: str, files: Files, tmp: Path):
    if kind == "folder":
        return folder(tmp / "set", files)
    if kind == "zip path":
        (tmp / "set.zip").write_bytes(zipped(files))
        return tmp / "set.zip"
    if kind == "wrapped zip":  # as macOS's Compress makes it
        wrapped = {f"MySet/{name}": data for name, data in files.items()}
        return zipped({**wrapped, "__MACOSX/MySet/._labels.txt": b"\x00\x05\x16\x07"})
    return zipped(files)


SOURCES = ["folder", "zip bytes", "zip path", "wrapped zip"]


# --- layouts --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", SOURCES)
def test_camvid_layout(kind, tmp_path):
    train, val = read_labelled(as_source(kind, camvid(), tmp_path))
    assert (len(train), len(val)) == (4, 2)
    assert train.stems == ["f000", "f001", "f002", "f003"] and val.stems == ["f100", "f101"]
    assert train.images[0].shape == (H, W, 3) and train.images[0].dtype == np.uint8
    assert np.array_equal(train.images[2], image(2))  # PNG: exact pixels
    assert train.labels[1].shape == (H, W) and train.labels[1].dtype == np.uint8
    assert np.array_equal(val.labels[1], label(101))
    assert train.classes.names == ("Sky", "Road", "Car") and train.classes.void == 11
    assert train.classes.colours[1] == (128, 64, 128) and train.classes.void_colour == (0, 0, 0)
    assert val.meta["layout"] == "camvid" and val.meta["split"] == "val" and not val.meta["split_made"]


def test_read_split_is_read_labelled_on_one_split(tmp_path):
    root = folder(tmp_path, camvid())
    val = read_split(root, "val")
    assert val.stems == read_labelled(root)[1].stems and np.array_equal(val.labels[0], label(100))
    with pytest.raises(InputError, match="no “test” split"):
        read_split(root, "test")


@pytest.mark.parametrize("kind", SOURCES)
def test_voc_layout_reads_palette_indices_and_its_split_lists(kind, tmp_path):
    train, val = read_labelled(as_source(kind, voc(), tmp_path))
    assert train.stems == ["2007_000000", "2007_000001", "2007_000002"]
    assert val.stems == ["2007_000003", "2007_000004"]
    for i, lab in enumerate(train.labels + val.labels):
        assert np.array_equal(lab, voc_label(i))  # the palette index, not the colour
    assert set(np.unique(val.labels[0]).tolist()) == {0, 15, 255}
    assert train.classes.names == VOC_CLASSES and train.classes.void == 255
    assert train.classes.colours[15] == tuple(int(v) for v in PALETTE[15])
    assert train.meta["layout"] == "voc" and train.meta["pairs_left_out"] == 0  # the unlabelled JPEG is normal
    assert abs(train.images[1].astype(int) - smooth(1)).mean() < 4  # JPEG, decoded upright RGB


def test_voc_without_split_lists_gets_a_made_split(tmp_path):
    train, val = read_labelled(folder(tmp_path, voc(n=6, split_lists=False)))
    assert (len(train), len(val)) == (5, 1) and val.meta["split_made"]


def test_voc_rgb_labels_map_by_its_palette(tmp_path):
    files = voc()
    colour = PALETTE[voc_label(1)]  # (H, W, 3) colours, the boundary in VOC's own 224,224,192
    files["SegmentationClass/2007_000001.png"] = png(colour)
    train, _ = read_labelled(zipped(files))
    assert np.array_equal(train.labels[1], voc_label(1))


@pytest.mark.parametrize("label_dir", ["labels", "annotations"])
def test_flat_layout_made_split_is_seeded_and_classes_inferred(label_dir, tmp_path):
    source = zipped(flat(10, label_dir))
    train, val = read_labelled(source, seed=3)
    assert (len(train), len(val)) == (8, 2) and val.meta["split_made"] and val.meta["seed"] == 3
    assert sorted(train.stems + val.stems) == [f"p{i:02d}" for i in range(10)]
    assert read_labelled(source, seed=3)[1].stems == val.stems  # same seed, same split
    assert read_labelled(folder(tmp_path, flat(10, label_dir)), seed=3)[1].stems == val.stems  # any source
    assert read_labelled(source, seed=4)[1].stems != val.stems
    assert train.classes.names == ("class 0", "class 1", "class 2", "class 3") and train.classes.void == 255
    assert train.classes.colours[0] == tuple(int(v) for v in PALETTE[1])
    assert read_labelled(source, val_fraction=0.5)[1].meta["val_fraction"] == 0.5
    assert len(read_labelled(zipped(flat(4)), val_fraction=0.01)[1]) == 1  # at least one val pair


def test_void_value_can_be_given(tmp_path):
    files = {
        k: png(label(int(k[-6:-4]), classes=3, void=9), "L") if k.startswith("labels/") else v
        for k, v in flat(5).items()
    }
    train, _ = read_labelled(zipped(files), void=9)
    assert train.classes.void == 9 and train.classes.size == 3  # values 0..2, void 9
    assert read_labelled(zipped(files))[0].classes.size == 10  # without it: 9 is a class (void 255)
    assert refused(zipped(files), void=5) == "The labels hold the value 9, above the void value 5: void must come last."
    assert "The void value 1 must come after the classes (0–2)" in refused(zipped(camvid()), void=1)


def test_labels_txt_parsing():
    cs = parse_labels_txt("# comment\n0 Sky 1,2,3\n1 Road   # no colour\n\n2 Void 9,9,9\n")
    assert cs.names == ("Sky", "Road") and cs.colours[0] == (1, 2, 3) and cs.colours[1] == tuple(PALETTE[2])
    assert cs.void == 2 and cs.void_colour == (9, 9, 9)
    assert parse_labels_txt("0 a\n1 b\n").void == 255
    for text, words in [
        ("0 Sky 1,2\n", "cannot read the line “0 Sky 1,2”"),
        ("0 Sky\n2 Road\n", "must run 0, 1, 2"),
        ("# nothing\n", "names no classes"),
        ("0 Sky\n1 Road\n0 void\n", "void value 0 must come after the classes"),
        ("0 Sky 300,0,0\n", "cannot read the line"),
    ]:
        with pytest.raises(InputError, match=re.escape(words)):
            parse_labels_txt(text)


def test_rgb_labels_map_by_labels_txt_colours():
    files = camvid()
    colours = {0: (128, 128, 128), 1: (128, 64, 128), 2: (64, 0, 128), 11: (0, 0, 0)}
    lab = label(1)
    rgb = np.zeros((H, W, 3), np.uint8)
    for value, c in colours.items():
        rgb[lab == value] = c
    files["trainannot/f001.png"] = png(rgb)
    train, _ = read_labelled(zipped(files))
    assert np.array_equal(train.labels[1], lab)
    rgb[5, 5] = (1, 2, 3)
    files["trainannot/f001.png"] = png(rgb)
    assert "“f001.png” holds the colour 1,2,3, which labels.txt does not list" in refused(zipped(files))
    del files["labels.txt"]
    assert "“f001.png” is a colour image; list each class's colour in a labels.txt" in refused(zipped(files))


# --- bad sets -------------------------------------------------------------------------------------
def test_size_mismatch_names_the_pair():
    files = camvid()
    files["valannot/f101.png"] = png(np.zeros((W, W), np.uint8), "L")
    msg = refused(zipped(files))
    assert msg == (
        "The image “f101.png” is 16×12 pixels but its label “f101.png” is 16×16: "
        "each label must be the size of its image."
    )


def test_label_value_outside_the_classes_names_value_and_file(tmp_path):
    files = camvid()
    bad = label(2)
    bad[4, 4] = 7
    files["trainannot/f002.png"] = png(bad, "L")
    msg = refused(folder(tmp_path, files))
    assert "“f002.png” holds the value 7, which is not one of this set's classes (0–2, and 11 for void)" in msg


def test_too_few_pairs_says_how_many_and_the_minimum():
    assert "holds 3 image/label pairs; at least 4 are needed" in refused(zipped(flat(3)))
    files = {k: v for k, v in flat(6).items() if k.startswith("images/") or k == "labels/p00.png"}  # one label
    assert "holds 1 image/label pair; at least 4" in refused(zipped(files))


def test_junk_members_are_ignored_but_a_set_of_junk_is_refused():
    junk = {
        "__MACOSX/images/._p00.jpg": b"\x00\x05\x16\x07",
        ".DS_Store": b"\x00\x00\x00\x01Bud1",
        "images/Thumbs.db": b"\xd0\xcf\x11\xe0",
        "README.md": b"# my set",
        "tools/convert.exe": b"MZ\x90\x00",
        "images/notes.pdf": b"%PDF-1.4",
    }
    train, val = read_labelled(zipped({**flat(5), **junk}))
    assert len(train) + len(val) == 5 and train.meta["files_ignored"] == len(junk)
    assert refused(zipped(junk)).startswith("No labelled images found. Put the images in images/")


def test_duplicate_stems_are_refused():
    files = {**flat(5), "images/p01.png": png(image(1))}
    assert "Two files share the name “p01” (p01.jpg, p01.png)" in refused(zipped(files))


def test_unreadable_label_is_refused_by_the_image_decoder():
    files = {**flat(5), "labels/p02.png": b"this is not a picture"}
    assert refused(zipped(files)).startswith("p02.png is not an image this app can read")


def test_path_traversal_in_member_names_is_refused():
    for name in ("../images/p00.jpg", "/etc/passwd.png", "C:/evil.png", "images/..\\..\\p.png"):
        files = {**flat(5), name: b"x"}
        assert "whose name leads outside the archive" in refused(zipped(files), limits=Limits())


def test_zip_bomb_is_refused_before_reading_any_member():
    # 20 MB of zeros (~20 kB deflated), paired with a label so that a reader without the check would read it
    files = {**flat(5), "images/huge.png": bytes(20 * 1024 * 1024), "labels/huge.png": png(label(0), "L")}
    data = bytearray(zipped(files))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("images/huge.png")
    assert info.file_size > 100 * info.compress_size
    start = info.header_offset + 30 + len(info.filename)
    data[start : start + info.compress_size] = bytes(info.compress_size)  # its stream is now garbage
    assert "“huge.png” in the zip unpacks" in refused(bytes(data)) and "zip bomb" in refused(bytes(data))


def test_declared_uncompressed_size_over_the_limit_is_refused():
    data = zipped(flat(5))
    declared = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    msg = refused(data, limits=Limits(max_uncompressed_bytes=declared - 1))
    assert (
        msg == "The zip would unpack to 0 MB; this app reads sets of up to 0 MB unpacked. Use fewer or smaller images."
    )


def test_folder_over_the_byte_budget_is_refused(tmp_path):
    msg = refused(folder(tmp_path, flat(5)), limits=Limits(max_uncompressed_bytes=3000))
    assert "The set holds more than 0 MB of files" in msg


def test_upload_limit_matches_streamlit_config_and_is_enforced(tmp_path):
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert Limits().max_zip_bytes == config["server"]["maxUploadSize"] * 1024 * 1024
    data = zipped(flat(5))
    assert "takes zips of up to 0 MB" in refused(data, limits=Limits(max_zip_bytes=len(data) - 1))
    (tmp_path / "big.zip").write_bytes(data)
    assert "takes zips of up to" in refused(tmp_path / "big.zip", limits=Limits(max_zip_bytes=1000))
    assert "holds 10 image/label pairs; this app trains on up to 9" in refused(
        zipped(flat(10)), limits=Limits(max_pairs=9)
    )
    assert "add up to more than 0 megapixels" in refused(data, limits=Limits(max_total_pixels=3 * H * W))


def test_image_over_the_pixel_budget_is_refused_from_its_header():
    assert "“p00.jpg” is 16×12 pixels; this app trains on images of up to 0.0 megapixels" in refused(
        zipped(flat(5)), limits=Limits(max_image_pixels=100)
    )
    files = flat(5)
    files["labels/p03.png"] = png(np.zeros((3000, 3000), np.uint8), "L")  # 9 MP, a few kB
    assert "“p03.png” is 3000×3000 pixels; this app trains on images of up to 4.2 megapixels" in refused(zipped(files))


def test_not_a_zip_and_not_a_folder(tmp_path):
    assert refused(b"PK\x03\x04 not really").startswith("The upload is not a zip archive")
    (tmp_path / "photo.png").write_bytes(png(image(0)))
    assert refused(tmp_path / "photo.png") == "“photo.png” is neither a folder nor a zip archive of images and labels."


def test_reading_a_zip_writes_nothing(tmp_path, monkeypatch):
    import tempfile

    work, temp = tmp_path / "cwd", tmp_path / "tmp"
    work.mkdir(), temp.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setenv("TMPDIR", str(temp))
    train, _ = read_labelled(io.BytesIO(zipped(camvid(), wrapper="set/")))  # a file object, as an upload
    assert len(train) == 4
    assert not list(work.iterdir()) and not list(temp.iterdir())


# --- the real set ---------------------------------------------------------------------------------
@pytest.mark.skipif(not (CAMVID / "valannot").is_dir(), reason="CamVid is not in the store (VISION_STORE)")
def test_real_camvid_val_split():
    val = read_split(CAMVID, "val")
    assert len(val) == 101
    assert {im.shape for im in val.images} == {(360, 480, 3)} and {lab.shape for lab in val.labels} == {(360, 480)}
    assert max(int(lab.max()) for lab in val.labels) <= 11
    assert val.classes.size == 11 and val.classes.void == 11 and val.classes.names[3] == "Road"
