"""The "Train a segmenter" page's settings: every key its widgets, share link and run use, each written once here
(pages/7_Train_segmenter.py and components/seg_training_view.py read them from :data:`SEGTRAIN`)."""

from __future__ import annotations

from components.settings import Choice, Flag, Key, PageSettings
from models.segmentation import session_training as sess

ARCHS = {"fcn8s": "FCN-8s", "deeplabv3plus": "DeepLabV3+"}
SOURCES = ("Upload a zip", "Use the CamVid sample set")
LENGTHS = [length.name for length in sess.LENGTHS]


class SEGTRAIN(PageSettings):
    """What a training link carries: the set's source, the architecture and length, and whether a trained model
    was on screen (a link does not retrain it); and the set, run and model kept in the session."""

    source = Choice("segtrain_source", SOURCES)
    arch = Choice("segtrain_arch", list(ARCHS))
    length = Choice("segtrain_length", LENGTHS)
    trained = Flag("segtrain_trained")  # set by the page
    # A visitor's labelled set, training run and trained model (its temp folder goes with it: weakref.finalize)
    sets = Key("segtrain_sets", release="trained segmenter")
    job = Key("segtrain_job", release="trained segmenter")
    result = Key("segtrain_result", release="trained segmenter")
    ended = Key("segtrain_ended")  # how a run that left no model ended (cancelled, failed), said once
