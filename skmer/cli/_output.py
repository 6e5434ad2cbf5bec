"""``skmer predict``'s work and every command's output: predictions as rows of text.

:func:`predict_files` predicts a list of files in batches, setting aside the ones that
cannot be read; the row builders turn per-clip predictions (``_prediction_rows``) or
curves (``_curve_rows``) into result rows, and :func:`format_rows` writes rows as an
aligned table, CSV or JSON.
"""

from __future__ import annotations

import json
import sys


def predict_files(model, files, batch_size=32, verbose=True):
    """Predict every file, setting aside the ones that cannot be read.

    Returns
    -------
    predictions : dict of str -> ndarray
    failures : dict of str -> str
        File -> reason.
    """
    from ..exceptions import FeatureExtractionError

    predictions, failures = {}, {}
    batches = [files[i:i + batch_size] for i in range(0, len(files), batch_size)]
    progress = None
    if verbose and len(files) > 1:
        from tqdm.auto import tqdm

        progress = tqdm(total=len(files), desc="predicting", unit="file", file=sys.stderr)
    for batch in batches:
        pending = list(batch)
        while pending:
            try:
                out = model.predict(pending)
            except FeatureExtractionError as exc:
                # Positions in `pending`, never file names parsed back out of messages.
                bad = {r.index: r.reason for r in exc.records
                       if r.index is not None and 0 <= r.index < len(pending)}
                if not bad:  # nothing attributable: give up on this batch
                    failures.update({f: str(exc) for f in pending})
                    pending = []
                    continue
                failures.update({pending[i]: reason for i, reason in bad.items()})
                pending = [f for i, f in enumerate(pending) if i not in bad]
                continue
            predictions.update(zip(pending, out))
            pending = []
        if progress is not None:
            progress.update(len(batch))
    if progress is not None:
        progress.close()
    return predictions, failures


def _prediction_rows(predictions, target_names):
    import numpy as np

    from ..estimators import va_to_quadrant

    rows = []
    for path, value in predictions.items():
        value = np.asarray(value, dtype=float)
        row = {"file": path}
        if value.ndim == 0 and target_names == ["quadrant"]:  # 4Q classifier
            row["quadrant"] = f"Q{int(value)}"
        elif value.ndim == 0 or value.size == 1 and target_names is None:
            row["prediction"] = value.item() if value.size == 1 else value.tolist()
        elif value.ndim == 1 and target_names and len(target_names) == value.size:
            row.update({name: float(v) for name, v in zip(target_names, value)})
            if list(target_names) == ["valence", "arousal"]:
                row["quadrant"] = f"Q{int(va_to_quadrant(value[None])[0])}"
        else:
            row["prediction"] = value.tolist()
        rows.append(row)
    return rows


def _read_whole_files(model, example_file):
    """Make a dynamic pipeline read whole files instead of its training clip length."""
    from sklearn.pipeline import Pipeline

    from ..features import LogMelTransformer

    first = model.steps[0][1] if isinstance(model, Pipeline) else None
    if isinstance(first, LogMelTransformer) and first.duration is not None:
        first.set_params(duration=None).fit([example_file])


def _curve_rows(predictions, info):
    """One row per file and curve point: time in seconds and one column per target."""
    import numpy as np

    hop = float(info.get("label_hop", 0.5))
    start = float(info.get("label_start", hop))
    rows = []
    for path, curve in predictions.items():
        curve = np.asarray(curve, dtype=float)
        if curve.ndim == 1:
            curve = curve[:, None]
        names = info.get("target_names") or []
        if len(names) != curve.shape[1]:
            names = [f"y{j}" for j in range(curve.shape[1])]
        for k, point in enumerate(curve):
            row = {"file": path, "time_s": round(start + k * hop, 3)}
            row.update({name: float(v) for name, v in zip(names, point)})
            rows.append(row)
    return rows


def format_rows(rows, fmt):
    """Result rows (dicts) as text: an aligned table, CSV (lists as JSON) or JSON.

    Columns follow the first appearance of each key; missing cells are empty.
    In the table, floats have 3 decimals and a sign (``time_s``: 2 decimals).
    """
    import pandas as pd

    if fmt == "json":
        return json.dumps(rows, indent=2)
    frame = pd.DataFrame.from_records(rows).astype(object)
    frame = frame.where(frame.notna(), None)
    if fmt == "csv":
        frame = frame.map(lambda v: json.dumps(v) if isinstance(v, list) else v)
        return frame.to_csv(index=False, lineterminator="\n").rstrip("\n")

    def cell(key, v):
        if v is None:
            return ""
        if key == "time_s":
            return f"{v:.2f}"
        return f"{v:+.3f}" if isinstance(v, float) else str(v)

    if frame.empty:
        return ""
    text = pd.DataFrame({k: [cell(k, v) for v in frame[k]] for k in frame.columns})
    widths = {k: max([len(str(k)), *map(len, text[k])]) for k in text.columns}
    text = text.apply(lambda column: column.str.ljust(widths[column.name]))
    header, *body = text.to_string(index=False, justify="left").split("\n")
    rule = " ".join("-" * w for w in widths.values())
    return "\n".join(line.rstrip() for line in [header, rule, *body])
