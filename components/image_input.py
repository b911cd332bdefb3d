"""Image input used by every page: one-click samples, upload, or camera."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from enum import Enum

import streamlit as st

from components.display import decode
from components.feedback import bad_input
from components.share import from_link, not_in_link
from models.imaging import (
    ACCEPTED_TYPES_TEXT,
    IMAGE_TYPES,
    ImageError,
    LoadedImage,
    check_image_name,
    read_image,
)
from models.samples import SampleKind, samples

UPLOAD_TYPES = list(IMAGE_TYPES)  # the one list (models.imaging.IMAGE_TYPES); kept under its old name
UPLOAD_HELP = f"{ACCEPTED_TYPES_TEXT}. Nothing you upload is stored."


class Source(str, Enum):
    SAMPLE = "Sample"
    UPLOAD = "Upload"
    CAMERA = "Camera"


@st.cache_data(max_entries=32, show_spinner=False)
def _read(path: str) -> LoadedImage:
    return read_image(path)


def sample_id(key: str) -> str | None:
    """The id of the sample the ``image_input(key)`` picker shows now, or None when its image is the visitor's own
    (an upload or a camera photo): what may key a result shared across sessions (components/shared_results.py)."""
    if st.session_state.get(f"{key}_source") != Source.SAMPLE:
        return None
    chosen = st.session_state.get(f"{key}_sample")
    return getattr(chosen, "id", None)


def image_uploader(label: str, key: str, *, multiple: bool = False, help: str | None = None):
    """``st.file_uploader`` for images: the one list of accepted types, refusals in words a person knows.

    The browser's own refusal names MIME types ("image/vnd.microsoft.icon files are not allowed"), so the
    widget takes any file and each one is checked here by its extension (:func:`models.imaging.check_image_name`);
    a refused file gets an ``st.error`` and is left out. Returns the accepted ``UploadedFile`` (or None), or
    the list of accepted ones when ``multiple``.
    """
    got = st.file_uploader(label, key=key, accept_multiple_files=multiple, help=help or UPLOAD_HELP)
    files = list(got or []) if multiple else ([got] if got is not None else [])
    accepted = []
    for f in files:
        try:
            check_image_name(getattr(f, "name", ""))
            accepted.append(f)
        except ImageError as exc:
            bad_input(exc)
    if multiple:
        return accepted
    return accepted[0] if accepted else None


def image_input(
    key: str,
    *,
    label: str = "Image",
    kind: SampleKind | Sequence[SampleKind] = SampleKind.PHOTO,
    default_sample: str | Sequence[str] | None = None,
    camera: bool = True,
) -> LoadedImage | None:
    """Widgets for choosing an image; returns the decoded RGB image, or None (with a message shown).

    ``kind``: the sample kind(s) offered (several are listed in order). ``default_sample``: the sample id shown until
    the visitor picks one, or ids in order of preference (the first one present is the default, e.g. a store photo,
    then a package-shipped one for an empty store); none present: the first sample."""
    sources = [Source.SAMPLE, Source.UPLOAD] + ([Source.CAMERA] if camera else [])
    source = st.radio(label, sources, format_func=lambda s: s.value, horizontal=True, key=f"{key}_source")
    try:
        if source is Source.SAMPLE:
            options = samples(kind)
            if not options:
                st.info("No sample images are available; upload one instead.")
                return None
            ids = [s.id for s in options]
            # The default sent to the browser must be the value the server holds, on EVERY run. It used to be
            # passed on the first run only (then 0 = the first option): a browser that first mounted this
            # selectbox on a later run (a click before the slow first run had reached it, e.g. under load)
            # showed and sent back the first option while the server had the default sample, so the image
            # switched by itself and an uploaded mask no longer matched it (issue 19).
            current = st.session_state.get(f"{key}_sample")
            prefs = [default_sample] if isinstance(default_sample, str) else list(default_sample or ())
            wanted = (
                current.id
                if current is not None and hasattr(current, "id")
                else next((p for p in prefs if p in ids), None)
            )
            index = ids.index(wanted) if wanted in ids else 0
            chosen = st.selectbox(
                "Sample",
                options,
                format_func=lambda s: s.title,
                key=f"{key}_sample",
                index=index,
            )
            return dataclasses.replace(_read(str(chosen.path)), title=chosen.title)  # captions name the sample
        if source is Source.UPLOAD:
            raw = st.session_state.get(f"{key}_upload")
            upload = image_uploader(f"Upload {label.lower()}", f"{key}_upload")
            if upload is None:
                if from_link(f"{key}_source"):  # a link opened on an upload: say why no picture, what to do
                    not_in_link(f"The {label.lower()}", "upload it again, or choose a sample")
                elif raw is None:
                    st.caption("Choose a file to continue.")
                return None
            image = decode(upload.getvalue(), upload.name)
        else:
            shot = st.camera_input("Take a photo", key=f"{key}_camera")
            if shot is None:
                if from_link(f"{key}_source"):
                    not_in_link(f"The {label.lower()}", "take one again, or choose a sample", was="was a camera photo")
                return None
            image = decode(shot.getvalue(), "camera photo")
    except ImageError as exc:
        bad_input(exc)
        return None
    for note in image.notes:
        st.caption(f"ℹ️ {image.name}: {note}")
    return image
