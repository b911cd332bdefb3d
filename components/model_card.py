"""The "About the model" expander every page shows (content: models/cards.py)."""

from __future__ import annotations

import streamlit as st

from models.cards import CARDS, ModelCard


def card_markdown(c: ModelCard) -> str:
    """The visitor-facing text of one card (Markdown): never ``measured_by`` (commands are for the Admin page)."""
    return (
        f"**{c.name}** — {c.what}\n\n"
        f"- **Trained on:** {c.trained_on}\n"
        f"- **Accuracy:** {c.accuracy}\n"
        f"- **Input:** {c.input_size}\n"
        f"- **Limits:** {c.limits}\n\n"
        f"[Paper or official page]({c.source})"
    )


def model_card(*card_ids: str) -> None:
    """One collapsed expander with the card of each model the page's current option uses."""
    with st.expander("About the model" if len(card_ids) == 1 else "About the models", icon="ℹ️"):
        for i, card_id in enumerate(card_ids):
            if i:
                st.divider()
            st.markdown(card_markdown(CARDS[card_id]))
