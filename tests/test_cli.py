"""The skmer command line, end to end on the real PMEmo sample."""

import csv
import io
import json
import shutil
import subprocess
import sys

import pytest

from skmer.cli import main

TINY = ["--preset", "scratch", "--duration", "2", "--seg-num", "2", "--n-mels", "32",
        "--width", "0.0625",
        "--epochs", "1", "--batch-size", "4", "--device", "cpu", "-q"]


@pytest.fixture(scope="module")
def trained_model(pmemo_root, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "pmemo.skmer"
    assert main(["train", str(pmemo_root), "-o", str(path), *TINY]) == 0
    return path


def test_train_predict_table_json_csv(trained_model, pmemo_root, capsys):
    capsys.readouterr()
    assert main(["predict", str(trained_model), str(pmemo_root / "chorus"), "-q"]) == 0
    table = capsys.readouterr().out
    assert table.count(".mp3") == 4 and "valence" in table and "quadrant" in table

    assert main(["predict", str(trained_model), str(pmemo_root / "chorus" / "108.mp3"),
                 "--format", "json", "-q"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1 and set(rows[0]) == {"file", "valence", "arousal", "quadrant"}
    assert rows[0]["quadrant"] in {"Q1", "Q2", "Q3", "Q4"}

    assert main(["predict", str(trained_model), str(pmemo_root / "chorus"), "--format", "csv",
                 "-q"]) == 0
    records = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(records) == 4 and all(-2 < float(r["valence"]) < 2 for r in records)


def test_bad_files_are_reported_and_others_kept(trained_model, pmemo_root, tmp_path, capsys):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(pmemo_root / "chorus" / "634.mp3", folder / "good.mp3")
    (folder / "broken.mp3").write_bytes(b"not audio" * 50)
    (folder / "empty.wav").write_bytes(b"")
    out_file = tmp_path / "out.json"
    code = main(["predict", str(trained_model), str(folder), "--format", "json",
                 "-o", str(out_file), "-q"])
    assert code == 1
    rows = json.loads(out_file.read_text())
    assert [r["file"].endswith("good.mp3") for r in rows] == [True]
    err = capsys.readouterr().err
    assert "2 of 3 file(s) could not be processed" in err
    assert "broken.mp3" in err and "empty.wav" in err


def test_bad_paths_and_model_files_exit_2(trained_model, tmp_path, capsys):
    assert main(["predict", str(trained_model), str(tmp_path / "missing.mp3")]) == 2
    assert "not found" in capsys.readouterr().err
    fake = tmp_path / "fake.skmer"
    fake.write_bytes(b"junk")
    assert main(["predict", str(fake), str(trained_model)]) == 2
    assert "not a readable skmer model file" in capsys.readouterr().err
    assert main(["train", str(tmp_path), "-o", str(tmp_path / "m.skmer")]) == 2
    assert "cannot tell the layout" in capsys.readouterr().err
    assert main(["predict", str(trained_model), str(tmp_path), "--curve"]) == 2


def test_evaluate_reports_cross_validated_metrics(pmemo_root, capsys):
    assert main(["evaluate", str(pmemo_root), "--cv", "2", "--format", "json", *TINY]) == 0
    rows = {r["metric"]: r for r in json.loads(capsys.readouterr().out)}
    assert {"r2_valence", "r2_arousal", "rmse_valence", "ccc_arousal"} <= set(rows)
    assert rows["rmse_valence"]["mean"] > 0


def test_train_from_csv(pmemo_root, tmp_path):
    table = tmp_path / "labels.csv"
    table.write_text("path,valence,arousal\n" + "\n".join(
        f"{pmemo_root / 'chorus' / f'{i}.mp3'},{v},{a}"
        for i, v, a in [(108, 0.7, 0.7), (372, -0.6, 0.6), (634, -0.5, -0.5), (683, 0.5, -0.5)]))
    assert main(["train", str(table), "-o", str(tmp_path / "m.skmer"), *TINY]) == 0
    assert (tmp_path / "m.skmer").stat().st_size > 0


def test_help_and_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "skmer", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for command in ("predict", "train", "evaluate", "demo"):
        assert command in out
    out = subprocess.run([sys.executable, "-m", "skmer", "predict", "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "--format" in out and "--curve" in out


@pytest.fixture(scope="module")
def dynamic_model(tmp_path_factory):
    """A tiny DAMFF pipeline (log-Mel -> 1 s windows every 0.5 s -> DAMFF) saved to a file."""
    import numpy as np
    from sklearn.pipeline import make_pipeline

    from skmer import LogMelTransformer
    from skmer.datasets import make_music_emotion
    from skmer.estimators import DAMFFRegressor
    from skmer.features import SlidingWindows
    from skmer.model_io import save_model

    home = tmp_path_factory.mktemp("dynamic")
    data = make_music_emotion(n_clips=8, duration=3.0, sr=8000, dynamic=True, random_state=0,
                              data_home=home)
    pipe = make_pipeline(
        LogMelTransformer(sr=8000, n_mels=16, window=0.064, hop=0.02, duration=3.0,
                          crop="start"),
        SlidingWindows(window_duration=1.0, frame_hop=0.02),
        DAMFFRegressor(width=1 / 4, lstm_hidden=4, lstm_layers=1, max_epochs=1, batch_size=4,
                       random_state=0, verbose=0),
    ).fit(data.paths, data.target_dynamic)
    assert np.asarray(pipe.predict(data.paths[:1])).shape == (1, 6, 2)
    path = home / "damff.skmer"
    save_model(pipe, path, target_names=data.target_names)
    return path


def test_predict_curve_with_a_damff_model(dynamic_model, pmemo_root, capsys):
    """--curve gives one row per 0.5 s over each whole file, not just the training length."""
    import soundfile as sf

    from skmer.model_io import load_model

    _, info = load_model(dynamic_model, with_info=True)
    assert info["dynamic"] is True and info["label_hop"] == 0.5 and info["label_start"] == 0.5
    files = [pmemo_root / "chorus" / f"{i}.mp3" for i in ("108", "634")]
    capsys.readouterr()
    assert main(["predict", str(dynamic_model), *map(str, files), "--curve", "--format", "json",
                 "-q"]) == 0
    rows = json.loads(capsys.readouterr().out)
    for path in files:
        mine = [r for r in rows if r["file"] == str(path)]
        seconds = sf.info(str(path)).duration
        # label k at 0.5 (k + 1) s; the last whole frame ends at most one 0.5 s step early
        assert seconds / 0.5 - 2 <= len(mine) <= seconds / 0.5, (len(mine), seconds)
        assert [r["time_s"] for r in mine[:3]] == [0.5, 1.0, 1.5]
        assert set(mine[0]) == {"file", "time_s", "valence", "arousal"}
        assert all(abs(r["valence"]) < 10 and abs(r["arousal"]) < 10 for r in mine)


def test_curve_needs_a_dynamic_model(trained_model, pmemo_root, capsys):
    code = main(["predict", str(trained_model), str(pmemo_root / "chorus" / "108.mp3"),
                 "--curve", "-q"])
    assert code == 2
    assert "--curve needs a dynamic (DAMFF) model" in capsys.readouterr().err


def test_train_dynamic_on_pmemo_then_predict_curves(pmemo_root, tmp_path, capsys):
    """`train --dynamic` fits DAMFF on PMEmo's per-0.5 s labels; `predict --curve` uses it."""
    model = tmp_path / "dynamic.skmer"
    args = ["--n-mels", "32", "--width", "0.0625", "--epochs", "1", "--batch-size", "4",
            "--device", "cpu", "-q"]
    assert main(["train", str(pmemo_root), "--dynamic", "-o", str(model), *args]) == 0
    assert "training DAMFF" in capsys.readouterr().err
    song = pmemo_root / "chorus" / "683.mp3"
    assert main(["predict", str(model), str(song), "--curve", "--format", "csv", "-q"]) == 0
    records = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    # labels from 1 s (one window in) every 0.5 s to the end of the file
    assert [float(r["time_s"]) for r in records[:3]] == [1.0, 1.5, 2.0]
    assert len(records) > 60 and set(records[0]) == {"file", "time_s", "valence", "arousal"}
    assert main(["predict", str(model), str(song), "--format", "json", "-q"]) == 0
    captured = capsys.readouterr()
    assert "use --curve" in captured.err and len(json.loads(captured.out)) == 1


def test_train_dynamic_needs_dynamic_annotations(pmemo_root, tmp_path, capsys):
    table = tmp_path / "labels.csv"
    table.write_text(f"path,valence,arousal\n{pmemo_root / 'chorus' / '108.mp3'},0.5,0.5\n")
    assert main(["train", str(table), "--dynamic", "-o", str(tmp_path / "m.skmer")]) == 2
    assert "--dynamic needs a PMEmo or DEAM folder" in capsys.readouterr().err


def test_train_presets_build_the_factory_pipelines():
    """`skmer train` builds make_adff_pipeline's recipes; only given options override them."""
    from skmer.cli import build_pipeline, make_parser

    def built(*options, task="regression"):
        args = make_parser().parse_args(["train", "data", "-o", "m.skmer", *options])
        return build_pipeline(args, task=task)

    cpu = built(task="classification")
    assert [n for n, _ in cpu.steps] == ["levels", "adff"]
    assert cpu.named_steps["adff"].levels == (816, 306, 128, 128, 128)
    assert (cpu.named_steps["adff"].lr, cpu.named_steps["adff"].max_epochs) == (1e-3, 40)
    scratch = built("--preset", "scratch")
    assert [n for n, _ in scratch.steps] == ["mel", "stack", "adff"]
    mel, adff = scratch.named_steps["mel"], scratch.named_steps["adff"]
    assert (mel.sr, mel.hop, scratch.named_steps["stack"].seg_num) == (22050, 0.02, 4)
    assert (adff.lr, adff.max_epochs, adff.lr_schedule, adff.input_scaling) == (
        3e-3, 30, "onecycle", "band")
    tuned = built("--preset", "scratch", "--epochs", "3", "--seg-num", "2",
                  "--lr-decay").named_steps
    assert tuned["adff"].max_epochs == 3 and tuned["stack"].seg_num == 2
    assert tuned["adff"].lr_schedule == "multistep" and tuned["adff"].lr_milestones[0] == 20


def test_train_cpu_preset_rejects_front_end_options(tmp_path, capsys):
    from skmer.cli import main

    csv = tmp_path / "labels.csv"
    csv.write_text("path,valence,arousal\n")
    for option in (["--seg-num", "4"], ["--n-mels", "64"], ["--sr", "22050"]):
        code = main(["train", str(csv), "-o", str(tmp_path / "m.skmer"), *option])
        err = capsys.readouterr().err
        assert code == 2 and "do not apply to preset='cpu'" in err and "preset='scratch'" in err
        assert "Traceback" not in err


def test_train_cpu_preset_without_musicnn_says_how_to_install(tmp_path, capsys, monkeypatch):
    import importlib.util

    from skmer.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "musicnn" else real(name, *a))
    csv = tmp_path / "labels.csv"
    csv.write_text("path,valence,arousal\n")
    code = main(["train", str(csv), "-o", str(tmp_path / "m.skmer")])  # the default preset
    err = capsys.readouterr().err
    assert code == 2 and "pip install --no-deps musicnn" in err and "Traceback" not in err
    assert "--preset scratch" in err
