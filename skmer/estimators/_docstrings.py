"""numpydoc fragments shared by the estimators' docstrings, and the decorator that joins them.

A class docstring names a fragment with ``%(name)s`` and the class is
decorated with :class:`Substitution` (imbalanced-learn's ``Substitution`` is
the model), so each fragment is written once::

    @Substitution(adff_network=ADFF_NETWORK_PARAMETERS)
    class ADFFRegressor(...):
        '''... Parameters ---------- %(adff_network)s ...'''

A literal ``%`` in such a docstring is written ``%%``.
"""

from __future__ import annotations

__all__ = [
    "ADFF_NETWORK_PARAMETERS",
    "ADFF_RECIPE_PARAMETERS",
    "ADFF_TRAINING_PARAMETERS",
    "Substitution",
    "training_parameters",
]


class Substitution:
    """Decorator filling ``%(name)s`` fields of a docstring with the given fragments.

    Parameters
    ----------
    **fragments : str
        Text for each named field.
    """

    def __init__(self, **fragments):
        self.fragments = fragments

    def __call__(self, obj):
        if obj.__doc__:
            obj.__doc__ = obj.__doc__ % self.fragments
        return obj


#: The ADFF network's parameters (ADFFRegressor, ADFFClassifier).
ADFF_NETWORK_PARAMETERS = """\
    width : float, default=1.0
        Channel multiplier of the VGG16 convolution levels: ``1.0`` is VGG16's
        64-128-256-512-512 channels as in the paper. ``1/8`` trains a toy
        problem on a laptop CPU in under a minute.
    lstm_hidden : int, default=64
        Hidden size of each direction of the per-level 2-layer BiLSTMs (not
        given by the paper).
    fc_sizes : tuple of int, default=(256, 64)
        Sizes of the fully connected layers after the fusion of the five
        level features (not given by the paper).
    dropout : float, default=0.2
        Dropout after each fully connected layer, in ``[0, 1)``.
    se_reduction : int, default=16
        Reduction ratio of the squeeze-and-excitation attention.
    use_se : bool, default=True
        Use SE attention (``False``: the paper's "w/o SE" ablation).
    use_tflm : bool, default=True
        Use SE + BiLSTM per level (``False``: the paper's "w/o TFLM" ablation,
        each level is global-average-pooled instead).
    precision : {'fp32', 'bf16'}, default='fp32'
        ``'bf16'`` runs convolutions and linear layers under bfloat16
        :func:`torch.autocast` (weights, optimiser state, BiLSTMs and loss stay
        float32). About 2x faster at full width on CPUs with AVX512-BF16/AMX
        and on recent GPUs; results differ slightly from ``'fp32'``.
    channels_last : bool, default=False
        Use the channels-last (NHWC) memory format for the convolutions;
        usually faster on CPU, especially combined with ``precision='bf16'``."""

#: The training-recipe options of the ADFF estimators.
ADFF_RECIPE_PARAMETERS = """\
    lstm_summary : {'last', 'mean'}, default='last'
        How each level's BiLSTM output is summarised: its final state (the
        paper) or its mean over time steps.
    freq_pooling : {'mean', 'flatten'}, default='mean'
        How a level's feature map becomes the BiLSTM's per-step features: the
        mean over the mel axis (``C`` features per step) or the channels of
        every mel position (``C * W``), see :class:`skmer.nn.ADFFNet`.
    input_scaling : {'band', 'global'} or None, default=None
        Standardisation of the log-mel input learned at ``fit`` from the
        training data only: ``'band'``, per mel band (mean and std over clips,
        segments and frames); ``'global'``, one mean and std. ``None``: none.
    crop_frames : int or None, default=None
        Random-crop training: every training step sees a random window of
        ``crop_frames`` frames of the un-stacked spectrogram of each clip
        (``seg_num * n_frames`` frames), re-stacked into ``seg_num`` segments
        (exactly what ``SegmentStacker`` makes of the cropped input). In
        prediction the network sees every window (hop `crop_hop`) and the
        outputs are averaged. ``None``: whole inputs. At least 32 frames.
    crop_hop : int or None, default=None
        Frames between prediction windows; ``None`` is ``crop_frames // 2``.
    mixup_alpha : float, default=0.0
        Mixup: each batch is mixed with a shuffled copy of itself with a
        weight drawn from Beta(alpha, alpha); regressors mix the targets,
        classifiers the two losses. ``0`` is off.
    spec_augment : int, default=0
        SpecAugment-style masking: this many time masks and mel-band masks
        (each up to 1/8 of the axis, set to the input's mean) per training
        input. ``0`` is off.
    lr_schedule : {'multistep', 'cosine', 'onecycle', 'constant'}, default='multistep'
        ``'multistep'``: decay by ``lr_gamma`` at ``lr_milestones`` (the
        paper); ``'cosine'``: cosine decay to 0 over ``max_epochs``;
        ``'onecycle'``: linear warm-up over the first 30 % of the epochs, then
        cosine decay; ``'constant'``.
    early_stopping : int or None, default=None
        Patience in epochs: with ``train_split=None``, a
        ``validation_fraction`` hold-out of the training data (stratified for
        classifiers) is split off, training stops when its loss has not
        improved for this many epochs, and the weights of the best epoch are
        restored (skorch ``EarlyStopping(load_best=True)``). ``None``: off.
    validation_fraction : float, default=0.1
        Fraction of the training data held out for ``early_stopping``, in
        ``(0, 1)``.
    levels : sequence of int or None, default=None
        ``None``: ``X`` is a log-mel stack and the network's own VGG16 levels
        (SFLM) are trained from scratch. A sequence of ints: ``X`` holds
        precomputed feature levels ``(n_clips, 1, n_steps, sum(levels))`` of
        these widths, e.g. ``skmer.pretrained.LEVEL_SIZES`` for the pretrained
        musicnn levels of :class:`~skmer.pretrained.MusicnnLevels`; only the
        per-level SE + BiLSTM (or, with ``use_tflm=False``, nothing per
        level) and the fusion head are trained, ``crop_frames``
        counts steps, and ``width``, ``channels_last``, ``freq_pooling`` have
        no effect (see :class:`skmer.nn.ADFFNet`)."""

#: The ADFF estimators' training parameters, with the paper's protocol as defaults.
ADFF_TRAINING_PARAMETERS = """\
    lr : float, default=1e-5
        Initial learning rate (paper: 1e-5; ``1e-3`` suits short CPU runs).
    weight_decay : float or None, default=1e-5
        L2 weight decay passed to the optimiser (Adam's ``weight_decay``;
        paper: 1e-5). ``None`` passes nothing; ``optimizer__weight_decay``
        takes precedence.
    max_epochs : int, default=200
        Number of training epochs (paper: 200).
    batch_size : int, default=32
        Mini-batch size for training and prediction (paper: 32).
    lr_milestones : tuple of int or None, default=(20, 45, 80, 110, 140, 170)
        Epochs at which the learning rate is multiplied by ``lr_gamma``
        (:class:`torch.optim.lr_scheduler.MultiStepLR` through skorch's
        ``LRScheduler`` callback, named ``'lr_scheduler'``; paper section 3.2).
        ``None`` or empty keeps the learning rate constant.
    lr_gamma : float, default=0.5
        Decay factor at each milestone. The paper does not state it; 0.5
        leaves ``lr * 0.5**6 ~ lr / 64`` after epoch 170.
    optimizer : torch optimizer class, default=torch.optim.Adam
        Optimiser (paper: Adam). Its other arguments are set with
        ``optimizer__<name>``.
    train_split : callable or None, default=None
        skorch's internal validation split. ``None`` (the default, unlike
        skorch) trains on all of ``X``: do model selection outside, e.g.
        with :func:`~sklearn.model_selection.cross_validate`. Pass
        ``skorch.dataset.ValidSplit(5)`` to monitor a 20 % hold-out in the
        epoch table.
    random_state : int, numpy.random.RandomState or None, default=None
        Seeds parameter initialisation, batch shuffling and dropout at the
        start of each ``fit`` / ``partial_fit`` (the global torch RNG state is
        restored afterwards). With an int, training on CPU is reproducible:
        the same data and seed give the same predictions. ``None`` uses the
        global torch RNG as is. (cuDNN kernels may still be non-deterministic
        on GPU.)
    device : {'cpu', 'cuda', 'auto'} or str or torch.device, default='cpu'
        Where the network is trained and run. ``'auto'`` means ``'cuda'`` if
        available, else ``'cpu'`` (resolved at each ``fit``, prediction and
        unpickling). A model trained on GPU can be unpickled on a CPU-only
        machine; it is then moved to the CPU. On CUDA, batches are served
        from pinned memory; the training arrays are already in memory, so
        DataLoader workers (``iterator_train__num_workers``) rarely help.
    verbose : int, default=1
        ``0``: silent; ``1``: skorch's per-epoch table (loss, duration, learning
        rate); ``2`` or more: additionally a tqdm progress bar over the batches.
    module : type, default=ADFFNet
        The torch module class. It is instantiated at ``fit`` with
        ``seg_num``, ``n_outputs`` and the network parameters above as keyword
        arguments (plus any ``module__<name>`` argument).
    **kwargs
        Other skorch :class:`~skorch.NeuralNet` arguments, e.g. ``callbacks``,
        ``iterator_train__num_workers``, ``warm_start``, ``optimizer__<name>``.
        Training batches are shuffled unless ``iterator_train__shuffle=False``."""

_TRAINING_PARAMETERS = """\
    lr : float, default={lr}
        Initial learning rate of the optimiser.
    weight_decay : float or None, default=1e-5
        L2 weight decay passed to the optimiser (Adam's ``weight_decay``).
        ``None`` passes nothing; ``optimizer__weight_decay`` takes precedence.
    max_epochs : int, default={max_epochs}
        Number of training epochs.
    batch_size : int, default={batch_size}
        Mini-batch size ({batch_unit}) for training and prediction.
    lr_milestones : tuple of int or None, default=None
        Epochs at which the learning rate is multiplied by ``lr_gamma``
        (:class:`torch.optim.lr_scheduler.MultiStepLR` through skorch's
        ``LRScheduler`` callback, named ``'lr_scheduler'``). ``None`` keeps
        the learning rate constant.
    lr_gamma : float, default=0.5
        Decay factor at each milestone.
    optimizer : torch optimizer class, default=torch.optim.Adam
        Optimiser; its other arguments are set with ``optimizer__<name>``.
    train_split : callable or None, default=None
        skorch's internal validation split. ``None`` (unlike skorch) trains on
        all of ``X``: do model selection outside, e.g. with
        :func:`~sklearn.model_selection.cross_validate`. Pass
        ``skorch.dataset.ValidSplit(5)`` to monitor a 20 % hold-out.
    random_state : int, numpy.random.RandomState or None, default=None
        Seeds parameter initialisation, batch shuffling and dropout at the
        start of each ``fit`` / ``partial_fit`` (the global torch RNG state is
        restored afterwards). With an int, training on CPU is reproducible.
    device : {{'cpu', 'cuda', 'auto'}} or str or torch.device, default='cpu'
        Where the network is trained and run; ``'auto'`` means ``'cuda'`` if
        available, else ``'cpu'`` (resolved at each ``fit``, prediction and
        unpickling). A model trained on GPU unpickles on a CPU-only machine.
    verbose : int, default=1
        ``0``: silent; ``1``: skorch's per-epoch table; ``2`` or more: also a
        tqdm progress bar over the batches."""


def training_parameters(lr, max_epochs, batch_size, batch_unit):
    """The training parameters of DAMFFRegressor and CNNTagger, with their defaults.

    Parameters
    ----------
    lr, max_epochs, batch_size : str or number
        Defaults shown in the text.
    batch_unit : str
        What one batch element is (e.g. ``'clips'``).

    Returns
    -------
    text : str
        numpydoc parameter entries, each ending in a newline.
    """
    return _TRAINING_PARAMETERS.format(lr=lr, max_epochs=max_epochs, batch_size=batch_size,
                                       batch_unit=batch_unit) + "\n"
