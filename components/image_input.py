"""Image input used by every page: one-click samples, upload, or camera."""

from __future__ import annotations

from enum import Enum

import streamlit as st

from models.imaging import ImageError, LoadedImage, decode_image, read_image
from models.samples import SampleKind, samples

UPLOAD_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff", "gif"]


class Source(str, Enum):
    SAMPLE = "Sample"
    UPLOAD = "Upload"
    CAMERA = "Camera"


@st.cache_data(max_entries=16, show_spinner=False)
def _decode(data: bytes, name: str) -> LoadedImage:
    # In-memory only (nothing uploaded is written to disk); bounded so memory stays flat.
    return decode_image(data, name=name)


@st.cache_data(max_entries=32, show_spinner=False)
def _read(path: str) -> LoadedImage:
    return read_image(path)


def image_input(
    key: str,
    *,
    label: str = "Image",
    kind: SampleKind = SampleKind.PHOTO,
    default_sample: str | None = None,
    camera: bool = True,
) -> LoadedImage | None:
    """Widgets for choosing an image; returns the decoded RGB image, or None (with a message shown)."""
    sources = [Source.SAMPLE, Source.UPLOAD] + ([Source.CAMERA] if camera else [])
    source = st.radio(
        label, sources, format_func=lambda s: s.value, horizontal=True, key=f"{key}_source"
    )
    try:
        if source is Source.SAMPLE:
            options = samples(kind)
            if not options:
                st.info("No sample images are available; upload one instead.")
                return None
            ids = [s.id for s in options]
            # A value already set through session state (e.g. a gallery button) must not meet a default too.
            index = None if f"{key}_sample" in st.session_state else (
                ids.index(default_sample) if default_sample in ids else 0)
            chosen = st.selectbox(
                "Sample", options, format_func=lambda s: s.title, key=f"{key}_sample",
                **({} if index is None else {"index": index}),
            )
            return _read(str(chosen.path))
        if source is Source.UPLOAD:
            upload = st.file_uploader(
                f"Upload {label.lower()}", type=UPLOAD_TYPES, key=f"{key}_upload",
                help="PNG, JPEG, WebP, BMP, TIFF or GIF. Nothing you upload is stored.",
            )
            if upload is None:
                st.caption("Choose a file to continue.")
                return None
            image = _decode(upload.getvalue(), upload.name)
        else:
            shot = st.camera_input("Take a photo", key=f"{key}_camera")
            if shot is None:
                return None
            image = _decode(shot.getvalue(), "camera photo")
    except ImageError as exc:
        st.error(str(exc))
        return None
    for note in image.notes:
        st.caption(f"ℹ️ {image.name}: {note}")
    return image
