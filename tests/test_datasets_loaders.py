"""load_pmemo on the real PMEmo sample, load_deam on generated DEAM-layout fixtures."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from conftest import PMEMO_IDS

from skmer.datasets import (
    DatasetError,
    DatasetWarning,
    get_data_home,
    load_deam,
    load_pmemo,
)

# ----------------------------------------------------------------------------- PMEmo (real)

# signs of (valence, arousal) of the 4 sample clips: HVHA, LVHA, LVLA, HVLA
QUADRANTS = {"108": (1, 1), "372": (-1, 1), "634": (-1, -1), "683": (1, -1)}


def test_pmemo_sample_static(pmemo_root):
    data = load_pmemo(pmemo_root)
    assert list(data.ids) == PMEMO_IDS
    assert data.target_names == ["valence", "arousal"]
    assert data.target.shape == (4, 2)
    assert np.all(np.abs(data.target) <= 1)
    for cid, target in zip(data.ids, data.target):
        assert tuple(np.sign(target)) == QUADRANTS[cid], cid
    assert data.paths == [str(pmemo_root / "chorus" / f"{i}.mp3") for i in PMEMO_IDS]
    assert all(Path(p).is_file() for p in data.paths)
    # metadata joined; std file absent from the sample -> no std anywhere
    frame = data.frame
    assert list(frame["id"]) == PMEMO_IDS
    assert frame.loc[0, "title"] == "This Is What You Came For"
    assert frame["duration"].tolist() == [49.1, 60.2, 45.1, 45.1]
    assert data.target_std is None
    assert "valence_std" not in frame.columns
    np.testing.assert_allclose(frame[["valence", "arousal"]].to_numpy(), data.target)
    assert "PMEmo" in data.DESCR


def test_pmemo_scale(pmemo_root):
    raw = load_pmemo(pmemo_root, scale=False, dynamic=False)
    scaled = load_pmemo(pmemo_root, dynamic=False)
    assert np.all((raw.target >= 0) & (raw.target <= 1))
    np.testing.assert_allclose(scaled.target, 2 * raw.target - 1)
    # static_annotations.csv: musicId, Arousal(mean), Valence(mean) -> columns swapped
    np.testing.assert_allclose(raw.target[1], [0.175, 0.825])
    paths, target = load_pmemo(pmemo_root, return_X_y=True)
    assert paths == scaled.paths
    np.testing.assert_array_equal(target, scaled.target)
    assert not hasattr(raw, "target_dynamic")


def test_pmemo_sample_dynamic(pmemo_root):
    data = load_pmemo(pmemo_root)
    raw = load_pmemo(pmemo_root, scale=False)
    lengths = [len(t) for t in data.frame_times]
    assert lengths == [68, 90, 60, 60]
    for times, values, raw_values in zip(data.frame_times, data.target_dynamic, raw.target_dynamic):
        assert values.shape == (len(times), 2)
        assert times[0] == 15.5
        np.testing.assert_allclose(np.diff(times), 0.5)
        np.testing.assert_allclose(values, 2 * raw_values - 1)
    assert np.all(np.abs(np.concatenate(data.target_dynamic)) <= 1)
    # first row of the file: 108, 15.5, Arousal 0.8595, Valence 0.7834
    np.testing.assert_allclose(raw.target_dynamic[0][0], [0.7834, 0.8595])
    long = data.dynamic_frame
    assert list(long.columns) == ["id", "time", "valence", "arousal"]
    assert len(long) == sum(lengths) == 278
    # a clip's dynamic ratings agree in sign with its static rating
    for cid, values in zip(data.ids, data.target_dynamic):
        assert tuple(np.sign(values.mean(axis=0))) == QUADRANTS[cid]


def _pmemo_copy(pmemo_root, tmp_path, link_audio=True):
    """Writable copy of the sample (audio symlinked)."""
    root = tmp_path / "pmemo"
    (root / "chorus").mkdir(parents=True)
    shutil.copytree(pmemo_root / "annotations", root / "annotations")
    for p in (root / "annotations").iterdir():
        p.chmod(0o644)
    shutil.copy(pmemo_root / "metadata.csv", root / "metadata.csv")
    (root / "metadata.csv").chmod(0o644)
    if link_audio:
        for cid in PMEMO_IDS:
            (root / "chorus" / f"{cid}.mp3").symlink_to(pmemo_root / "chorus" / f"{cid}.mp3")
    return root


def test_pmemo_std_file(pmemo_root, tmp_path):
    root = _pmemo_copy(pmemo_root, tmp_path)
    (root / "annotations" / "static_annotations_std.csv").write_text(
        "musicId,Arousal(std),Valence(std)\n108,0.1,0.2\n372,0.15,0.05\n634,0.2,0.1\n"
    )
    data = load_pmemo(root, dynamic=False)
    # scaled x2 like the means; 683 has no std row -> NaN
    np.testing.assert_allclose(data.target_std[:3], [[0.4, 0.2], [0.1, 0.3], [0.2, 0.4]])
    assert np.isnan(data.target_std[3]).all()
    raw = load_pmemo(root, dynamic=False, scale=False)
    np.testing.assert_allclose(raw.frame["valence_std"][:3], [0.2, 0.05, 0.1])


def test_pmemo_problems_listed_together(pmemo_root, tmp_path):
    root = _pmemo_copy(pmemo_root, tmp_path)
    (root / "chorus" / "634.mp3").unlink()
    static = root / "annotations" / "static_annotations.csv"
    static.write_text(
        static.read_text() + "999,abc,0.5\n372,0.5,0.5\n777,0.5,1.7\n,0.2,0.2\n"
    )
    with pytest.raises(DatasetError) as info:
        load_pmemo(root, dynamic=False)
    problems = info.value.problems
    text = str(info.value)
    assert len(problems) == 5
    for needle in ["'634'", "audio file not found", "'999'", "'abc' is not a number",
                   "'372' is annotated 2 times", "lines 3, 7", "'777'", "outside [0, 1]",
                   "line 9: missing id"]:
        assert needle in text, needle
    with pytest.warns(DatasetWarning, match="5 problem") as rec:
        data = load_pmemo(root, dynamic=False, on_error="skip")
    assert "'634'" in str(rec[0].message)
    # 634 (no audio) and 372 (duplicated) are dropped, 999/777 never parsed
    assert list(data.ids) == ["108", "683"]
    assert data.target.shape == (2, 2)


def test_pmemo_dynamic_problems(pmemo_root, tmp_path):
    root = _pmemo_copy(pmemo_root, tmp_path)
    dyn = root / "annotations" / "dynamic_annotations.csv"
    dyn.write_text(dyn.read_text() + "683,oops,0.1,0.1\n683,15.5,0.3,0.3\n")
    with pytest.raises(DatasetError) as info:
        load_pmemo(root)
    assert len(info.value.problems) == 2
    assert "unparsable frameTime" in str(info.value)
    assert "'683' has several rows for the same frameTime" in str(info.value)
    with pytest.warns(DatasetWarning):
        data = load_pmemo(root, on_error="skip")
    assert list(data.ids) == PMEMO_IDS  # the clip stays, its dynamic series is dropped
    assert data.target_dynamic[3].shape == (0, 2)
    assert data.target_dynamic[0].shape == (68, 2)


def test_pmemo_missing_files(pmemo_root, tmp_path):
    with pytest.raises(FileNotFoundError, match="root folder"):
        load_pmemo(tmp_path / "nowhere")
    root = _pmemo_copy(pmemo_root, tmp_path)
    (root / "annotations" / "dynamic_annotations.csv").unlink()
    with pytest.raises(FileNotFoundError, match="dynamic=False"):
        load_pmemo(root)
    assert len(load_pmemo(root, dynamic=False).paths) == 4
    # without metadata.csv the audio is <musicId><audio_ext>
    (root / "metadata.csv").unlink()
    assert load_pmemo(root, dynamic=False).paths[0].endswith("chorus/108.mp3")
    (root / "annotations" / "static_annotations.csv").unlink()
    with pytest.raises(FileNotFoundError, match="static annotations"):
        load_pmemo(root)
    with pytest.raises(ValueError, match="on_error"):
        load_pmemo(root, on_error="ignore")


# ----------------------------------------------------------------------------- DEAM (fixtures)

DEAM_STATIC = {  # song_id: (valence_mean, valence_std, arousal_mean, arousal_std) on [1, 9]
    "2": (3.1, 0.94, 3.0, 1.55),
    "3": (7.4, 1.2, 6.6, 0.8),
    "5": (5.0, 1.0, 9.0, 0.0),
    "2001": (1.0, 0.5, 2.2, 0.4),
    "2030": (6.2, 1.1, 4.8, 0.9),
}
SONG_LEVEL = Path("annotations/annotations averaged per song/song_level")
DYNAMIC = Path("annotations/annotations averaged per song/dynamic (per second annotations)")


def _write_mp3(path, seconds=0.5, sr=22050):
    t = np.arange(int(seconds * sr)) / sr
    sf.write(str(path), 0.2 * np.sin(2 * np.pi * 330 * t), sr, format="MP3")


def _static_lines(ids, extra=False):
    """Rows in the release's style: spaces after the commas and in the header."""
    header = "song_id, valence_mean, valence_std, arousal_mean, arousal_std"
    if extra:  # the 2000-2058 file has more columns
        header += ", valence_max_mean, arousal_max_mean"
    rows = [header]
    for cid in ids:
        v, vs, a, as_ = DEAM_STATIC[cid]
        rows.append(f"{cid}, {v}, {vs}, {a}, {as_}" + (", 8, 8" if extra else ""))
    return rows


def _dynamic_lines(values):
    """Wide file with trailing empty cells for the shorter songs."""
    n = max(len(v) for v in values.values())
    rows = ["song_id," + ",".join(f"sample_{15000 + 500 * k}ms" for k in range(n))]
    for cid, v in values.items():
        cells = [f"{x:g}" for x in v] + [""] * (n - len(v))
        rows.append(f"{cid}," + ",".join(cells))
    return rows


def _deam(tmp_path, audio=DEAM_STATIC, static1=None, static2=None, dyn_v=None, dyn_a=None):
    root = tmp_path / "deam"
    (root / "MEMD_audio").mkdir(parents=True)
    (root / SONG_LEVEL).mkdir(parents=True)
    (root / DYNAMIC).mkdir(parents=True)
    for cid in audio:
        _write_mp3(root / "MEMD_audio" / f"{cid}.mp3")
    static1 = static1 or _static_lines(["2", "3", "5"])
    static2 = static2 or _static_lines(["2001", "2030"], extra=True)
    (root / SONG_LEVEL / "static_annotations_averaged_songs_1_2000.csv").write_text(
        "\n".join(static1) + "\n"
    )
    (root / SONG_LEVEL / "static_annotations_averaged_songs_2000_2058.csv").write_text(
        "\n".join(static2) + "\n"
    )
    lengths = {"2": 4, "3": 6, "5": 3, "2001": 8, "2030": 5}
    dyn_v = dyn_v or {c: np.round(np.linspace(-0.5, 0.5, n), 3) for c, n in lengths.items()}
    dyn_a = dyn_a or {c: np.round(np.linspace(0.4, -0.2, n), 3) for c, n in lengths.items()}
    (root / DYNAMIC / "valence.csv").write_text("\n".join(_dynamic_lines(dyn_v)) + "\n")
    (root / DYNAMIC / "arousal.csv").write_text("\n".join(_dynamic_lines(dyn_a)) + "\n")
    return root


def test_deam_static(tmp_path):
    root = _deam(tmp_path)
    data = load_deam(root)
    assert list(data.ids) == ["2", "3", "5", "2001", "2030"]
    raw = np.array([[DEAM_STATIC[c][0], DEAM_STATIC[c][2]] for c in data.ids])
    np.testing.assert_allclose(data.target, (raw - 5) / 4)
    assert data.target_names == ["valence", "arousal"]
    np.testing.assert_allclose(data.target[2], [0.0, 1.0])  # 5 -> 0, 9 -> 1
    np.testing.assert_allclose(data.target[3, 0], -1.0)  # 1 -> -1
    std = np.array([[DEAM_STATIC[c][1], DEAM_STATIC[c][3]] for c in data.ids])
    np.testing.assert_allclose(data.target_std, std / 4)
    assert data.paths == [str(root / "MEMD_audio" / f"{c}.mp3") for c in data.ids]
    assert list(data.frame.columns[:6]) == [
        "id", "path", "valence", "arousal", "valence_std", "arousal_std"
    ]
    unscaled = load_deam(root, scale=False, dynamic=False)
    np.testing.assert_allclose(unscaled.target, raw)
    np.testing.assert_allclose(unscaled.target_std, std)
    paths, target = load_deam(root, return_X_y=True)
    assert paths == data.paths and np.array_equal(target, data.target)


def test_deam_dynamic(tmp_path):
    data = load_deam(_deam(tmp_path))
    lengths = [len(t) for t in data.frame_times]
    assert lengths == [4, 6, 3, 8, 5]  # trailing empty cells dropped
    for times, values, n in zip(data.frame_times, data.target_dynamic, lengths):
        np.testing.assert_allclose(times, 15.0 + 0.5 * np.arange(n))
        np.testing.assert_allclose(values[:, 0], np.round(np.linspace(-0.5, 0.5, n), 3))
        np.testing.assert_allclose(values[:, 1], np.round(np.linspace(0.4, -0.2, n), 3))
    # dynamic values are already on [-1, 1]: identical whatever `scale`
    unscaled = load_deam(tmp_path / "deam", scale=False)
    for a, b in zip(unscaled.target_dynamic, data.target_dynamic):
        np.testing.assert_array_equal(a, b)
    assert len(data.dynamic_frame) == sum(lengths)


def test_deam_problems_listed_together(tmp_path):
    static1 = _static_lines(["2", "3", "5"]) + ["7, 4.0, 1.0, x, 1.0", "8, 4.0, 1.0, 9.5, 1.0"]
    static2 = _static_lines(["2001", "2030", "3"], extra=True)  # 3 again in the second file
    audio = {c: None for c in ["2", "3", "2001", "7", "8"]}  # 5 and 2030 have no audio
    root = _deam(tmp_path, audio=audio, static1=static1, static2=static2)
    with pytest.raises(DatasetError) as info:
        load_deam(root)
    text = str(info.value)
    assert len(info.value.problems) == 5
    for needle in [
        "id '5': audio file not found",
        "id '2030': audio file not found",
        "static_annotations_averaged_songs_1_2000.csv line 5: id '7': arousal_mean 'x'",
        "line 6: id '8': arousal_mean 9.5 is outside [1, 9]",
        "id '3' is annotated 2 times (static_annotations_averaged_songs_1_2000.csv line 3, "
        "static_annotations_averaged_songs_2000_2058.csv line 4)",
    ]:
        assert needle in text, needle
    with pytest.warns(DatasetWarning, match="5 problem"):
        data = load_deam(root, on_error="skip")
    assert list(data.ids) == ["2", "2001"]
    assert len(data.target_dynamic) == 2


def test_deam_dynamic_problems(tmp_path):
    dyn_v = {"2": [0.1, 0.2], "3": [0.1, 0.2, 0.3], "5": [0.0], "2001": [0.5], "2030": [0.2]}
    dyn_a = {"2": [0.1, 0.2], "3": [0.1, 0.2, 0.3], "5": [0.0], "2001": [0.5]}
    root = _deam(tmp_path, dyn_v=dyn_v, dyn_a=dyn_a)
    valence = root / DYNAMIC / "valence.csv"
    lines = valence.read_text().splitlines()
    lines[2] = "3,0.1,,0.3"  # gap inside the series
    lines[3] = "5,zero,,"
    valence.write_text("\n".join(lines) + "\n")
    with pytest.raises(DatasetError) as info:
        load_deam(root)
    text = str(info.value)
    assert "valence.csv line 3: id '3': empty cell sample_15500ms followed by values" in text
    assert "valence.csv line 4: id '5': not a number in sample_15000ms" in text
    assert "id '2030': dynamic annotations only in valence.csv" in text
    assert "id '3': dynamic annotations only in arousal.csv" in text
    with pytest.warns(DatasetWarning):
        data = load_deam(root, on_error="skip")
    assert list(data.ids) == ["2", "3", "5", "2001", "2030"]
    assert [len(t) for t in data.frame_times] == [2, 0, 0, 1, 0]


def test_deam_missing_files(tmp_path):
    root = _deam(tmp_path)
    for name in ("valence.csv", "arousal.csv"):
        (root / DYNAMIC / name).unlink()
    with pytest.raises(FileNotFoundError, match="dynamic=False"):
        load_deam(root)
    assert load_deam(root, dynamic=False).target.shape == (5, 2)
    for p in (root / SONG_LEVEL).iterdir():
        p.unlink()
    with pytest.raises(FileNotFoundError, match="static_annotations_averaged_songs_"):
        load_deam(root)
    with pytest.raises(FileNotFoundError, match="DEAM root"):
        load_deam(tmp_path / "missing")


def test_deam_missing_column(tmp_path):
    static1 = ["song_id, valence, arousal_mean", "2, 3.0, 4.0"]
    root = _deam(tmp_path, static1=static1)
    with pytest.raises(ValueError, match=r"missing column\(s\) \['valence_mean', 'valence_std'"):
        load_deam(root)


def test_deam_audio_readable(tmp_path):
    data = load_deam(_deam(tmp_path), dynamic=False)
    info = sf.info(data.paths[0])
    assert info.format == "MP3" and info.samplerate == 22050


# ----------------------------------------------------------------------------- data home


def test_get_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SKMER_DATA", str(tmp_path / "env"))
    assert get_data_home() == tmp_path / "env"
    assert (tmp_path / "env").is_dir()
    assert get_data_home(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv("SKMER_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert get_data_home() == tmp_path / "xdg" / "skmer"


def test_frame_is_dataframe(pmemo_root):
    assert isinstance(load_pmemo(pmemo_root).frame, pd.DataFrame)
