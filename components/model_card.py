"""The "About the model" expander every page shows (content: models/cards.py)."""

from __future__ import annotations

import streamlit as st

from components.display import Size, show
from models.cards import CARDS, ModelCard


def card_markdown(c: ModelCard) -> str:
    """The visitor-facing text of one card (Markdown): never ``measured_by`` (commands are for the Admin page).
    A card with per-class figures gets a table of them (IoU in %, "—" for a class absent from the val images)."""
    text = (
        f"**{c.name}** — {c.what}\n\n"
        f"- **Trained on:** {c.trained_on}\n"
        + (f"- **Data licence:** {c.licence}\n" if c.licence else "")
        + f"- **Accuracy:** {c.accuracy}\n"
        f"- **Input:** {c.input_size}\n"
        f"- **Limits:** {c.limits}\n\n"
    )
    if c.per_class:
        rows = "".join(f"| {name} | {'—' if v is None else f'{100 * v:.1f}'} |\n" for name, v in c.per_class)
        text += "| Class | IoU on val (%) |\n|---|---:|\n" + rows + "\n"
    return text + f"[Paper or official page]({c.source})"


def model_card(*cards: str | ModelCard) -> None:
    """One collapsed expander with the card of each model the page's current option uses (a card id of
    :data:`models.cards.CARDS`, or a card built for the option, e.g. ``models.cards.segmentation_card``)."""
    with st.expander("About the model" if len(cards) == 1 else "About the models", icon="ℹ️"):
        for i, card in enumerate(cards):
            if i:
                st.divider()
            c = CARDS[card] if isinstance(card, str) else card
            st.markdown(card_markdown(c))
            if c.picture is not None and c.picture.is_file():
                show(str(c.picture), caption=c.picture_caption or None, size=Size.FILL)
