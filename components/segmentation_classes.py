"""The Segmentation page's class-set parts: the caption, the legend with per-class show/hide, the modes an option
offers, and the default sample that follows the option.

Everything reads the class set from the option row (``seg.class_names``, ``ModelSpec.class_set``) or from the
result (``Segmentation.labels / palette / background``), never from VOC constants: a CamVid model has 11 classes,
its own colours and no background class.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from components.segmentation_settings import SAMPLE_KINDS, SEG, Mode
from models import segmentation as seg
from models.samples import STREET_DEFAULT, samples

CAT_SAMPLE = "photo_cat"  # the default photo of the PASCAL VOC options
# Names a caption prefers as examples of a long class set (the first ones otherwise).
_EXAMPLES = ("person", "cat", "dog", "car")


def model_name(spec: seg.ModelSpec) -> str:
    """The short name of an option ("DeepLabV3 MobileNetV2", "FCN-8s"): its title before the first "·" or "("."""
    return spec.title.split(" · ")[0].split(" (")[0].strip()


def page_caption(option: str) -> str:
    """The sentence under the page title for ``option``: its model, how many classes of which set, examples."""
    spec = seg.spec_of(option)
    names = [n for n in seg.class_names(option) if n != "background"]
    if len(names) <= 12:
        shown = ", ".join(names)
    else:
        picked = [n for n in _EXAMPLES if n in names] or names[:4]
        shown = ", ".join(picked) + ", …"
    where = ", trained here on street scenes," if spec.builtin else ""
    return (
        f"{model_name(spec)}{where} labels every pixel with one of {len(seg.class_names(option))} "
        f"{spec.class_set} classes ({shown}). Nothing you upload is stored."
    )


def modes_for(spec: seg.ModelSpec) -> list[Mode]:
    """Portrait mode and the remove-object hand-off need a person / background split: only options whose class
    set has a person class offer them."""
    return list(Mode) if spec.has_person else [Mode.SEGMENT]


def mode_radio(spec: seg.ModelSpec) -> Mode:
    """The "What to do" radio with the modes of ``spec`` (a mode kept from another option or a link falls back to
    segmentation), and one line saying why the others are missing."""
    modes = modes_for(spec)
    if SEG.mode.get() not in modes:
        SEG.mode.set(Mode.SEGMENT)
    mode = st.radio("What to do", modes, format_func=lambda m: m.value, horizontal=True, key=SEG.mode.key)
    if len(modes) < len(Mode):
        st.caption(f"Portrait mode and object removal need a person class; the {spec.class_set} classes have none.")
    return Mode(mode)


def default_sample(spec: seg.ModelSpec) -> str:
    """The sample an option opens on: a CamVid street scene for a road-scene model, the cat otherwise."""
    return STREET_DEFAULT if spec.data_entry == "camvid" else CAT_SAMPLE


def follow_model(option: str) -> None:
    """Call after the model widget, before the image input: when the visitor switches to a road-scene option while
    the image is still the cat (the other options' default), the sample becomes a street scene. Only on a switch
    made here, so a shared link's own sample is kept."""
    previous = st.session_state.get("_seg_previous_model")
    st.session_state["_seg_previous_model"] = option
    if previous is None or previous == option:
        return
    wanted = default_sample(seg.spec_of(option))
    current = st.session_state.get(SEG.image.sample)
    if wanted == CAT_SAMPLE or getattr(current, "id", CAT_SAMPLE) != CAT_SAMPLE:
        return
    street = next((s for s in samples(SAMPLE_KINDS) if s.id == wanted), None)
    if street is not None:  # not offered when the store lacks CamVid: the cat stays
        st.session_state[SEG.image.sample] = street


def class_id_help(result: seg.Segmentation) -> str:
    """The help of the class-id PNG download: what its pixel values mean for this result's class set."""
    ids = [result.background] if result.background is not None else []
    ids += [i for i in range(len(result.labels)) if i != result.background][: 3 - len(ids)]
    examples = ", ".join(f"{i} = {result.labels[i]}" for i in ids)
    return (
        f"Palette PNG at your image's size: each pixel value is the class id, 0 to {len(result.labels) - 1} "
        f"({examples}…); image viewers show the legend's colours."
    )


def legend(result: seg.Segmentation, class_set: str, palette: np.ndarray | None = None) -> list[int]:
    """Colour legend of the classes found (largest first) with a show/hide checkbox each; traces on request.
    Returns the class ids to show. ``class_set`` names the set in messages ("PASCAL VOC", "CamVid"); the swatches
    show ``palette`` ((256, 3) uint8: the colours the view draws; the result's own when None)."""
    colours = result.palette if palette is None else palette
    st.markdown(
        "**Classes found**",
        help="Untick a class to hide it in the overlay and colour map. Classes "
        f"under {seg.MIN_LEGEND_SHARE:.1%} of the image are mostly stray pixels: they are listed as traces, "
        "hidden unless you ask for them.",
    )
    listed, traces = result.found()
    visible = [s.index for s in listed if _legend_row(s, f"{s.name} — {s.share:.1%}", colours)]
    bg = next((s for s in result.shares() if s.index == result.background), None)
    if bg is not None:
        st.caption(f"{bg.name} — {bg.share:.1%}")
    if traces:
        names = ", ".join(f"{s.name} {s.pixels:,} px" for s in traces)
        if SEG.show_traces.toggle(
            f"Show traces ({names})",
            wrap=True,  # the label lists the traces: it may be long (Streamlit truncates it in a column otherwise)
            help=f"Classes under {seg.MIN_LEGEND_SHARE:.1%} of the image each: often a few stray pixels "
            "at an edge, sometimes a small real object (people far away).",
        ):
            visible += [s.index for s in traces if _legend_row(s, f"{s.name} — {s.pixels:,} px (trace)", colours)]
    if not listed:
        others = len(result.labels) - (result.background is not None)
        lead = f"Only {bg.name} covers a visible share of this image: " if bg is not None else ""
        st.info(
            f"{lead}none of the {others} {class_set} classes covers {seg.MIN_LEGEND_SHARE:.1%} of it."
            + (" Smaller traces can be shown above." if traces else "")
        )
    return visible


def _legend_row(share: seg.ClassShare, label: str, palette: np.ndarray) -> bool:
    # One row that never wraps (st.columns would stack the swatch above its checkbox on a phone); the swatch is the
    # colour the overlay draws (the readable palette), not necessarily the class set's own.
    colour = seg.hex_colour(share.index, palette)
    with st.container(horizontal=True, wrap=False, vertical_alignment="center", gap="small"):
        st.html(  # st.html, not st.markdown: a markdown block's own margins pushed the swatch below the label
            f"<div style='width:1.4rem;height:1.4rem;border-radius:4px;border:1px solid #888;"
            f"background:{colour}' title='{colour}'></div>",
            width="content",
        )
        return SEG.show.of(share.index).checkbox(label, wrap=True)
