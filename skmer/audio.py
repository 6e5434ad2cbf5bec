"""Audio decoding: one function that turns a file into a float32 waveform.

Everything in skmer that reads audio goes through :func:`load_audio`, so every
format, resampling and error rule lives here.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from numbers import Real
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ._validation import FINITE_POSITIVE, POSITIVE_INT, Interval, validate_arguments

__all__ = ["AudioLoadError", "ClipSpec", "audio_duration", "load_audio"]


class AudioLoadError(OSError):
    """An audio file could not be read.

    Raised for a missing file, a file that is not audio or is corrupt, a file
    with no samples, or an offset past the end. The message names the file and
    the reason; both are also available as :attr:`path` and :attr:`reason`.
    """

    def __init__(self, path, reason):
        super().__init__(f"cannot load audio '{path}': {reason}")
        self.path = str(path)
        self.reason = reason

    def __reduce__(self):
        return type(self), (self.path, self.reason)

    def __str__(self):
        return f"cannot load audio '{self.path}': {self.reason}"


class ClipSpec(NamedTuple):
    """A time window of an audio file: the unit the segment datasets produce.

    Parameters
    ----------
    path : str
        Path of the audio file.
    offset : float, default=0.0
        Start of the window, in seconds from the start of the file.
    duration : float or None, default=None
        Length of the window in seconds; ``None`` reads to the end of the file.
    """

    path: str
    offset: float = 0.0
    duration: float | None = None


#: Declared constraints of the arguments of :func:`load_audio` and :func:`audio_duration`
#: (skmer._validation); what needs the file (missing, empty, offset past its end) is
#: checked by hand and raised as AudioLoadError naming the file.
_PARAMETERS = {
    "path": [str, os.PathLike],
    "sr": [POSITIVE_INT, None],
    "mono": ["boolean"],
    "offset": [Interval(Real, 0, np.inf, closed="left")],  # finite seconds >= 0
    "duration": [FINITE_POSITIVE, None],
}


_STDERR_LOCK = threading.Lock()
_stderr_state = {"depth": 0, "saved": None, "capture": None}
# Lines libmpg123 (inside libsndfile) writes to the C stderr about bad MP3 data;
# the AudioLoadError already says what is wrong.
_DECODER_NOISE = (b"Note: ", b"[src/libmpg123/")


@contextlib.contextmanager
def _quiet_decoder():
    """Keep the MP3 decoder's notes off the process's stderr while decoding.

    libmpg123 writes ``Note: Illegal Audio-MPEG-Header ...`` straight to file
    descriptor 2, which Python cannot intercept, so fd 2 is pointed at a
    temporary file while any thread decodes; when the last one finishes, fd 2
    is restored and whatever was written meanwhile, except the decoder's
    notes, is written to it (output of other threads is delayed, not lost).
    """
    state = _stderr_state
    with _STDERR_LOCK:
        if state["depth"] == 0:
            try:
                if sys.stderr is not None:
                    sys.stderr.flush()
                capture = tempfile.TemporaryFile()
                saved = os.dup(2)
                os.dup2(capture.fileno(), 2)
                state["saved"], state["capture"] = saved, capture
            except (OSError, ValueError, AttributeError):
                state["saved"] = state["capture"] = None  # no fd 2: nothing to redirect
        state["depth"] += 1
    try:
        yield
    finally:
        with _STDERR_LOCK:
            state["depth"] -= 1
            if state["depth"] == 0 and state["saved"] is not None:
                saved, capture = state["saved"], state["capture"]
                state["saved"] = state["capture"] = None
                try:
                    if sys.stderr is not None:
                        sys.stderr.flush()
                except (OSError, ValueError):
                    pass
                os.dup2(saved, 2)
                os.close(saved)
                capture.seek(0)
                kept = b"".join(line for line in capture.read().splitlines(keepends=True)
                                if not line.startswith(_DECODER_NOISE))
                capture.close()
                if kept:
                    os.write(2, kept)


def _open(path):
    import soundfile as sf

    try:
        return sf.SoundFile(path)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioLoadError(
            path, f"not a readable audio file or corrupt ({_libsndfile_message(exc)})"
        ) from exc


def _libsndfile_message(exc):
    text = str(exc).strip()
    text = text.split(": ", 1)[-1] if text else type(exc).__name__
    if "does not exist or is not a regular file" in text:
        # libsndfile's wording when no format matches the bytes of an existing file
        return "format not recognised"
    return text


def _check_file(path):
    """The file exists, is no directory and is not empty (`path`'s type is declared)."""
    p = Path(path)
    if not p.exists():
        raise AudioLoadError(path, "file not found")
    if p.is_dir():
        raise AudioLoadError(path, "is a directory, expected an audio file")
    if p.stat().st_size == 0:
        raise AudioLoadError(path, "empty file (0 bytes)")


def audio_duration(path):
    """Duration of an audio file in seconds, read from its header.

    For MP3 the header value is an estimate that can exceed the decodable
    length by up to a few tens of milliseconds.

    Parameters
    ----------
    path : str or os.PathLike
        Audio file.

    Returns
    -------
    duration : float
        Length in seconds.

    Raises
    ------
    AudioLoadError
        The file is missing, empty, a directory, not audio or corrupt.
    sklearn.utils._param_validation.InvalidParameterError
        `path` is not a str or path-like.
    """
    validate_arguments(_PARAMETERS, {"path": path}, "audio_duration")
    _check_file(path)
    with _quiet_decoder(), _open(path) as f:
        return f.frames / f.samplerate


def load_audio(path, sr=44100, mono=True, offset=0.0, duration=None):
    """Decode an audio file to a float32 waveform.

    WAV, FLAC, OGG/Vorbis and MP3 are decoded by libsndfile (through
    ``soundfile``); only the requested window is decoded where the format can
    seek (all four can). When the file's sampling rate differs from `sr` the
    signal is resampled with soxr (high quality), the same resampler as
    ``librosa.load``'s default.

    Parameters
    ----------
    path : str or os.PathLike
        Audio file to read.
    sr : int or None, default=44100
        Target sampling rate in Hz. ``None`` keeps the file's native rate.
    mono : bool, default=True
        Mix all channels down to one by averaging them.
    offset : float, default=0.0
        Start reading this many seconds after the start of the file.
    duration : float or None, default=None
        Read at most this many seconds; ``None`` reads to the end.

    Returns
    -------
    y : ndarray of float32, shape (n_samples,) or (n_channels, n_samples)
        The waveform, mono unless ``mono=False``, in [-1, 1] for integer
        formats.
    sr : int
        Sampling rate of `y` in Hz.

    Raises
    ------
    AudioLoadError
        The file is missing, empty, not audio or corrupt, holds zero samples,
        `offset` lies past its end, or it decodes to non-finite values.
    sklearn.utils._param_validation.InvalidParameterError
        `path` is not a str or path-like, `sr` not a positive int or None, `mono`
        not a bool, `offset` not a finite number >= 0, or `duration` not a finite
        number > 0 or None (a ``ValueError`` and ``TypeError``, naming the
        parameter and what was expected).

    Examples
    --------
    >>> y, sr = load_audio("song.mp3", offset=15.0, duration=20.0)  # doctest: +SKIP
    >>> y.shape, sr  # doctest: +SKIP
    ((882000,), 44100)
    """
    validate_arguments(
        _PARAMETERS,
        {"path": path, "sr": sr, "mono": mono, "offset": offset, "duration": duration},
        "load_audio",
    )
    _check_file(path)

    import soundfile as sf

    with _quiet_decoder(), _open(path) as f:
        native_sr = f.samplerate
        start = int(round(offset * native_sr))
        if f.frames > 0 and start >= f.frames:
            raise AudioLoadError(
                path,
                f"offset {offset:g} s is past the end of the file "
                f"({f.frames / native_sr:.2f} s long)",
            )
        n_read = -1 if duration is None else max(1, int(round(duration * native_sr)))
        try:
            if start:
                f.seek(start)
            data = f.read(n_read, dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise AudioLoadError(
                path, f"corrupt audio data ({_libsndfile_message(exc)})"
            ) from exc

    if data.shape[0] == 0:
        if start:
            raise AudioLoadError(path, f"offset {offset:g} s is past the end of the audio")
        raise AudioLoadError(path, "contains no audio samples")
    if not np.isfinite(data).all():
        raise AudioLoadError(path, "decodes to NaN or infinite sample values")

    if mono:
        y = data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]
    else:
        y = data
    target_sr = native_sr if sr is None else int(sr)
    if target_sr != native_sr:
        import soxr

        y = soxr.resample(y, native_sr, target_sr, quality="HQ")
    y = np.ascontiguousarray(y.T if not mono else y, dtype=np.float32)
    return y, target_sr
