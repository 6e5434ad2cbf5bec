"""The skmer command line, end to end on the real PMEmo sample."""

import csv
import io
import json
import shutil
import subprocess
import sys

import pytest

from skmer.cli import main

TINY = ["--duration", "2", "--seg-num", "2", "--n-mels", "32", "--width", "0.0625",
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
