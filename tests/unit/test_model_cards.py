"""Every page shows a model card; every card is complete and cites a source."""

from __future__ import annotations

import re
from pathlib import Path

from models.cards import CARDS

PAGES = sorted(p for p in Path(__file__).resolve().parents[2].glob("pages/[0-9]_*.py") if "Admin" not in p.name)


def test_every_card_is_complete_and_cites_a_source():
    for card_id, card in CARDS.items():
        for field in ("name", "what", "trained_on", "accuracy", "input_size", "limits"):
            assert len(getattr(card, field)) > 10, (card_id, field)
        assert card.source.startswith("https://") or card.source.startswith("http://"), card_id
        assert re.search(r"\d", card.accuracy) or "No accuracy figure" in card.accuracy, card_id


def test_every_page_shows_a_card_that_exists():
    assert len(PAGES) == 6
    for page in PAGES:
        ids = re.findall(r"model_card\(([^)]*)\)", page.read_text())
        assert ids, f"{page.name} shows no model card"
        for call in ids:
            for name in re.findall(r'"([a-z_0-9]+)"', call):
                assert name in CARDS, (page.name, name)
