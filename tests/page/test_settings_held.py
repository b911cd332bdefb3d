"""Every settings helper (``Number.slider``/``number_input``, ``initial``) hands the value the session holds to the
browser when it draws a widget again after a run that stopped before it (``components.settings.held``).

A browser drops a widget a finished run did not draw, while Streamlit keeps the value on the server through a run
that ended in ``st.stop()``. A freshly mounted widget shows its element's ``value`` when ``set_value`` is set, else
its ``default``: that is what these tests read (AppTest itself reads the server's value, so it would not notice).
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.page.links import open_link
from tests.unit.test_inpainting import canvas_key, paint_it, stroke


def _page() -> None:
    import streamlit as st

    from components.settings import Number, initial

    if st.session_state.get("stop"):
        st.stop()
    Number("n_slider", 5, 1, 9).slider("Slider")
    Number("n_float", 0.6, 0.0, 1.0, 0.05).slider("Float slider")
    Number("n_input", 7, 2, 99).number_input("Number")
    st.toggle("Toggle", key="t_toggle", **initial("t_toggle", True))
    st.checkbox("Checkbox", key="t_check", **initial("t_check", True))
    st.select_slider("Size", [128, 256, 512], key="t_size", **initial("t_size", 256))
    st.color_picker("Colour", key="t_colour", **initial("t_colour", "#2e7d32"))


def _shown(element) -> object:
    """What a browser that mounts this element fresh shows: its ``value`` when ``set_value`` is set, else its
    ``default`` (a select_slider: the option its ``raw_value`` or default index names)."""
    proto = element.proto
    if element.type == "select_slider":
        return int(proto.raw_value[0] if proto.set_value else proto.options[int(proto.default[0])])
    value = proto.value if proto.set_value else proto.default
    return list(value) if element.type == "slider" else value


WIDGETS = {"slider": "n_slider", "number_input": "n_input", "toggle": "t_toggle", "checkbox": "t_check",
           "select_slider": "t_size", "color_picker": "t_colour"}


def test_widgets_drawn_again_after_a_stop_show_the_held_values():
    at = AppTest.from_function(_page).run()
    at.slider(key="n_slider").set_value(8)  # one changed by the visitor, the others untouched
    at.toggle(key="t_toggle").set_value(False).run()
    held = {key: getattr(at, kind)(key=key).value for kind, key in WIDGETS.items()}
    held["n_float"] = at.slider(key="n_float").value
    assert held["n_slider"] == 8 and held["t_toggle"] is False and held["n_input"] == 7

    at.session_state["stop"] = True
    at.run()
    assert not at.slider and not at.toggle  # the run stopped before every widget
    at.session_state["stop"] = False
    at.run()
    assert not at.exception and not at.warning

    shown = {key: _shown(getattr(at, kind)(key=key)) for kind, key in WIDGETS.items()}
    shown["n_float"] = _shown(at.slider(key="n_float"))
    want = {**held, "n_slider": [8], "n_float": [held["n_float"]]}
    assert shown == want, f"a fresh browser widget would show {shown}, the session holds {want}"


def test_inpainting_settings_after_painting_on_a_stopped_page():
    """The page as the visitor met it: the example's result (settings drawn), "Paint it" (the run stops on "the
    mask is empty"), a stroke: the settings the browser is told are the defaults, not each slider's minimum."""
    at = open_link("pages/2_Inpainting.py", {})
    assert at.slider(key="inpaint_dilation").value == 2  # the example's settings, drawn
    at = paint_it(at)
    assert "inpaint_dilation" not in [s.key for s in at.slider]  # stopped before the settings
    at.session_state[canvas_key(at)] = {"drawing": {"raw": {"objects": [stroke(100, 100, 300, 120)]}, "data": None},
                                        "backgroundFit": None}
    at.run()
    shown = {k: _shown(at.slider(key=k)) for k in ("inpaint_radius", "inpaint_dilation")}
    shown["inpaint_crop"] = _shown(at.toggle(key="inpaint_crop"))
    assert shown == {"inpaint_radius": [3], "inpaint_dilation": [2], "inpaint_crop": True}
