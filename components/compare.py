"""Before/after comparison with a draggable handle on the image (self-contained, no CDN).

Both images travel as JPEG data URLs at display size inside a Streamlit components-v2 element (mounted in the
page, no iframe, so its height follows the image at any width). The "before" image sits on top, clipped to the
left of the handle (``clip-path``); pointer events drag the handle with a mouse, a finger or a pen, and arrow
keys move it when focused. It is shown at most at its real pixel width and shrinks to fit narrower screens.
"""

from __future__ import annotations

import base64

import numpy as np
import streamlit as st

from models.imaging import encode_jpeg
from models.ops import resize

_CSS = """
.cmp { position: relative; width: 100%; user-select: none; -webkit-user-select: none; touch-action: pan-y;
       cursor: ew-resize; line-height: 0; outline: none; }
.cmp img { display: block; width: 100%; height: 100%; pointer-events: none; -webkit-user-drag: none; }
.cmp .top { position: absolute; inset: 0; }
.cmp .bar { position: absolute; top: 0; bottom: 0; width: 2px; margin-left: -1px; background: #fff;
            box-shadow: 0 0 3px rgba(0,0,0,.6); pointer-events: none; }
.cmp .knob { position: absolute; top: 50%; width: 36px; height: 36px; margin: -18px 0 0 -18px; border-radius: 50%;
             background: rgba(255,255,255,.92); box-shadow: 0 1px 4px rgba(0,0,0,.5); pointer-events: none;
             font: 600 14px/36px sans-serif; color: #333; text-align: center; }
.cmp .lbl { position: absolute; top: 8px; padding: 2px 8px; border-radius: 4px; background: rgba(0,0,0,.6);
            color: #fff; font: 13px/1.5 sans-serif; pointer-events: none; white-space: nowrap; }
.cmp .l { left: 8px; } .cmp .r { right: 8px; }
.cmp:focus-visible { box-shadow: 0 0 0 2px #ff4b4b; }
"""

_JS = """
export default function({ parentElement, data }) {
  const { before, after, labels, width, height, start } = data;
  const root = parentElement.querySelector('.cmp-host') || parentElement.appendChild(document.createElement('div'));
  root.className = 'cmp-host';
  root.innerHTML = `
    <div class="cmp" tabindex="0" role="slider" aria-valuemin="0" aria-valuemax="100"
         style="max-width:${width}px; aspect-ratio:${width} / ${height}">
      <img class="bottom" alt="" src="${after}">
      <img class="top" alt="" src="${before}">
      <div class="bar"></div><div class="knob">⟷</div>
      <span class="lbl l"></span><span class="lbl r"></span>
    </div>`;
  const box = root.querySelector('.cmp');
  box.setAttribute('aria-label', `${labels[0]} / ${labels[1]}`);
  root.querySelector('.l').textContent = labels[0];
  root.querySelector('.r').textContent = labels[1];
  const top = root.querySelector('.top'), bar = root.querySelector('.bar'), knob = root.querySelector('.knob');
  const set = (p) => {
    p = Math.max(0, Math.min(100, p));
    top.style.clipPath = `inset(0 ${100 - p}% 0 0)`;
    bar.style.left = knob.style.left = `${p}%`;
    box.dataset.pos = p.toFixed(1);
    box.setAttribute('aria-valuenow', Math.round(p));
  };
  const at = (e) => { const r = box.getBoundingClientRect(); set((e.clientX - r.left) / r.width * 100); };
  let dragging = false;
  box.addEventListener('pointerdown', (e) => { dragging = true; box.setPointerCapture(e.pointerId); at(e); });
  box.addEventListener('pointermove', (e) => { if (dragging) at(e); });
  const stop = () => { dragging = false; };
  box.addEventListener('pointerup', stop);
  box.addEventListener('pointercancel', stop);
  box.addEventListener('keydown', (e) => {
    const p = parseFloat(box.dataset.pos);
    if (e.key === 'ArrowLeft') { set(p - 5); e.preventDefault(); }
    if (e.key === 'ArrowRight') { set(p + 5); e.preventDefault(); }
  });
  set(start);
}
"""

_component = None


def _renderer():
    global _component  # registered once per process; mounting it many times is fine
    if _component is None:
        _component = st.components.v2.component("vision_image_compare", css=_CSS, js=_JS)
    return _component


def _data_url(rgb: np.ndarray, quality: int) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(encode_jpeg(rgb, quality)).decode("ascii")


def image_compare(
    before: np.ndarray,
    after: np.ndarray,
    *,
    key: str,
    labels: tuple[str, str] = ("Before", "After"),
    start: float = 50.0,
    quality: int = 90,
) -> None:
    """Show ``before`` (left of the handle) over ``after`` (right), both (H, W, 3) uint8.

    ``after`` sets the size: ``before`` is resized to it if needed. Shown at most ``W`` CSS pixels wide (never
    blown up), narrower when the column is. ``start``: the handle's first position, percent from the left.
    """
    after = np.asarray(after)
    h, w = after.shape[:2]
    before = np.asarray(before)
    if before.shape[:2] != (h, w):
        before = resize(before, h, w)
    _renderer()(
        key=key,
        data={
            "before": _data_url(before, quality),
            "after": _data_url(after, quality),
            "labels": list(labels),
            "width": int(w),
            "height": int(h),
            "start": float(start),
        },
    )
