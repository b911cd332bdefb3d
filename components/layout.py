"""Page-wide layout rules for narrow screens (phones), in one place: the style sheet every page gets from
``components.page.page_setup`` and :func:`result_first`, the one way a page puts its result above its options.

Why CSS: the server never knows the width of the visitor's screen, so a page draws one element tree and the
browser lays it out. Streamlit gives a container with key ``k`` the class ``st-key-k`` and lays the children of a
container out as a flex column, so ``order`` moves a child without changing the script's order (widgets are still
read before the result is computed).
"""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

# Streamlit stacks the columns of st.columns into one column below this viewport width (its own breakpoint).
PHONE_MAX_PX = 640
RESULT_SUFFIX = "__result"  # the key of a result container ends with this (the style sheet matches on it)
OPTIONS_SUFFIX = "__options"

STYLE = f"""<style>
@media (max-width: {PHONE_MAX_PX}px) {{
  /* result_first(): a page's result above its options on a phone (Streamlit wraps each container in a
     stLayoutWrapper: that wrapper is the flex child to move) */
  [data-testid="stLayoutWrapper"]:has(> [class*="st-key-"][class*="{RESULT_SUFFIX}"]) {{ order: -1; }}
  /* Page titles at 36 px instead of 44: "🔭 Computer-vision" fits one line, and results start higher */
  [data-testid="stMain"] h1 {{ font-size: 2.25rem; }}
  /* and a rule between that result and the options that now follow it */
  [class*="st-key-"][class*="{OPTIONS_SUFFIX}"] {{ border-top: 1px solid rgba(49, 51, 63, 0.2); padding-top: 1rem; }}
}}
/* A touch screen has no hover: the copy button of a code block (the Share box's link) is always shown. */
.st-key-share_link [data-testid="stCode"] > pre + div {{ opacity: 1 !important; visibility: visible !important; }}
</style>"""


def page_style() -> None:
    """The style sheet above; called once per run by ``page_setup`` (a style-only ``st.html`` takes no space)."""
    st.html(STYLE)


def result_first(key: str) -> tuple[DeltaGenerator, DeltaGenerator]:
    """Two containers ``(options, result)`` in one block: drawn in that order (options first, as on a desktop),
    with the result moved above the options on a screen narrower than :data:`PHONE_MAX_PX` px.

    ``key``: unique on the page (the containers get the keys ``{key}__options`` and ``{key}__result``). Fill them in
    any order: ``with options: ...`` then ``with result: ...``.
    """
    with st.container(key=f"{key}__block"):
        options = st.container(key=f"{key}{OPTIONS_SUFFIX}")
        result = st.container(key=f"{key}{RESULT_SUFFIX}")
    return options, result
