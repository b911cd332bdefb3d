"""Home page through Streamlit's AppTest: visitor cards only (no store table, paths or commands)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from components.catalog import PAGES, ROOT
from components.home_cards import NOT_AVAILABLE, url_path

APP = str(ROOT / "app.py")


def _run(monkeypatch, store: Path, examples: Path) -> AppTest:
    monkeypatch.setenv("VISION_STORE", str(store))
    monkeypatch.setenv("VISION_EXAMPLES", str(examples))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def test_home_shows_seven_clickable_cards_and_no_admin_matters(monkeypatch, tmp_path):
    at = _run(monkeypatch, tmp_path / "store", tmp_path / "examples")
    html = " ".join(m.value for m in at.markdown)
    muted = {}
    for p in PAGES:
        # The whole card is one link: picture, title and one line inside the same <a>.
        start = html.index(f'href="{url_path(p)}"')
        start = html.rindex("<a ", 0, start)
        body = html[start: html.index("</a>", start)]
        assert "<img src=\"data:image/" in body and p.title in body and p.summary in body
        muted[url_path(p)] = 'class="vp-card vp-off"' in body and NOT_AVAILABLE in body
    # The store is empty: the pages that need a model from it say so on their card; the others look ready
    # (segmentation runs with the CamVid networks trained here; training needs the ImageNet encoder from the store).
    assert muted == {"Segmentation": False, "Inpainting": False, "Digit_GAN": False, "Style_Transfer": True,
                     "Face_Similarity": False, "Video_Classification": True, "Train_segmenter": True}
    assert not at.dataframe and not at.code
    assert "models.store" not in html and str(tmp_path) not in html
    nav = [el.proto.label for el in at.sidebar.get("page_link")]
    assert nav == ["Home"] + [p.title for p in PAGES] + ["Admin · diagnostics"]
    assert not at.main.get("page_link")  # the admin page is not among the capabilities


def test_url_paths_are_streamlits():
    assert [url_path(p) for p in PAGES] == ["Segmentation", "Inpainting", "Digit_GAN", "Style_Transfer",
                                            "Face_Similarity", "Video_Classification", "Train_segmenter"]


def test_examples_are_made_by_the_app_and_cached(monkeypatch, tmp_path, shared_assets):
    from models import examples
    from models.registry import Capability
    from models.store import Store

    store = Store(shared_assets)
    path = examples.make_cached(Capability.SEGMENTATION, store, tmp_path)
    # named after the inputs present (a real result) and the code version (an older version's picture is not reused)
    assert path.name.startswith("segmentation_11_") and path.suffix == ".png"
    ex = examples.make(Capability.SEGMENTATION, store)
    assert ex.is_result and ex.image.shape[1] <= examples.THUMB
    sample = examples.make(Capability.SEGMENTATION, Store(tmp_path / "empty"))
    assert not sample.is_result  # the model is missing: the sample input is shown instead
    assert not (ex.image == examples.fit_within(examples.read_image(str(store.path("photo_cat"))).rgb,
                                                examples.THUMB)).all()
    mtime = path.stat().st_mtime
    assert examples.make_cached(Capability.SEGMENTATION, store, tmp_path).stat().st_mtime == mtime  # cached

    def broken(_store):
        raise RuntimeError("a model that fails")

    monkeypatch.setitem(examples.MAKERS, Capability.DCGAN, (broken, ()))
    failed = examples.make_cached(Capability.DCGAN, store, tmp_path)
    assert failed.name.endswith(".failed.png") and examples.cached(Capability.DCGAN, store, tmp_path) is None


def test_home_cards_show_the_examples_an_install_made(monkeypatch, tmp_path):
    """Issue 27: deploy/install.sh makes the examples into a read-only folder (VISION_EXAMPLES_PREBUILT); the first
    visit shows them from there (empty cache, e.g. a container's fresh tmpfs) and starts no maker."""
    import base64
    import io

    import numpy as np
    from PIL import Image

    from components import home_cards
    from models import examples
    from models.store import Store

    store, prebuilt = tmp_path / "store", tmp_path / "prebuilt"
    prebuilt.mkdir()
    made = {}
    for i, capability in enumerate(examples.MAKERS):
        buf = io.BytesIO()
        Image.fromarray(np.full((30, 40, 3), 20 * i, np.uint8)).save(buf, "PNG")
        path = examples.cache_path(capability, Store(store), prebuilt)
        path.write_bytes(buf.getvalue())
        made[capability] = base64.b64encode(buf.getvalue()).decode()
    monkeypatch.setenv(examples.PREBUILT_ENV, str(prebuilt))
    cache = tmp_path / "examples"
    at = _run(monkeypatch, store, cache)
    html = " ".join(m.value for m in at.markdown)
    for p in PAGES:
        if not p.picture:  # a page with a committed card picture shows that instead
            assert f"data:image/png;base64,{made[p.capability]}" in html, p.title
    assert str(store) not in home_cards._RUNNING  # nothing left to make: no background maker
    assert not cache.exists()
    assert examples.make_cached(next(iter(examples.MAKERS)), Store(store)).parent == prebuilt  # not remade


def test_admin_page_lists_store_with_paths_and_fetch_commands(monkeypatch, tmp_path):
    from models.registry import ENTRIES, get

    lite = get("deeplab_mnv2_513_quant")
    (tmp_path / lite.path).parent.mkdir(parents=True)
    (tmp_path / lite.path).write_bytes(b"x" * 1234)
    monkeypatch.setenv("VISION_STORE", str(tmp_path))
    at = AppTest.from_file(str(ROOT / "pages/9_Admin.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert len(table) == len(ENTRIES)
    status = dict(zip(table["Entry"], table["Status"], strict=True))
    assert status["deeplab_mnv2_513_quant"] == "✅ present" and sum(s == "✅ present" for s in status.values()) == 1
    paths = dict(zip(table["Entry"], table["Path"], strict=True))
    assert paths["deeplab_mnv2_513_quant"] == str(tmp_path / lite.path)
    assert f"1 of {len(ENTRIES)}" in " ".join(m.value for m in at.markdown)
    codes = " ".join(c.value for c in at.code)
    assert "python -m models.store fetch --defaults" in codes and "fetch --all" in codes
    assert "Semantic segmentation" in at.warning[0].value  # labels missing: the page is limited
    assert any("Device" in str(t.value) for t in at.table)


def test_admin_page_and_link_follow_vision_admin(monkeypatch, tmp_path):
    """VISION_ADMIN=off hides the link and the page; =local (production) keeps them for a session that did not come
    through the proxy (AppTest has no proxy headers; the proxied case is tested through nginx in tests/deploy)."""
    monkeypatch.setenv("VISION_ADMIN", "off")
    at = _run(monkeypatch, tmp_path / "store", tmp_path / "examples")
    assert [el.proto.label for el in at.sidebar.get("page_link")] == ["Home"] + [p.title for p in PAGES]
    admin = AppTest.from_file(str(ROOT / "pages/9_Admin.py"), default_timeout=60).run()
    assert not admin.exception, admin.exception
    assert [i.value for i in admin.info] == ["This page is not available here."]
    assert not admin.dataframe and not admin.code
    monkeypatch.setenv("VISION_ADMIN", "locla")  # a misspelt value fails closed
    admin = AppTest.from_file(str(ROOT / "pages/9_Admin.py"), default_timeout=60).run()
    assert [i.value for i in admin.info] == ["This page is not available here."]
    monkeypatch.setenv("VISION_ADMIN", "local")
    admin = AppTest.from_file(str(ROOT / "pages/9_Admin.py"), default_timeout=60).run()
    assert not admin.exception and admin.dataframe and not admin.info
    assert any("python -m models.digits eval" in c.value for c in admin.code)  # the cards' commands, for operators


def test_admin_decision_needs_a_loopback_peer_and_no_proxy_header():
    """VISION_ADMIN=local: a loopback peer without proxy headers only (the proxy on the same host connects from
    127.0.0.1 but always sets X-Real-IP; the Docker image's 0.0.0.0 lets others in with no header at all)."""
    from components.page import admin_allowed

    for peer in ("127.0.0.1", "127.0.0.53", "::1", "::ffff:127.0.0.1"):
        assert admin_allowed("local", peer, proxied=False), peer
        assert not admin_allowed("local", peer, proxied=True), peer
    for peer in ("192.0.2.2", "10.0.0.5", "172.17.0.1", "fd00::2", "::ffff:192.0.2.2", "", "not-an-address"):
        assert not admin_allowed("local", peer, proxied=False), peer
    assert admin_allowed("local", None, proxied=False)  # no connection at all (AppTest, bare mode)
    assert admin_allowed(" ON ", "192.0.2.2", proxied=True) and admin_allowed("yes", "192.0.2.2", proxied=True)
    for mode in ("off", "locla", ""):
        assert not admin_allowed(mode, "127.0.0.1", proxied=False), mode


def test_admin_is_local_by_default(monkeypatch):
    """No VISION_ADMIN (the README's `streamlit run app.py`): a browser from another host, or through a proxy, gets no
    admin page; the developer's own browser on this machine does."""
    import components.page as page

    monkeypatch.delenv("VISION_ADMIN", raising=False)
    for peer, proxied, allowed in (("192.0.2.7", False, False), ("127.0.0.1", True, False), ("127.0.0.1", False, True)):
        monkeypatch.setattr(page, "_websocket_peer_and_headers", lambda p=peer, x=proxied: (p, x))
        assert page.admin_visible() is allowed, (peer, proxied)


def test_intro_counts_the_catalogs_cards_and_the_title_keeps_its_hyphen(monkeypatch, tmp_path):
    """Issue 27: the intro said "Six things" over seven cards; its count is now the catalog's. The title's hyphen is
    a non-breaking one (at 390 px it broke as "Computer-" / "vision")."""
    from components.home_cards import TITLE, built_pages, intro

    at = _run(monkeypatch, tmp_path / "store", tmp_path / "examples")
    n = len(built_pages())
    text = next(m.value for m in at.markdown if "to try with computer vision" in m.value)
    html = " ".join(m.value for m in at.markdown)
    print(f"{n} cards; intro: {text}")
    assert n == html.count('class="vp-card') == 7
    assert text == intro(n) and text.startswith("Seven things to try")
    assert intro(1).startswith("One thing to try") and intro(14).startswith("14 things")
    assert at.title[0].value == f"🔭 {TITLE}" and "\u2011" in TITLE and "-" not in TITLE
