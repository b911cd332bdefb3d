"""models/samples.py: the CamVid street scenes are samples only when the store holds the ``camvid`` entry."""

from __future__ import annotations

import shutil

from models.imaging import read_image
from models.samples import STREET_DEFAULT, SampleKind, samples
from models.store import Store


def test_street_samples_come_from_the_camvid_val_split(shared_assets):
    street = samples(SampleKind.STREET, Store(shared_assets))
    print([(s.id, s.title) for s in street])
    assert 3 <= len(street) <= 4 and street[0].id == STREET_DEFAULT
    assert all(s.available and s.path.parent.name == "val" and s.entry.id == "camvid" for s in street)
    assert all(read_image(s.path).rgb.shape == (360, 480, 3) for s in street)
    # Several kinds in one list, in order; photos alone do not include streets.
    both = samples((SampleKind.PHOTO, SampleKind.STREET), Store(shared_assets))
    assert [s.id for s in both[-len(street):]] == [s.id for s in street]
    assert not any(s.kind is SampleKind.STREET for s in samples(SampleKind.PHOTO, Store(shared_assets)))


def test_no_street_samples_without_camvid(empty_store, shared_assets):
    assert samples(SampleKind.STREET, Store(empty_store)) == []
    assert samples(SampleKind.STREET, Store(empty_store), include_missing=True) == []
    # A partial copy of the set offers the frames it has.
    val = empty_store / "data" / "camvid" / "val"
    val.mkdir(parents=True)
    shutil.copy(shared_assets / "data" / "camvid" / "val" / "0016E5_08101.png", val)
    assert [s.id for s in samples(SampleKind.STREET, Store(empty_store))] == ["camvid:0016E5_08101"]
