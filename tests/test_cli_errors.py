"""The command line on bad input: clear one-line errors, exit codes, no hang (issue 13)."""

import json
import shutil
import signal
import subprocess
import sys

import pytest
import torch
from conftest import write_tone

from skmer.cli import main

FAST = ["--preset", "scratch", "--sr", "8000", "--duration", "2", "--n-mels", "32",
        "--seg-num", "2", "--width", "0.0625", "--epochs", "1", "--batch-size", "4",
        "--device", "cpu"]


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def make_csv(folder, rows=None):
    """Four 1 s tones and a labels CSV (extra `rows` appended as text)."""
    folder.mkdir(exist_ok=True)
    lines = ["path,valence,arousal"]
    for i, (freq, v, a) in enumerate([(220, 0.5, 0.5), (330, -0.5, 0.5), (440, -0.5, -0.5),
                                      (550, 0.5, -0.5)]):
        write_tone(folder / f"t{i}.wav", sr=8000, seconds=1.0, freq=float(freq))
        lines.append(f"t{i}.wav,{v},{a}")
    table = folder / "labels.csv"
    table.write_text("\n".join(lines + list(rows or [])) + "\n")
    return table


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("train")
    path = folder / "m.skmer"
    assert main(["train", str(make_csv(folder / "data")), "-o", str(path), *FAST, "-q"]) == 0
    return path


def one_error_line(err, command):
    """The single `skmer COMMAND: error: ...` line of stderr (no traceback)."""
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith(f"skmer {command}: error: ")]
    assert len(lines) == 1, err
    return lines[0]


def test_predict_does_not_hang_on_a_failing_file_with_brackets(model, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    write_tone(folder / "good.wav", sr=8000, seconds=1.0)
    (folder / "bad [demo].mp3").write_bytes(b"not audio" * 50)
    run = subprocess.run([sys.executable, "-m", "skmer", "predict", str(model), str(folder),
                          "--format", "json", "-q"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr
    assert [row["file"] for row in json.loads(run.stdout)] == [str(folder / "good.wav")]
    assert "bad [demo].mp3" in run.stderr and "Note:" not in run.stderr


def test_json_output_parses_when_every_file_fails(model, tmp_path, capsys):
    (tmp_path / "a.mp3").write_bytes(b"junk" * 100)
    capsys.readouterr()
    assert main(["predict", str(model), str(tmp_path / "a.mp3"), "--format", "json", "-q"]) == 1
    assert json.loads(capsys.readouterr().out) == []


def test_a_folder_given_as_the_model(tmp_path, capsys):
    write_tone(tmp_path / "x.wav", sr=8000, seconds=0.5)
    assert main(["predict", str(tmp_path), str(tmp_path / "x.wav")]) == 2
    assert "is a directory, not a model file" in one_error_line(capsys.readouterr().err,
                                                                "predict")


@pytest.mark.parametrize("command, option, value", [
    ("train", "--seg-num", "0"), ("train", "--width", "0"), ("train", "--lr", "-1"),
    ("train", "--duration", "0"), ("train", "--epochs", "0"), ("train", "--epochs", "-2"),
    ("train", "--batch-size", "0"), ("train", "--jobs", "0"), ("evaluate", "--cv", "1"),
    ("evaluate", "--width", "nan"),
])
def test_bad_option_values_exit_2_with_one_line(command, option, value, tmp_path, capsys):
    argv = [command, str(tmp_path), option, value]
    if command == "train":
        argv += ["-o", str(tmp_path / "m.skmer")]
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}: expected" in err and "Traceback" not in err


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_cuda_is_a_usage_error(tmp_path, capsys):
    table = make_csv(tmp_path / "data")
    argv = ["train", str(table), "-o", str(tmp_path / "m.skmer"), *FAST, "--device", "cuda"]
    assert main(argv) == 2
    line = one_error_line(capsys.readouterr().err, "train")
    assert "CUDA is not available" in line and not (tmp_path / "m.skmer").exists()


def test_output_folder_is_checked_before_training(tmp_path, capsys):
    table = make_csv(tmp_path / "data")
    target = tmp_path / "no" / "such" / "m.skmer"
    assert main(["train", str(table), "-o", str(target), *FAST, "-q"]) == 2
    err = capsys.readouterr().err
    assert "the folder" in one_error_line(err, "train") and "does not exist" in err
    assert "training ADFF" not in err
    assert main(["train", str(table), "-o", str(tmp_path), *FAST, "-q"]) == 2
    assert "is a directory" in one_error_line(capsys.readouterr().err, "train")


def test_diverging_training_writes_no_model(tmp_path, capsys):
    table = make_csv(tmp_path / "data")
    target = tmp_path / "m.skmer"
    argv = ["train", str(table), "-o", str(target), *FAST, "--lr", "1e8", "--epochs", "20", "-q"]
    assert main(argv) == 2
    assert "training diverged" in one_error_line(capsys.readouterr().err, "train")
    assert not target.exists()


def test_ctrl_c_during_training_writes_no_model(tmp_path, capsys, monkeypatch):
    from skmer import ADFFRegressor

    epochs = []

    def press_ctrl_c(self, net, **kwargs):
        epochs.append(len(self.history))
        signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(ADFFRegressor, "on_epoch_end", press_ctrl_c, raising=False)
    before = signal.getsignal(signal.SIGINT)  # SIG_IGN when the run is in the background
    table = make_csv(tmp_path / "data")
    target = tmp_path / "m.skmer"
    assert main(["train", str(table), "-o", str(target), *FAST, "--epochs", "5", "-q"]) == 130
    assert epochs == [1]
    assert "interrupted; no model written" in capsys.readouterr().err
    assert not target.exists()
    assert signal.getsignal(signal.SIGINT) is before  # the CLI restores the handler


def test_epoch_table_has_no_colour_codes_when_not_a_terminal(tmp_path, capsys):
    table = make_csv(tmp_path / "data")
    assert main(["train", str(table), "-o", str(tmp_path / "m.skmer"), *FAST,
                 "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "train_loss" in out and "\x1b[" not in out


def test_bad_clips_one_message_then_skip(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "corrupt.mp3").write_bytes(b"not audio" * 100)
    write_tone(data / "extra.wav", sr=8000, seconds=1.0)
    table = make_csv(data, ["missing.wav,0.1,0.1", "extra.wav,abc,0.3", "corrupt.mp3,0.2,0.2"])
    target = tmp_path / "m.skmer"
    assert main(["train", str(table), "-o", str(target), *FAST, "-q"]) == 2
    err = capsys.readouterr().err
    assert "2 problem(s) (use --on-error skip" in one_error_line(err, "train")
    assert "line 6: audio file not found" in err and "line 7: non-numeric" in err

    assert main(["train", str(table), "-o", str(target), *FAST, "-q",
                 "--on-error", "skip"]) == 0
    err = capsys.readouterr().err
    assert "left out 2 clip(s)" in err and "Traceback" not in err
    assert "leaving out 1 of 5 clip(s) whose audio cannot be read" in err
    assert "corrupt.mp3" in err and "Note:" not in err and target.exists()


def test_unreadable_audio_without_skip(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "corrupt.mp3").write_bytes(b"not audio" * 100)
    table = make_csv(data, ["corrupt.mp3,0.2,0.2"])
    assert main(["train", str(table), "-o", str(tmp_path / "m.skmer"), *FAST, "-q"]) == 2
    err = capsys.readouterr().err
    line = one_error_line(err, "train")
    assert "1 audio file(s) could not be read (use --on-error skip" in line
    assert "corrupt.mp3" in err


def test_dataset_problems_are_one_message(pmemo_root, tmp_path, capsys):
    copy = tmp_path / "pmemo"
    shutil.copytree(pmemo_root, copy)
    (copy / "chorus" / "634.mp3").unlink()
    argv = ["evaluate", str(copy), "--cv", "2", *FAST, "-q"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "problem(s) (use --on-error skip to leave them out)" in one_error_line(err, "evaluate")
    assert "634" in err


def test_evaluate_checks_folds_against_the_data_first(tmp_path, capsys):
    table = make_csv(tmp_path / "data")
    assert main(["evaluate", str(table), "--cv", "10", *FAST, "-q"]) == 2
    err = capsys.readouterr().err
    line = one_error_line(err, "evaluate")
    assert "--cv 10 needs at least 20 clips" in line and "has 4" in line
    assert "cross-validation of" not in err  # refused before any training

    assert main(["evaluate", str(table), "--cv", "2", *FAST, "-q", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"r2_valence", "rmse_arousal"} <= {row["metric"] for row in rows}
