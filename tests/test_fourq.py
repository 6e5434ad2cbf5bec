"""load_4q on the real 4q-dev folder and on broken copies; the CLI on a tiny 4Q copy."""

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import require_test_data
from conftest import test_data_root as _data_root

from skmer.datasets import DatasetError, DatasetWarning, load_4q
from skmer.estimators import va_to_quadrant

ANNOTATIONS = "panda_dataset_taffc_annotations.csv"
METADATA = "panda_dataset_taffc_metadata.csv"


@pytest.fixture(scope="module")
def fourq_root():
    """The developers' half of the real 4Q dataset (450 MP3 clips)."""
    return require_test_data(_data_root() / "4q-dev")


@pytest.fixture(scope="module")
def real(fourq_root):
    return load_4q(fourq_root)


# ----------------------------------------------------------------------------- real folder


def test_real_folder(real, fourq_root):
    assert len(real.paths) == 450
    assert real.target.dtype == np.int64
    assert sorted(Counter(real.target.tolist()).items()) == [(1, 112), (2, 112), (3, 113),
                                                             (4, 113)]
    assert real.target_names == ["Q1", "Q2", "Q3", "Q4"]
    # absolute paths in the folder of their quadrant, in the order of the metadata file
    meta = pd.read_csv(fourq_root / METADATA, dtype=str)
    assert list(real.ids) == list(meta["Song"]) == list(real.song_ids)
    for path, q, cid in zip(real.paths, real.target, real.ids):
        p = Path(path)
        assert p.is_absolute() and p.is_file()
        assert p.parent.name == real.target_names[q - 1] and p.stem == cid
    ann = pd.read_csv(fourq_root / ANNOTATIONS, dtype=str).set_index("Song")["Quadrant"]
    assert [real.target_names[q - 1] for q in real.target] == list(ann.loc[real.ids])
    # artist groups
    assert len(set(real.groups)) == 330
    assert list(real.groups) == list(meta["Artist"])
    assert list(real.frame["Artist"]) == list(real.groups)
    assert "Panda" in real.DESCR and "Research use only" in real.DESCR


def test_real_binary_targets_follow_the_quadrant_convention(real):
    # quadrant k = va_to_quadrant of a point with the signs of valence/arousal
    signs = np.column_stack([2 * real.valence_binary - 1, 2 * real.arousal_binary - 1])
    np.testing.assert_array_equal(va_to_quadrant(signs), real.target)
    np.testing.assert_array_equal(real.valence_binary, np.isin(real.target, (1, 4)))
    np.testing.assert_array_equal(real.arousal_binary, np.isin(real.target, (1, 2)))
    assert real.valence_binary.sum() == 225 and real.arousal_binary.sum() == 224


def test_real_tags_and_frame(real, fourq_root):
    counts = Counter(t for text in real.frame["MoodsStrSplit"] for t in set(text.split("; ")))
    expected = sorted(t for t, n in counts.items() if n >= 20)
    assert real.tag_names == expected and len(expected) > 20
    assert real.tags.shape == (450, len(expected))
    assert set(np.unique(real.tags)) == {0, 1}
    assert real.tags.sum(axis=0).min() >= 20
    j = real.tag_names.index("Calm")
    assert real.tags[:, j].sum() == counts["Calm"]
    first = set(real.frame.loc[0, "MoodsStrSplit"].split("; "))
    assert {t for t, on in zip(real.tag_names, real.tags[0]) if on} == first & set(expected)
    more = load_4q(fourq_root, min_tag_count=5)
    assert len(more.tag_names) > len(real.tag_names)
    assert more.tags.sum(axis=0).min() >= 5
    assert real.genres[0] == ["International", "Jazz"]
    frame = real.frame
    assert list(frame.columns[:5]) == ["id", "path", "quadrant", "valence_binary",
                                       "arousal_binary"]
    assert frame["PQuad"].dtype == float and frame["MoodsTotal"].dtype.kind == "i"
    assert "Song" not in frame.columns and "Quadrant" not in frame.columns
    paths, target = load_4q(fourq_root, return_X_y=True)
    assert paths == real.paths
    np.testing.assert_array_equal(target, real.target)


def test_real_artist_grouped_folds(real):
    from sklearn.model_selection import StratifiedGroupKFold

    cv = StratifiedGroupKFold(5, shuffle=True, random_state=0)
    for train, test in cv.split(real.paths, real.target, real.groups):
        assert not set(real.groups[train]) & set(real.groups[test])
        assert set(real.target[test]) == {1, 2, 3, 4}


# ----------------------------------------------------------------------------- broken copies


def _copy(fourq_root, tmp_path, per_quadrant=2):
    """A 4Q-layout folder with the first `per_quadrant` songs of each quadrant (audio linked)."""
    meta = pd.read_csv(fourq_root / METADATA, dtype=str, keep_default_na=False)
    ann = pd.read_csv(fourq_root / ANNOTATIONS, dtype=str, keep_default_na=False)
    meta = meta.sort_values("Quadrant", kind="stable").groupby("Quadrant").head(per_quadrant)
    meta = meta.reset_index(drop=True)
    ann = ann.set_index("Song").loc[meta["Song"]].reset_index()
    root = tmp_path / "4q"
    for q in ("Q1", "Q2", "Q3", "Q4"):
        (root / q).mkdir(parents=True)
    for song, q in zip(meta["Song"], meta["Quadrant"]):
        (root / q / f"{song}.mp3").symlink_to(fourq_root / q / f"{song}.mp3")
    meta.to_csv(root / METADATA, index=False)
    ann.to_csv(root / ANNOTATIONS, index=False)
    return root, meta


def _edit(path, fn):
    """Rewrite a CSV of the copy through `fn(list of lines) -> list of lines`."""
    lines = path.read_text().splitlines()
    path.write_text("\n".join(fn(lines)) + "\n")


def test_copy_loads(fourq_root, tmp_path):
    root, meta = _copy(fourq_root, tmp_path)
    data = load_4q(root, min_tag_count=2)
    assert list(data.ids) == list(meta["Song"])
    assert sorted(data.target.tolist()) == [1, 1, 2, 2, 3, 3, 4, 4]
    assert all(p.startswith(str(root.absolute())) for p in data.paths)
    assert data.tags.sum(axis=0).min() >= 2


def test_missing_audio(fourq_root, tmp_path):
    root, meta = _copy(fourq_root, tmp_path)
    song, q = meta.loc[3, "Song"], meta.loc[3, "Quadrant"]
    (root / q / f"{song}.mp3").unlink()
    with pytest.raises(DatasetError) as info:
        load_4q(root)
    text = str(info.value)
    assert len(info.value.problems) == 1
    assert f"{METADATA} line 5" in text and repr(song) in text
    assert "audio file not found" in text and f"{q}/{song}.mp3" in text
    with pytest.warns(DatasetWarning, match="1 problem") as rec:
        data = load_4q(root, on_error="skip")
    assert len(rec) == 1 and repr(song) in str(rec[0].message)
    assert len(data.paths) == 7 and song not in set(data.ids)


def test_unknown_quadrant(fourq_root, tmp_path):
    root, meta = _copy(fourq_root, tmp_path)
    song = meta.loc[0, "Song"]
    _edit(root / ANNOTATIONS, lambda lines: [lines[0], f"{song},Q5", *lines[2:]])
    with pytest.raises(DatasetError, match="unknown quadrant 'Q5'") as info:
        load_4q(root)
    assert f"{ANNOTATIONS} line 2: song {song!r}" in str(info.value)
    assert len(info.value.problems) == 1
    with pytest.warns(DatasetWarning) as rec:
        data = load_4q(root, on_error="skip")
    assert len(rec) == 1
    assert list(data.ids) == list(meta["Song"][1:])


def test_duplicate_song(fourq_root, tmp_path):
    root, meta = _copy(fourq_root, tmp_path)
    song = meta.loc[2, "Song"]
    _edit(root / METADATA, lambda lines: [*lines, lines[3]])
    _edit(root / ANNOTATIONS, lambda lines: [*lines, lines[3]])
    with pytest.raises(DatasetError) as info:
        load_4q(root)
    text = str(info.value)
    assert len(info.value.problems) == 2
    assert f"id {song!r} is annotated 2 times ({METADATA} lines 4, 10)" in text
    assert f"({ANNOTATIONS} lines 4, 10)" in text
    with pytest.warns(DatasetWarning, match=repr(song)):
        data = load_4q(root, on_error="skip")
    assert len(data.paths) == 7 and song not in set(data.ids)


def test_annotation_disagrees_with_metadata(fourq_root, tmp_path):
    root, meta = _copy(fourq_root, tmp_path)
    song = meta.loc[1, "Song"]  # a Q1 song
    _edit(root / ANNOTATIONS, lambda lines: [*lines[:2], f"{song},Q3", *lines[3:]])
    with pytest.raises(DatasetError) as info:
        load_4q(root)
    assert str(info.value).endswith(
        f"{METADATA} line 3: song {song!r} is in Q1, but {ANNOTATIONS} line 3 says Q3"
    )
    with pytest.warns(DatasetWarning):
        data = load_4q(root, on_error="skip")
    assert song not in set(data.ids) and len(data.ids) == 7


def test_audio_in_the_folder_of_another_quadrant(fourq_root, tmp_path):
    root, meta = _copy(fourq_root, tmp_path)
    song = meta.loc[6, "Song"]  # a Q4 song
    (root / "Q4" / f"{song}.mp3").rename(root / "Q2" / f"{song}.mp3")
    with pytest.raises(DatasetError, match="folder of another quadrant: Q2/") as info:
        load_4q(root)
    assert f"{METADATA} line 8: song {song!r} is in Q4" in str(info.value)


def test_problems_listed_together(fourq_root, tmp_path):
    root, meta = _copy(fourq_root, tmp_path)
    ids = list(meta["Song"])
    (root / meta.loc[0, "Quadrant"] / f"{ids[0]}.mp3").unlink()
    # annotations: song 1 unknown, song 2 missing, an extra song, song 4 disagrees
    _edit(root / ANNOTATIONS, lambda lines: [
        lines[0], lines[1], f"{ids[1]},happy", f"{ids[3]},Q1", *lines[5:], "MT9999999999,Q2",
    ])
    # metadata: song 5 has no artist
    meta.loc[4, "Artist"] = ""
    meta.to_csv(root / METADATA, index=False)
    with pytest.raises(DatasetError) as info:
        load_4q(root)
    text = str(info.value)
    for needle in [f"{ids[1]!r}: unknown quadrant 'happy'",
                   f"song {ids[2]!r} is not in {ANNOTATIONS}",
                   f"song 'MT9999999999' is not in {METADATA}",
                   f"song {ids[3]!r} is in Q2, but {ANNOTATIONS} line 4 says Q1",
                   f"{METADATA} line 6: song {ids[4]!r} has no Artist",
                   f"song {ids[0]!r}: audio file not found"]:
        assert needle in text, needle
    assert len(info.value.problems) == 6
    with pytest.warns(DatasetWarning, match="6 problem") as rec:
        data = load_4q(root, on_error="skip")
    assert len(rec) == 1
    message = str(rec[0].message)
    assert "skipped 6 song(s)" in message
    assert list(data.ids) == ids[5:]


def test_missing_files_and_bad_arguments(fourq_root, tmp_path):
    with pytest.raises(FileNotFoundError, match="root folder"):
        load_4q(tmp_path / "nowhere")
    root, _ = _copy(fourq_root, tmp_path)
    with pytest.raises(ValueError, match="on_error"):
        load_4q(root, on_error="ignore")
    with pytest.raises(ValueError, match="min_tag_count"):
        load_4q(root, min_tag_count=0)
    with pytest.raises(TypeError, match="min_tag_count"):
        load_4q(root, min_tag_count=2.5)
    _edit(root / METADATA, lambda lines: [lines[0].replace("Artist", "Band", 1), *lines[1:]])
    with pytest.raises(ValueError, match="missing column"):
        load_4q(root)
    (root / ANNOTATIONS).unlink()
    with pytest.raises(FileNotFoundError, match=ANNOTATIONS):
        load_4q(root)


# ----------------------------------------------------------------------------- CLI

TINY = ["--preset", "scratch", "--duration", "2", "--seg-num", "2", "--n-mels", "32",
        "--width", "0.0625",
        "--epochs", "1", "--batch-size", "4", "--sr", "16000", "--device", "cpu", "-q"]


def test_cli_train_predict_evaluate_on_a_4q_copy(fourq_root, tmp_path, capsys):
    from skmer.cli import main

    root, meta = _copy(fourq_root, tmp_path)
    model = tmp_path / "4q.skmer"
    assert main(["train", str(root), "-o", str(model), *TINY]) == 0
    assert "quadrant classifier" in capsys.readouterr().err
    song = root / meta.loc[0, "Quadrant"] / f"{meta.loc[0, 'Song']}.mp3"
    assert main(["predict", str(model), str(song), "--format", "json", "-q"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1 and rows[0]["quadrant"] in {"Q1", "Q2", "Q3", "Q4"}

    assert main(["evaluate", str(root), "--cv", "2", "--format", "json", *TINY]) == 0
    captured = capsys.readouterr()
    assert "grouped by artist" in captured.err
    rows = {r["metric"]: r for r in json.loads(captured.out)}
    assert set(rows) == {"accuracy", "f1_macro", "balanced_accuracy_arousal",
                         "balanced_accuracy_valence"}
    assert all(0 <= r["mean"] <= 1 for r in rows.values())
    assert main(["train", str(root), "--dynamic", "-o", str(model)]) == 2
    assert "PMEmo or DEAM" in capsys.readouterr().err
