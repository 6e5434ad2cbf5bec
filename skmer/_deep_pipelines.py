"""Ready-made pipelines of the deep models: ADFF (with its presets), DAMFF and the CNN tagger.

Each factory builds the front end and the estimator from one set of settings,
so that the steps cannot disagree: the STFT hop of ``LogMelTransformer`` is
the ``frame_hop`` of ``SlidingWindows`` and the unit of the estimators'
``crop_frames``; the label grid of ``align_dynamic_annotations`` is the
``SlidingWindows`` label grid. They are public as :mod:`skmer.baselines`
functions, beside the classic baselines they are compared with.
"""

from __future__ import annotations

import numbers
from numbers import Real

import torch
from sklearn.pipeline import Pipeline

from ._validation import FINITE_POSITIVE, Interval, StrOptions, validate_arguments

__all__ = [
    "CPU_PRESET",
    "CPU_REGRESSION",
    "DAMFF_CPU_PRESET",
    "PRESET_FRONT_END",
    "SCRATCH_PRESET",
    "make_adff_pipeline",
    "make_damff_pipeline",
    "make_tagger_pipeline",
]

#: ADFF estimator settings of ``preset='cpu'``, the recipe measured best on real
#: music at CPU scale: ADFF's multi-level fusion head trained on musicnn's
#: frozen pretrained levels (:class:`~skmer.pretrained.MusicnnLevels`), each
#: level averaged over time (``use_tflm=False``). On 4q-dev it reaches 0.738
#: 4Q accuracy against 0.524 for ADFF trained from scratch
#: (:data:`SCRATCH_PRESET`); the per-level SE + BiLSTM (TFLM) scored 0.721
#: against 0.740 without it (mean of 3 seeds, same folds) in 9 times the time,
#: and 0.32 against 0.42 valence R² in the demo (benchmarks/RESULTS.md,
#: "bench_real"). ``lstm_hidden`` and ``lstm_summary`` are the TFLM's measured
#: settings, used only with ``use_tflm=True``.
CPU_PRESET = {
    "use_tflm": False,
    "lstm_hidden": 32,
    "lstm_summary": "mean",
    "fc_sizes": (64,),
    "dropout": 0.3,
    "input_scaling": "band",
    "optimizer": torch.optim.AdamW,
    "lr": 1e-3,
    "weight_decay": 1e-2,
    "lr_schedule": "onecycle",
    "batch_size": 16,
    "max_epochs": 40,
}

#: ADFF estimator settings of ``preset='scratch'``: the whole network (SFLM,
#: TFLM and head) trained from the log-Mel at CPU scale, with the levers that
#: helped it on real music (benchmarks/RESULTS.md, "bench_real levers"). One
#: 5-fold CV of 450 30 s clips takes about 11 min on 2 cores.
SCRATCH_PRESET = {
    "width": 1 / 8,
    "input_scaling": "band",
    "lstm_summary": "mean",
    "freq_pooling": "flatten",
    "optimizer": torch.optim.AdamW,
    "lr": 3e-3,
    "weight_decay": 1e-2,
    "lr_schedule": "onecycle",
    "batch_size": 16,
    "max_epochs": 30,
}

#: Added to :data:`CPU_PRESET` and :data:`SCRATCH_PRESET` for
#: ``task='regression'``: targets standardised at ``fit`` (on the demo's
#: synthetic data the from-scratch arousal R² rose from 0.42 to 0.59 with it).
CPU_REGRESSION = {"target_scaling": True}

#: Front end of each preset: sampling rate (Hz), STFT hop (s), Mel bands,
#: segments stacked as channels, and the random-crop training window (s; None:
#: the whole input). ``'cpu'`` is musicnn's own front end (16 kHz, 96 bands,
#: levels every 0.496 s), which its pipeline does not let you change.
PRESET_FRONT_END = {
    "paper": {"sr": 44100, "hop": 0.01, "n_mels": 128, "seg_num": 6, "crop": None},
    "scratch": {"sr": 22050, "hop": 0.02, "n_mels": 128, "seg_num": 4, "crop": 10.0},
    "cpu": {"sr": 16000, "hop": 31 * 256 / 16000, "n_mels": 96, "seg_num": 1, "crop": 10.0},
}

_PRESET_ESTIMATOR = {"cpu": CPU_PRESET, "scratch": SCRATCH_PRESET}


def make_adff_pipeline(seg_num=None, duration=20.0, *, preset="paper", task="regression",
                       sr=None, hop=None, crop=None, n_mels=None, memory=None, n_jobs=None,
                       random_state=None, verbose=0, **adff_params):
    """ADFF pipeline: pretrained musicnn levels or LogMelTransformer -> SegmentStacker, then ADFF.

    Parameters
    ----------
    seg_num : int or None, default=None
        Segments stacked as channels; None: the preset's (6, the paper's
        choice for 20 s inputs, or 4 for ``'scratch'``).
    duration : float, default=20.0
        Seconds of audio per input; inputs are centre-cropped or zero-padded.
    preset : {'paper', 'cpu', 'scratch'}, default='paper'
        ``'cpu'``: the recipe to use on a CPU and on real music. Steps
        ``levels`` (:class:`~skmer.pretrained.MusicnnLevels`, musicnn's
        frozen pretrained front and mid end as the five levels, one step per
        0.496 s) and ``adff`` (``levels=LEVEL_SIZES``, :data:`CPU_PRESET`:
        each level averaged over time (``use_tflm=False``; ``use_tflm=True``
        puts back the per-level SE + 32-unit BiLSTMs with mean summaries),
        one 64-unit FC layer, AdamW 1e-3 one-cycle, 40 epochs, random 10 s
        training windows whose predictions are averaged over the whole
        input, standardised targets for regression (:data:`CPU_REGRESSION`)).
        Needs ``pip install --no-deps musicnn`` (the weights; without it this
        function raises :class:`~skmer.pretrained.MusicnnNotInstalledError`
        with the install command); `sr`, `hop`, `n_mels` and `seg_num` do not
        apply. The best model of the bench_real benchmark.
        ``'scratch'``: the whole network trained from the log-Mel at CPU
        scale, :data:`SCRATCH_PRESET` -- width 1/8, per-band input scaling,
        mean-over-time BiLSTM summaries, AdamW 3e-3 with a one-cycle
        schedule, 30 epochs, standardised targets for regression, random
        10 s training windows -- on 22.05 kHz audio with 20 ms hops
        (:data:`PRESET_FRONT_END`). No optional package.
        ``'paper'``: the estimator's defaults, which follow the paper's
        protocol (full width, Adam lr 1e-5, 200 epochs, batch 32, decay
        milestones) with 44.1 kHz audio and 10 ms hops -- GPU work.
    task : {'regression', 'classification'}, default='regression'
        :class:`~skmer.estimators.ADFFRegressor` or
        :class:`~skmer.estimators.ADFFClassifier` (e.g. quadrant labels).
    sr : int or None
        Sampling rate in Hz; None: the preset's.
    hop : float or None
        STFT hop in seconds; None: the preset's.
    crop : float or None
        Length in seconds of the random training windows
        (``crop_frames = round(crop / hop)`` of the estimator); None: the
        preset's. Larger than `duration` means no cropping.
    n_mels : int or None, default=None
        Mel bands of :class:`~skmer.features.LogMelTransformer`; None: the
        preset's (128).
    memory, n_jobs
        :class:`~skmer.features.LogMelTransformer` parameters (also of
        :class:`~skmer.pretrained.MusicnnLevels`).
    random_state : int or None
        Seed of the network initialisation, batch order and crops.
    verbose : int, default=0
        skorch's per-epoch printing.
    **adff_params
        Override any estimator parameter (``use_se=False``, ``max_epochs=5``,
        ``device='cuda'``, ``crop_frames=None`` ...); applied after the preset.

    Returns
    -------
    Pipeline
        Steps ``mel``, ``stack``, ``adff``; e.g. tune ``stack__seg_num``
        (``levels``, ``adff`` for ``preset='cpu'``).

    Raises
    ------
    ValueError
        An unknown `preset` or `task`, a non-positive `crop`, or `seg_num`,
        `sr`, `hop` or `n_mels` with ``preset='cpu'``.
    skmer.pretrained.MusicnnNotInstalledError
        ``preset='cpu'`` without the ``musicnn`` package: the install
        command, and ``preset='scratch'`` as the alternative.
    """
    from .estimators import ADFFClassifier, ADFFRegressor
    from .features import LogMelTransformer, SegmentStacker

    tasks = {"regression": ADFFRegressor, "classification": ADFFClassifier}
    validate_arguments({"preset": [StrOptions(set(PRESET_FRONT_END))],
                        "task": [StrOptions(set(tasks))],
                        "crop": [None, Interval(Real, 0, None, closed="neither")]},
                       {"preset": preset, "task": task, "crop": crop}, "make_adff_pipeline")
    if preset == "cpu" and (seg_num, sr, hop, n_mels) != (None, None, None, None):
        raise ValueError("seg_num, sr, hop and n_mels do not apply to preset='cpu' (musicnn's "
                         "own front end); leave them None, or use preset='scratch' for ADFF "
                         "on the log-Mel")
    front = PRESET_FRONT_END[preset]
    sr = front["sr"] if sr is None else sr
    hop = front["hop"] if hop is None else hop
    n_mels = front["n_mels"] if n_mels is None else n_mels
    seg_num = front["seg_num"] if seg_num is None else seg_num
    crop = front["crop"] if crop is None else crop
    params = _PRESET_ESTIMATOR.get(preset, {}).copy()
    if preset in _PRESET_ESTIMATOR and task == "regression":
        params.update(CPU_REGRESSION)
    if crop is not None and (duration is None or crop < duration):
        params["crop_frames"] = int(round(crop / hop))
    params.update(random_state=random_state, verbose=verbose)
    params.update(adff_params)
    if preset == "cpu":
        return _musicnn_levels_pipeline(tasks[task], params, duration, memory, n_jobs)
    return Pipeline([
        ("mel", LogMelTransformer(sr=sr, n_mels=n_mels, hop=hop, duration=duration,
                                  memory=memory, n_jobs=n_jobs)),
        ("stack", SegmentStacker(seg_num=seg_num)),
        ("adff", tasks[task](**params)),
    ])


def _musicnn_levels_pipeline(estimator, params, duration, memory, n_jobs):
    from .pretrained import LEVEL_SIZES, MusicnnLevels, MusicnnNotInstalledError, find_musicnn
    from .pretrained._musicnn import N_FRAMES

    try:  # say it now, with the alternative, rather than at fit after the audio is read
        find_musicnn()
    except MusicnnNotInstalledError as exc:
        raise MusicnnNotInstalledError(
            f"{exc}\nor use preset='scratch' (CLI: --preset scratch): ADFF trained from the "
            "log-Mel, which needs no extra package and is less accurate on real music"
        ) from None

    patch_seconds = N_FRAMES * 256 / 16000
    if duration is None or not isinstance(duration, numbers.Real) or not duration > 0:
        raise ValueError(f"duration must be a positive number of seconds with "
                         f"preset='cpu', got {duration!r}")
    n_patches = max(1, int(round(duration / patch_seconds)))
    return Pipeline([
        ("levels", MusicnnLevels(n_frames=n_patches * N_FRAMES, memory=memory, n_jobs=n_jobs)),
        ("adff", estimator(levels=LEVEL_SIZES, **params)),
    ])


#: DAMFF estimator settings of :func:`make_damff_pipeline` with ``preset='cpu'``
#: (``skmer train --dynamic``): a narrow network that trains in minutes on CPU.
DAMFF_CPU_PRESET = {"width": 1 / 8, "lr": 1e-3, "batch_size": 16, "max_epochs": 20}


def make_damff_pipeline(aligned=None, *, duration=None, window_duration=None, label_hop=None,
                        label_start=None, preset="cpu", sr=44100, frame_hop=0.01, n_mels=128,
                        memory=None, n_jobs=None, random_state=None, verbose=0,
                        **damff_params):
    """DAMFF pipeline: LogMelTransformer -> SlidingWindows -> DAMFFRegressor.

    The log-mel hop is the windows' ``frame_hop`` and the audio is read from
    the start of each input (``crop='start'``), because label times are
    measured from there; with `aligned`, the label grid and the clip length
    come from :func:`~skmer.features.align_dynamic_annotations`, so the
    windows end at the labels.

    Parameters
    ----------
    aligned : sklearn.utils.Bunch or None, default=None
        The result of :func:`~skmer.features.align_dynamic_annotations`
        (PMEmo, DEAM): gives `duration`, `window_duration`, `label_hop` and
        `label_start`, which may then be omitted (given as well, they must
        agree). Fit the pipeline on ``aligned.clips`` and ``aligned.target``.
    duration : float or None, default=None
        Seconds of audio per input; None: ``aligned.duration``, or 20 s.
    window_duration, label_hop, label_start : float or None, default=None
        :class:`~skmer.features.SlidingWindows` label grid in seconds;
        None: from `aligned`, or the transformer's defaults (1 s windows,
        labels every 0.5 s from 0.5 s, as
        :func:`~skmer.datasets.make_music_emotion` makes them).
    preset : {'cpu', 'estimator'}, default='cpu'
        ``'cpu'``: :data:`DAMFF_CPU_PRESET` (width 1/8, Adam 1e-3, 20 epochs,
        batch 16); ``'estimator'``: :class:`~skmer.estimators.DAMFFRegressor`'s
        own defaults (full width, 50 epochs).
    sr : int, default=44100
        Sampling rate in Hz.
    frame_hop : float, default=0.01
        STFT hop in seconds, used by both steps.
    n_mels, memory, n_jobs
        :class:`~skmer.features.LogMelTransformer` parameters.
    random_state : int or None, default=None
        Seed of the network initialisation and batch order.
    verbose : int, default=0
        skorch's per-epoch printing.
    **damff_params
        Override any :class:`~skmer.estimators.DAMFFRegressor` parameter
        (``lstm_layers=1``, ``criterion=skmer.nn.CCCLoss`` ...), after the preset.

    Returns
    -------
    Pipeline
        Steps ``mel``, ``windows``, ``damff``; ``X``: paths or
        :class:`~skmer.audio.ClipSpec`; ``y``: ``(n_clips, n_steps, n_dims)``.

    Raises
    ------
    ValueError
        A setting given both directly and through `aligned` with different
        values.

    Examples
    --------
    >>> from skmer.baselines import make_damff_pipeline
    >>> pipe = make_damff_pipeline(duration=10.0, frame_hop=0.02, max_epochs=5)
    >>> [name for name, _ in pipe.steps], pipe.named_steps["windows"].frame_hop
    (['mel', 'windows', 'damff'], 0.02)
    """
    from .estimators import DAMFFRegressor
    from .features import LogMelTransformer, SlidingWindows

    validate_arguments({"preset": [StrOptions({"cpu", "estimator"})],
                        "frame_hop": [FINITE_POSITIVE],
                        "duration": [None, FINITE_POSITIVE]},
                       {"preset": preset, "frame_hop": frame_hop, "duration": duration},
                       "make_damff_pipeline")
    grid = {"duration": duration, "window_duration": window_duration,
            "label_hop": label_hop, "label_start": label_start}
    if aligned is not None:
        for name, given in grid.items():
            value = float(aligned[name])
            if given is not None and abs(float(given) - value) > 1e-9:
                raise ValueError(f"{name}={given!r} disagrees with aligned.{name}={value!r} "
                                 f"(from align_dynamic_annotations); leave {name} None")
            grid[name] = value
    windows = {k: v for k, v in grid.items() if k != "duration" and v is not None}
    params = dict(DAMFF_CPU_PRESET) if preset == "cpu" else {}
    params.update(random_state=random_state, verbose=verbose)
    params.update(damff_params)
    return Pipeline([
        ("mel", LogMelTransformer(sr=sr, n_mels=n_mels, hop=frame_hop,
                                  duration=20.0 if grid["duration"] is None else grid["duration"],
                                  crop="start", memory=memory, n_jobs=n_jobs)),
        ("windows", SlidingWindows(frame_hop=frame_hop, **windows)),
        ("damff", DAMFFRegressor(**params)),
    ])


def make_tagger_pipeline(duration=30.0, *, pretrained=None, crop=None, sr=22050, hop=0.02,
                         n_mels=96, memory=None, n_jobs=None, random_state=None, verbose=0,
                         **tagger_params):
    """Tagger pipeline: a log-mel front end -> CNNTagger, from scratch or pretrained musicnn.

    Parameters
    ----------
    duration : float, default=30.0
        Seconds of audio per input (centre-cropped or zero-padded).
    pretrained : {'MSD_musicnn', 'MTT_musicnn', ...} or None, default=None
        None: :class:`~skmer.features.LogMelTransformer` (`sr`, `hop`,
        `n_mels`) and a VGG-style tagger trained from scratch. A musicnn
        model name: :class:`~skmer.pretrained.MusicnnMel` (musicnn's own
        16 kHz, 96-band front end; `sr`, `hop` and `n_mels` do not apply)
        and that pretrained network fine-tuned with a new output layer
        (``CNNTagger(pretrained=...)``, ``lr=1e-4``, ``head_lr=1e-3`` unless
        given). Needs ``pip install --no-deps musicnn``.
    crop : float or None, default=None
        Seconds of the random training windows, turned into the tagger's
        ``crop_frames`` with the front end's own hop (predictions average the
        windows of the whole input). None: whole inputs, or 3 s (one musicnn
        patch) with a musicnn `pretrained` (the VGG ones take one centred 3 s
        patch and no crops).
    sr : int, default=22050
        Sampling rate in Hz (from-scratch front end).
    hop : float, default=0.02
        STFT hop in seconds (from-scratch front end).
    n_mels : int, default=96
        Mel bands (from-scratch front end).
    memory, n_jobs
        Front-end cache folder and parallel jobs.
    random_state : int or None, default=None
        Seed of the network initialisation, batch order and crops.
    verbose : int, default=0
        skorch's per-epoch printing.
    **tagger_params
        Override any :class:`~skmer.estimators.CNNTagger` parameter
        (``width=1/4``, ``max_epochs=20``, ``class_weight='balanced'`` ...).

    Returns
    -------
    Pipeline
        Steps ``mel``, ``tagger``; ``y``: a tag indicator matrix ``(n_clips,
        n_tags)`` (array or DataFrame) or one label per clip.

    Examples
    --------
    >>> from skmer.baselines import make_tagger_pipeline
    >>> pipe = make_tagger_pipeline(duration=10.0, crop=3.0, width=1/8)
    >>> pipe.named_steps["tagger"].crop_frames                  # 3 s at 20 ms
    150
    """
    from .estimators import CNNTagger
    from .features import LogMelTransformer

    validate_arguments({"duration": [FINITE_POSITIVE], "crop": [None, FINITE_POSITIVE],
                        "hop": [FINITE_POSITIVE]},
                       {"duration": duration, "crop": crop, "hop": hop}, "make_tagger_pipeline")
    params = {"random_state": random_state, "verbose": verbose}
    if pretrained is None:
        front = LogMelTransformer(sr=sr, n_mels=n_mels, hop=hop, duration=duration,
                                  memory=memory, n_jobs=n_jobs)
        frame_seconds = hop
    else:
        from .pretrained import MusicnnMel
        from .pretrained._musicnn import HOP_LENGTH, N_FRAMES, SR

        frame_seconds = HOP_LENGTH / SR
        n_frames = max(N_FRAMES, int(round(duration / frame_seconds)))
        if "vgg" in pretrained:  # the VGG networks take exactly one 3 s patch
            n_frames, crop = N_FRAMES, None
        elif crop is None:
            crop = N_FRAMES * frame_seconds
        front = MusicnnMel(n_frames=n_frames, memory=memory, n_jobs=n_jobs)
        params.update(pretrained=pretrained, lr=1e-4, head_lr=1e-3)
    if crop is not None and crop < duration:
        params["crop_frames"] = max(1, int(round(crop / frame_seconds)))
    params.update(tagger_params)
    return Pipeline([("mel", front), ("tagger", CNNTagger(**params))])
