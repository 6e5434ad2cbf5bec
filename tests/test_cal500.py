"""Tests of the CAL500 / CAL500exp / tags.csv loaders on small on-disk fixtures."""

import warnings

import numpy as np
import pytest
import torch
from conftest import write_tone

from skmer.audio import ClipSpec
from skmer.datasets import (
    DatasetError,
    DatasetWarning,
    load_cal500,
    load_cal500exp,
    load_tags_csv,
)
from skmer.estimators import CNNTagger
from skmer.features import LogMelTransformer

VOCAB = [
    "Emotion-Angry_/_Aggressive",
    "NOT-Emotion-Angry_/_Aggressive",
    "Emotion-Happy",
    "NOT-Emotion-Happy",
    "Emotion-Calming_/_Soothing",
    "Genre-Rock",
    "Instrument_-_Male_Lead_Vocals",
    "Usage-Driving",
]
EMOTIONS = ["Emotion-Angry_/_Aggressive", "Emotion-Happy", "Emotion-Calming_/_Soothing"]
SONGS = ["2pac-trapped", "abba-s.o.s.", "ac_dc-dirty_deeds_done_dirt_cheap", "air-sexy_boy"]
HARD = np.array(
    [
        [1, 0, 0, 1, 0, 0, 1, 0],
        [0, 1, 1, 0, 0, 0, 0, 1],
        [1, 0, 0, 1, 0, 1, 1, 1],
        [0, 1, 0, 0, 1, 0, 0, 0],
    ]
)


def write_cal500(root, audio_dir="mp3", ext=".mp3", hard=HARD, songs=SONGS, skip_audio=()):
    root.mkdir(parents=True, exist_ok=True)
    (root / "songNames.txt").write_text("\n".join(songs) + "\n")
    (root / "vocab.txt").write_text("\n".join(VOCAB) + "\n")
    (root / "hardAnnotations.txt").write_text(
        "\n".join(",".join(str(v) for v in row) for row in hard) + "\n"
    )
    soft = np.round(np.clip(hard * 0.8 + 0.1, 0, 1), 2)
    (root / "softAnnotations.txt").write_text(
        "\n".join(",".join(f"{v:.2f}" for v in row) for row in soft) + "\n"
    )
    (root / audio_dir).mkdir(exist_ok=True)
    fmt = "MP3" if ext == ".mp3" else None
    for i, song in enumerate(songs):
        if song not in skip_audio:
            write_tone(root / audio_dir / f"{song}{ext}", sr=8000, seconds=3.0,
                       freq=220.0 * (i + 1), fmt=fmt)
    return root


# --------------------------------------------------------------------------- CAL500


def test_cal500_emotion_subset(tmp_path):
    root = write_cal500(tmp_path / "CAL500")
    data = load_cal500(root)
    assert data.tag_names == EMOTIONS
    assert data.tags.dtype == np.int64 and data.tags.shape == (4, 3)
    np.testing.assert_array_equal(data.tags, HARD[:, [0, 2, 4]])
    assert data.paths == [str(root / "mp3" / f"{s}.mp3") for s in SONGS]
    assert list(data.ids) == SONGS
    assert list(data.frame.columns) == ["id", "path", *EMOTIONS]
    assert "CAL500" in data.DESCR
    paths, tags = load_cal500(root, return_X_y=True)
    assert paths == data.paths and np.array_equal(tags, data.tags)


def test_cal500_vocabularies_and_soft(tmp_path):
    root = write_cal500(tmp_path / "c", audio_dir="CAL500_32kps")
    everything = load_cal500(root, vocabulary="all")
    assert everything.tag_names == VOCAB and everything.tags.shape == (4, 8)
    assert "CAL500_32kps" in everything.paths[0]
    chosen = load_cal500(root, vocabulary=["Genre-Rock", "Emotion-Happy"])
    np.testing.assert_array_equal(chosen.tags, HARD[:, [5, 2]])
    soft = load_cal500(root, annotations="soft")
    assert soft.tags.dtype == np.float64
    np.testing.assert_allclose(soft.tags, HARD[:, [0, 2, 4]] * 0.8 + 0.1)
    with pytest.raises(ValueError, match="not in the vocabulary"):
        load_cal500(root, vocabulary=["Emotion-Bored"])
    with pytest.raises(ValueError, match="vocabulary must be"):
        load_cal500(root, vocabulary="moods")
    with pytest.raises(ValueError, match="'annotations' parameter of load_cal500 must be a str"):
        load_cal500(root, annotations="mean")


def test_cal500_problems_listed_or_skipped(tmp_path):
    hard = HARD.copy()
    hard[1, 3] = 2
    root = write_cal500(tmp_path / "c", hard=hard, songs=[*SONGS[:3], SONGS[0]],
                        skip_audio=[SONGS[2]], ext=".wav")
    with pytest.raises(DatasetError) as info:
        load_cal500(root, audio_ext=".wav")
    problems = info.value.problems
    assert len(problems) == 3
    assert "abba-s.o.s.'" in problems[0] and "other than 0/1" in problems[0]
    assert "ac_dc" in problems[1] and "audio file not found" in problems[1]
    assert "listed twice" in problems[2]
    with pytest.warns(DatasetWarning, match="3 song"):
        data = load_cal500(root, audio_ext=".wav", on_error="skip")
    assert list(data.ids) == [SONGS[0]]


def test_cal500_shape_problems_and_missing_files(tmp_path):
    root = write_cal500(tmp_path / "c", ext=".wav")
    (root / "hardAnnotations.txt").write_text("1,0,1\n0,1,0,1,0,0,0,1\n")
    with pytest.raises(DatasetError, match=r"line 1: 3 values, vocab.txt has 8 words(?s:.*)"
                                           r"2 rows, songNames.txt has 4 songs"):
        load_cal500(root, audio_ext=".wav")
    with pytest.raises(FileNotFoundError, match="softAnnotations.txt"):
        (root / "softAnnotations.txt").unlink()
        load_cal500(root, annotations="soft")
    with pytest.raises(FileNotFoundError, match="no audio folder"):
        (root / "mp3").rename(root / "sounds")
        load_cal500(root, audio_ext=".wav")
    with pytest.raises(FileNotFoundError, match="root folder"):
        load_cal500(tmp_path / "nowhere")


# --------------------------------------------------------------------------- CAL500exp


def write_cal500exp(root, nested=False, rows=None):
    write_cal500(root, audio_dir="CAL500_32kps")
    folder = root / "SegLabelHard"
    if nested:
        folder = folder / "SegLabelHard"
    folder.mkdir(parents=True)
    header = "Start_Time,End_Time," + ",".join(VOCAB[:6])
    rows = rows or {
        SONGS[0]: ["0.0,3.5,1,0,0,1,0,0", "3.5,10.25,0,1,1,0,0,1"],
        SONGS[1]: ["12.0,15.0,0,0,0,0,1,0"],
    }
    for song, lines in rows.items():
        (folder / f"{song}.csv").write_text(header + "\n" + "\n".join(lines) + "\n")
    return root


@pytest.mark.parametrize("nested", [False, True])
def test_cal500exp_segments(tmp_path, nested):
    root = write_cal500exp(tmp_path / "exp", nested=nested)
    data = load_cal500exp(root)
    assert data.tag_names == EMOTIONS
    np.testing.assert_array_equal(data.tags, [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert data.clips[1] == ClipSpec(str(root / "CAL500_32kps" / f"{SONGS[0]}.mp3"), 3.5, 6.75)
    np.testing.assert_array_equal(data.groups, [0, 0, 1])
    assert list(data.song_ids) == SONGS[:2]
    assert list(data.frame.columns[:4]) == ["song", "path", "start", "end"]
    assert load_cal500exp(root, vocabulary="all").tags.shape == (3, 6)


def test_cal500exp_problems(tmp_path):
    rows = {
        SONGS[0]: ["0.0,3.5,1,0,0,1,0,0", "5.0,4.0,0,1,1,0,0,1", "6,8,0,2,0,0,0,0",
                   "8,x,0,0,0,0,0,0"],
        "missing-song": ["0,3,1,0,0,0,0,0"],
    }
    root = write_cal500exp(tmp_path / "exp", rows=rows)
    with pytest.raises(DatasetError) as info:
        load_cal500exp(root)
    text = "\n".join(info.value.problems)
    assert "row 3: End_Time 4 <= Start_Time 5" in text
    assert "row 4: hard labels other than 0/1" in text
    assert "row 5: missing or non-numeric" in text
    assert "'missing-song': audio file not found" in text
    with pytest.warns(DatasetWarning):
        data = load_cal500exp(root, on_error="skip")
    assert data.tags.shape == (1, 3)
    with pytest.raises(FileNotFoundError, match="SegLabelSoft"):
        load_cal500exp(root, labels="soft")


def test_cal500exp_clips_feed_logmel(tmp_path):
    root = write_cal500exp(tmp_path / "exp")
    data = load_cal500exp(root)
    S = LogMelTransformer(sr=8000, n_mels=16, duration=2.0, min_duration=0.1).fit_transform(
        data.clips[:1])
    assert S.shape == (1, 1, 200, 16)


# --------------------------------------------------------------------------- tags.csv


def test_tags_csv(tmp_path):
    (tmp_path / "audio").mkdir()
    for name in ("a", "b", "c"):
        write_tone(tmp_path / "audio" / f"{name}.wav", sr=8000, seconds=2.0)
    csv = tmp_path / "tags.csv"
    csv.write_text(
        "path,artist,offset,duration,happy,sad,calm\n"
        "audio/a.wav,x,0,1.5,1,0,0\n"
        f"{tmp_path / 'audio' / 'b.wav'},y,0.5,,0,1,1\n"
        "audio/c.wav,x,0,1.0,1,1,0\n"
    )
    data = load_tags_csv(csv, tag_columns=["happy", "sad", "calm"], group_column="artist")
    assert data.tag_names == ["happy", "sad", "calm"]
    np.testing.assert_array_equal(data.tags, [[1, 0, 0], [0, 1, 1], [1, 1, 0]])
    assert data.paths[0] == str(tmp_path / "audio" / "a.wav")
    assert data.clips[0] == ClipSpec(data.paths[0], 0.0, 1.5)
    assert data.clips[1] == ClipSpec(data.paths[1], 0.5, None)
    assert list(data.groups) == ["x", "y", "x"]
    # default tag columns: everything but path/offset/duration/group
    assert load_tags_csv(csv, group_column="artist").tag_names == ["happy", "sad", "calm"]


def test_tags_csv_problems(tmp_path):
    write_tone(tmp_path / "a.wav", sr=8000, seconds=1.0)
    csv = tmp_path / "tags.csv"
    csv.write_text("path,happy,sad\na.wav,1,0\nb.wav,0,1\na.wav,0.5,\n")
    with pytest.raises(DatasetError) as info:
        load_tags_csv(csv)
    assert len(info.value.problems) == 2
    assert "row 3: audio file not found" in info.value.problems[0]
    assert "row 4: tags not 0/1 in columns ['happy', 'sad']" in info.value.problems[1]
    with pytest.warns(DatasetWarning):
        assert load_tags_csv(csv, on_error="skip").tags.tolist() == [[1, 0]]
    with pytest.raises(ValueError, match="no 'file' column"):
        load_tags_csv(csv, path_column="file")
    with pytest.raises(ValueError, match="not found"):
        load_tags_csv(csv, tag_columns=["joy"])
    with pytest.raises(FileNotFoundError):
        load_tags_csv(tmp_path / "none.csv")


def test_cal500_end_to_end_tagger(tmp_path):
    root = write_cal500(tmp_path / "CAL500")
    data = load_cal500(root)
    S = LogMelTransformer(sr=8000, n_mels=16, duration=2.0).fit_transform(data.paths)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tagger = CNNTagger(width=1 / 8, n_blocks=2, max_epochs=1, random_state=0,
                               verbose=0, tag_names=data.tag_names).fit(S, data.tags)
    finally:
        torch.set_num_threads(threads)
    assert tagger.predict(S).shape == (4, 3) and list(tagger.classes_) == EMOTIONS
