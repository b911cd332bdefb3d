"""The page a protocol visitor sees: Streamlit's deltas kept as the frontend keeps them, by ``delta_path``.

A new element replaces what was at its place (children included); a block keeps its children until the run
ends; a full run's end (``script_finished`` FINISHED_SUCCESSFULLY) drops every node that run did not draw
(the frontend's ``clearStaleNodes``). Widgets are found by label or key; :meth:`Page.text` is what a reader
sees (labels, markdown incl. its HTML, captions, alerts, image captions, block labels).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

MEDIA_RE = re.compile(r"/media/[\w.-]+")
WIDGET_ID_RE = re.compile(r"^\$\$ID-[0-9a-f]{32}-(.+)$")
# Element types whose proto is a widget with a value (``id`` + ``label``), and the WidgetState field it uses.
VALUE_FIELD = {
    "checkbox": "bool_value",
    "radio": "string_value",
    "selectbox": "string_value",
    "text_input": "string_value",
    "text_area": "string_value",
    "color_picker": "string_value",
    "slider": "double_array_value",
    "multiselect": "string_array_value",
    "button_group": "string_array_value",
    "select_slider": "string_array_value",
    "number_input": "double_value",
    "button": "trigger_value",
    "file_uploader": "file_uploader_state_value",
    "camera_input": "file_uploader_state_value",
}

Path = tuple[int, ...]


@dataclass
class Node:
    kind: str  # element type ("markdown", "radio", …) or "block"
    proto: Any  # the element's (or block's) protobuf message; None for an empty placeholder
    run: int  # the run that drew it


class Page:
    """The element tree of one session's current page."""

    def __init__(self) -> None:
        self.nodes: dict[Path, Node] = {}
        self.run_no = 0
        self.links: dict[str, str] = {}  # page URL path → script hash, from the page's st.page_link elements

    def clear(self) -> None:
        self.nodes.clear()

    def start_run(self) -> None:
        self.run_no += 1

    def finish_run(self) -> None:
        self.nodes = {p: n for p, n in self.nodes.items() if n.run == self.run_no}

    def apply(self, f: ForwardMsg) -> None:
        """Apply one ``delta`` forward message."""
        path = tuple(f.metadata.delta_path)
        which = f.delta.WhichOneof("type")
        if which == "new_element":
            el = f.delta.new_element
            kind = el.WhichOneof("type") or "empty"
            for p in [p for p in self.nodes if p[: len(path)] == path and p != path]:
                del self.nodes[p]
            self.nodes[path] = Node(kind, getattr(el, kind) if kind != "empty" else None, self.run_no)
            if kind == "page_link" and el.page_link.page and el.page_link.page_script_hash:
                self.links[el.page_link.page] = el.page_link.page_script_hash  # what a click sends
        elif which == "add_block":
            self.nodes[path] = Node("block", f.delta.add_block, self.run_no)

    # --- reading it ---------------------------------------------------------------------------------------
    def elements(self) -> list[tuple[Path, str, Any]]:
        """(delta path, element type, proto) of every element on the page, in page order."""
        return [(p, n.kind, n.proto) for p, n in sorted(self.nodes.items()) if n.kind != "block"]

    def widget(self, name: str) -> tuple[str, Any]:
        """(element type, proto) of the widget whose label, key or id is ``name``, else whose label contains it
        (as Playwright's ``get_by_role(name=...)`` matches); KeyError unless exactly one matches."""
        widgets = [(k, p) for _, k, p in self.elements() if k in VALUE_FIELD]
        found = [(k, p) for k, p in widgets if name in (p.label, widget_key(p.id), p.id)]
        found = found or [(k, p) for k, p in widgets if name in p.label]
        if len(found) != 1:
            raise KeyError(f"{len(found)} widgets named {name!r}; widgets: {self.widget_labels()}")
        return found[0]

    def widget_labels(self) -> list[str]:
        return [f"{k}:{p.label}" for _, k, p in self.elements() if k in VALUE_FIELD]

    def text(self) -> str:
        """The page's text, one line per string, elements in page order, then block labels (tabs, expanders)."""
        out: list[str] = []
        for _, kind, proto in self.elements():
            out += _strings(kind, proto)
        for _, node in sorted(self.nodes.items()):
            if node.kind == "block":
                out += _block_strings(node.proto)
        return "\n".join(s for s in out if s)

    def errors(self) -> list[str]:
        """What the page shows as an error: exception boxes and ``st.error`` alerts."""
        out = []
        for _, kind, proto in self.elements():
            if kind == "exception":
                out.append(f"exception: {proto.type}: {proto.message[:200]}")
            elif kind == "alert" and proto.format == proto.ERROR:
                out.append(f"error: {proto.body[:200]}")
        return out

    def media_urls(self) -> list[str]:
        """``/media/...`` URLs a browser loads to show the page: images, videos, audio, HTML ``<img>`` in markdown."""
        urls: list[str] = []
        for _, kind, proto in self.elements():
            if kind == "imgs":
                urls += [i.url for i in proto.imgs]
            elif kind in ("video", "audio") and proto.url:
                urls.append(proto.url)
            elif kind == "markdown" and "/media/" in proto.body:
                urls += MEDIA_RE.findall(proto.body)
        return [u for u in urls if u.startswith("/media/")]


def widget_key(widget_id: str) -> str:
    """The user key inside a widget id (``$$ID-<32 hex>-<key>``), or "" for a widget without one."""
    m = WIDGET_ID_RE.match(widget_id)
    return m.group(1) if m else ""


def _strings(kind: str, p: Any) -> list[str]:
    if p is None:
        return []
    if kind in ("markdown", "heading", "text", "alert"):
        return [p.body]
    if kind == "code":
        return [p.code_text]
    if kind == "exception":
        return [f"{p.type}: {p.message}"]
    if kind == "imgs":
        return [i.caption for i in p.imgs]
    if kind == "progress":
        return [p.text]
    if kind == "metric":
        return [p.label, p.body]
    if kind == "radio":
        return [p.label, *p.options]
    if hasattr(p, "label") and isinstance(p.label, str):
        return [p.label]
    return []


def _block_strings(block: Any) -> list[str]:
    which = block.WhichOneof("type")
    sub = getattr(block, which) if which else None
    label = getattr(sub, "label", "")
    return [label] if isinstance(label, str) and label else []
