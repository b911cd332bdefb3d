"""The capability pages: where their page lives and how the home page describes them.

Each page is declared by its capability's registration (``models/<package>/registration.py``); this is the list of
all of them, in navigation order (the number their file name starts with).
"""

from __future__ import annotations

from models.capabilities import ROOT, Page, pages

PageInfo = Page  # a page of the catalog (models.capabilities.Page: its capability's name is one of its fields)

PAGES: tuple[PageInfo, ...] = pages()

__all__ = ["PAGES", "ROOT", "PageInfo"]
