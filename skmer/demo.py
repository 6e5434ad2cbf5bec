"""skmer demo: ADFF against SVR / random-forest baselines on the built-in synthetic data.

1. generates music-like clips with known valence and arousal (no download),
2. cross-validates ADFF's cpu preset (on musicnn's pretrained levels, when musicnn is
   installed), ADFF trained from scratch and two baselines on the same file paths,
3. prints a comparison table and saves a valence-arousal plot and the fitted model,
4. predicts the four real PMEmo clips when ``../shared/data/pmemo-sample`` is present.

Run with ``skmer demo``, ``python -m skmer.demo`` or ``make demo``; outputs go to
``skmer_demo/``.
Set ``SKMER_DEMO_CLIPS`` / ``SKMER_DEMO_EPOCHS`` (default: each preset's own) to make it
smaller or larger.
"""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path

import numpy as np
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.multioutput import MultiOutputRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR

import skmer
from skmer import AudioFeatures, va_to_quadrant
from skmer.baselines import make_adff_pipeline
from skmer.datasets import load_pmemo, make_music_emotion
from skmer.model_io import save_model

OUT = Path(os.environ.get("SKMER_DEMO_OUTPUT", "skmer_demo"))
N_CLIPS = int(os.environ.get("SKMER_DEMO_CLIPS", 120))
EPOCHS = os.environ.get("SKMER_DEMO_EPOCHS")  # None: each preset's own (40 cpu, 30 scratch)
DURATION = 10.0  # seconds per clip
SR = 22050
PMEMO = Path(os.environ.get("SKMER_TEST_DATA", Path(__file__).resolve().parents[2] / "shared"
                            / "data")) / "pmemo-sample"  # next to a source checkout


def _epochs():
    return {} if EPOCHS is None else {"max_epochs": int(EPOCHS)}


def cpu_pipeline(cache):
    # the cpu recipe: ADFF's fusion head on musicnn's frozen pretrained levels, each averaged
    # over time (needs `pip install --no-deps musicnn`, which `make demo` installs)
    return make_adff_pipeline(duration=DURATION, preset="cpu", memory=cache,
                              random_state=0, verbose=0, **_epochs())


def scratch_pipeline(cache):
    # the whole network from the log-Mel: 20 ms hops, seg_num 4, per-band input scaling,
    # AdamW one-cycle; mel (n, 1, 500, 128) -> stack (n, 4, 125, 128) -> [valence, arousal]
    return make_adff_pipeline(duration=DURATION, preset="scratch", sr=SR, memory=cache,
                              random_state=0, verbose=1, **_epochs())


def have_musicnn():
    return importlib.util.find_spec("musicnn") is not None


def baselines(cache):
    features = AudioFeatures(duration=DURATION, memory=cache)
    return {
        "SVR (AudioFeatures)": make_pipeline(features, StandardScaler(),
                                             MultiOutputRegressor(SVR(C=1.0))),
        "Random forest (AudioFeatures)": make_pipeline(
            features, RandomForestRegressor(n_estimators=200, random_state=0, n_jobs=2)),
        "Mean of training targets": make_pipeline(features, DummyRegressor()),
    }


def report(name, y, pred, seconds):
    r2 = r2_score(y, pred, multioutput="raw_values")
    rmse = np.sqrt(mean_squared_error(y, pred, multioutput="raw_values"))
    cells = [name, *(f"{v:.3f}" for v in (*r2, *rmse)), f"{seconds:.0f} s"]
    return "| " + " | ".join(cells) + " |"


def plot_va(y, pred, path, label):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    ax.axhline(0, color="0.7", lw=0.8)
    ax.axvline(0, color="0.7", lw=0.8)
    for i in range(len(y)):
        ax.plot([y[i, 0], pred[i, 0]], [y[i, 1], pred[i, 1]], color="0.85", lw=0.6, zorder=1)
    ax.scatter(y[:, 0], y[:, 1], s=14, label="true", color="tab:blue", zorder=2)
    ax.scatter(pred[:, 0], pred[:, 1], s=14, label=label, color="tab:orange",
               zorder=3)
    for (vx, ay), text in [((0.55, 0.9), "Q1 happy / excited"), ((-0.95, 0.9), "Q2 tense / angry"),
                           ((-0.95, -0.95), "Q3 sad / depressed"),
                           ((0.55, -0.95), "Q4 calm / relaxed")]:
        ax.text(vx, ay, text, fontsize=8, color="0.4")
    ax.set(xlim=(-1.05, 1.05), ylim=(-1.05, 1.05), xlabel="valence", ylabel="arousal",
           title="Held-out predictions on the synthetic data")
    ax.legend(loc="center right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main():
    OUT.mkdir(exist_ok=True)
    cache = str(OUT / "feature_cache")
    print(f"skmer {skmer.__version__} demo -> {OUT.resolve()}\n")

    t = time.perf_counter()
    data = make_music_emotion(n_clips=N_CLIPS, duration=DURATION, sr=SR, random_state=0,
                              verbose=True)
    print(f"{N_CLIPS} synthetic clips of {DURATION:g} s in {data.data_dir} "
          f"({time.perf_counter() - t:.1f} s); targets [valence, arousal] in [-1, 1]\n")
    X, y = data.paths, data.target
    cv = KFold(n_splits=3, shuffle=True, random_state=0)

    rows = []
    print("Extracting features (cached in skmer_demo/feature_cache) ...")
    scratch_pipeline(cache).named_steps["mel"].set_params(verbose=1).fit_transform(X)
    AudioFeatures(duration=DURATION, memory=cache, verbose=1).fit_transform(X)
    deep = {}  # preset -> (pipeline factory, what it is); the first is the one kept
    if have_musicnn():
        cpu_pipeline(cache).named_steps["levels"].set_params(verbose=1).fit_transform(X)
        deep["cpu"] = (cpu_pipeline, "its fusion head on musicnn's pretrained levels")
    else:
        print("\n(musicnn is not installed: skipping ADFF's cpu preset, the recipe for real "
              "music; install it with `pip install --no-deps musicnn`)")
    deep["scratch"] = (scratch_pipeline, "the whole network from the log-Mel, width 1/8, "
                                         "seg_num 4; one epoch table per fold")
    predictions = {}
    for preset, (pipeline, what) in deep.items():
        print(f"\nCross-validating ADFF ({preset} preset: {what}; 3 folds) ...")
        t = time.perf_counter()
        predictions[preset] = cross_val_predict(pipeline(cache), X, y, cv=cv)
        rows.append(report(f"ADFF ({preset} preset)", y, predictions[preset],
                           time.perf_counter() - t))
        print(rows[-1])
    main_name = next(iter(deep))
    main_pipeline, main_pred = deep[main_name][0], predictions[main_name]
    for name, model in baselines(cache).items():
        t = time.perf_counter()
        pred = cross_val_predict(model, X, y, cv=cv)
        rows.append(report(name, y, pred, time.perf_counter() - t))
        print(rows[-1])

    table = "\n".join(["| model | R² valence | R² arousal | RMSE valence | RMSE arousal | time |",
                       "|---|---|---|---|---|---|", *rows])
    print(f"\n3-fold cross-validated, {N_CLIPS} clips:\n\n{table}\n")
    (OUT / "comparison.md").write_text(table + "\n")
    plot_va(y, main_pred, OUT / "valence_arousal.png", f"ADFF ({main_name} preset, held-out)")
    print(f"Valence-arousal plot: {OUT / 'valence_arousal.png'}")

    print(f"\nFitting ADFF ({main_name} preset) on all clips ...")
    model = main_pipeline(cache).fit(X, y)
    model_file = save_model(model, OUT / "adff.skmer", target_names=["valence", "arousal"])
    print(f"Fitted pipeline saved: {model_file}\n  try: skmer predict {model_file} song.mp3")

    if PMEMO.exists():
        pmemo = load_pmemo(PMEMO)
        pred = model.predict(pmemo.paths)  # the front end resamples the 44.1 kHz MP3s
        true_q, pred_q = va_to_quadrant(pmemo.target), va_to_quadrant(pred)
        print("\nReal PMEmo clips (a model trained on synthetic music; expect little):")
        print("| clip | true V, A | predicted V, A | true quadrant | predicted quadrant |")
        print("|---|---|---|---|---|")
        for i, clip in enumerate(pmemo.ids):
            print(f"| {clip} | {pmemo.target[i, 0]:+.2f}, {pmemo.target[i, 1]:+.2f} | "
                  f"{pred[i, 0]:+.2f}, {pred[i, 1]:+.2f} | Q{true_q[i]} | Q{pred_q[i]} |")
    else:
        print(f"\n(PMEmo sample not found at {PMEMO}; set SKMER_TEST_DATA to predict it)")


if __name__ == "__main__":
    main()
