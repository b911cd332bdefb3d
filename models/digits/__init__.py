"""Handwritten digits.

A class-conditional DCGAN this project trains on MNIST, a judge classifier, a hole-aware digit guesser, and restoration
of damaged digits. No Streamlit import.

Modules, one job each (imports go one way: common, masks, mnist → gan → gan_training / restore; judge and
guesser use only common, masks, mnist, training): ``common`` (weights folder, classes, one-hot, augmentation),
``masks`` (missing-pixel masks), ``mnist`` (the data), ``training`` (one record of a training run),
``gan`` (networks, sampling), ``gan_training`` (training, quality checks), ``judge``, ``guesser``,
``restore`` (latent optimisation vs Telea), ``choices`` (the generator table, Protocols and ``create``), ``served``
(the model server's client and the capability's entry in ``models.backends``), ``display`` (grids, tints, GIFs, a
user's digit), ``__main__``.
"""

from models.digits.choices import SPECS, DigitBackend, DigitModel, DigitSampler, DigitSpec, create, default_choice
from models.digits.common import NUM_CLASSES, WEIGHTS_DIR, onehot, shift
from models.digits.display import (
    DigitImageError,
    animation_gif,
    grid,
    mark_cells,
    normalize_digit,
    tint_mask,
    upscale,
)
from models.digits.gan import (
    CONFIG_FILE,
    DEFAULT_TRUNCATION,
    DISCRIMINATOR_WEIGHTS,
    GENERATOR_WEIGHTS,
    LOSS_PNG,
    TRAIN_LOG,
    DigitGenerator,
    GanConfig,
    build_discriminator,
    build_generator,
    default_workdir,
    load_discriminator,
    load_generator,
    slerp,
)
from models.digits.gan_training import (
    QualityReport,
    Trainer,
    TrainState,
    mean_pairwise_distance,
    plot_losses,
    quality,
)
from models.digits.masks import MaskPreset, block_mask, downsample_mask, preset_mask
from models.digits.restore import (
    Restoration,
    RestoreConfig,
    importance_weights,
    masked_mse,
    propose_digits,
    restore,
    telea,
)
from models.digits.served import BACKENDS, ServedDigitGenerator, restore_digits

__all__ = [
    "BACKENDS",
    "SPECS",
    "DigitBackend",
    "DigitModel",
    "DigitSampler",
    "ServedDigitGenerator",
    "restore_digits",
    "DigitSpec",
    "create",
    "default_choice",
    "CONFIG_FILE",
    "DEFAULT_TRUNCATION",
    "DISCRIMINATOR_WEIGHTS",
    "GENERATOR_WEIGHTS",
    "LOSS_PNG",
    "NUM_CLASSES",
    "TRAIN_LOG",
    "WEIGHTS_DIR",
    "DigitGenerator",
    "DigitImageError",
    "GanConfig",
    "MaskPreset",
    "QualityReport",
    "Restoration",
    "RestoreConfig",
    "TrainState",
    "Trainer",
    "animation_gif",
    "block_mask",
    "build_discriminator",
    "build_generator",
    "default_workdir",
    "downsample_mask",
    "grid",
    "mark_cells",
    "importance_weights",
    "load_discriminator",
    "load_generator",
    "masked_mse",
    "mean_pairwise_distance",
    "normalize_digit",
    "onehot",
    "plot_losses",
    "preset_mask",
    "propose_digits",
    "quality",
    "restore",
    "shift",
    "slerp",
    "telea",
    "tint_mask",
    "upscale",
]
