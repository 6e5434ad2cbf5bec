"""scikit-learn's estimator checks on the front-end transformers (waveform-array input).

The checks feed 2-D float arrays; for the transformers these are mono waveforms. SegmentStacker
and SpectrogramStats consume 4-D spectrograms, so they are checked behind a LogMelTransformer
in a Pipeline (their 4-D behaviour is covered by their own property tests).
"""

from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmer import AudioFeatures, LogMelTransformer, SegmentStacker, SpectrogramStats


def tiny_logmel():
    # 8 kHz, 4 ms hops: the checks' rows of 2-20 "samples" become one or more frames;
    # min_duration=0 because the checks' waveforms are far shorter than real audio.
    return LogMelTransformer(sr=8000, n_mels=4, window=0.004, hop=0.002, duration=0.008,
                             min_duration=0)


ESTIMATORS = [
    tiny_logmel(),
    make_pipeline(tiny_logmel(), SegmentStacker(seg_num=2)),
    make_pipeline(tiny_logmel(), SpectrogramStats()),
    AudioFeatures(sr=8000, n_mfcc=4, min_duration=0),
]

# Every expected failure, with its reason. Pipelines are meta-estimators: their `steps`
# parameter holds the sub-estimators that fit() fits in place, which is how every sklearn
# Pipeline behaves (sklearn does not run these two checks on Pipeline itself).
PIPELINE_FITS_ITS_STEPS = "a Pipeline fits the estimators held in its `steps` parameter"
PIPELINE_EXPECTED_FAILURES = {
    "check_estimators_overwrite_params": PIPELINE_FITS_ITS_STEPS,
    "check_dont_overwrite_parameters": PIPELINE_FITS_ITS_STEPS,
}
STACKER_AFTER_LOGMEL = {
    # SegmentStacker keeps whatever dtype it receives (float64 in, float64 out; tested in
    # test_segment_stacker.py), but LogMelTransformer before it always produces float32.
    "check_transformer_preserve_dtypes": "LogMelTransformer always outputs float32",
}


def expected_failed_checks(estimator):
    if type(estimator).__name__ != "Pipeline":
        return {}
    expected = dict(PIPELINE_EXPECTED_FAILURES)
    if isinstance(estimator.steps[-1][1], SegmentStacker):
        expected.update(STACKER_AFTER_LOGMEL)
    return expected



@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
