"""Make ``tests/data/musicnn_reference.npz``: outputs of the ORIGINAL musicnn (TensorFlow).

Run once, in a throw-away environment outside the repository (never in skmer's
virtualenv), with the real test audio::

    python3.11 -m venv /tmp/tfenv
    /tmp/tfenv/bin/pip install tensorflow-cpu==2.15.1 librosa
    /tmp/tfenv/bin/pip install --no-deps musicnn
    /tmp/tfenv/bin/python tests/data/make_musicnn_reference.py /work/shared/data \
        tests/data/musicnn_reference.npz [--full /tmp/musicnn_reference_full.npz]

The committed fixture was made with Python 3.11.7, tensorflow-cpu 2.15.1 (keras 2.15.0),
numpy 1.26.4, librosa 0.11.0 (soundfile 0.14.0, soxr 1.1.0), musicnn 0.1.0.

The graph is musicnn's own ``musicnn.models.define_model`` under ``tf.compat.v1``
(graph mode), restored from the checkpoints in the musicnn wheel; the
spectrogram patches are musicnn's own ``musicnn.extractor.batch_data`` (3 s,
187 frames, no overlap). For every clip the fixture holds:

- ``<clip>/patches``: its middle log-mel patch (float32, exactly what musicnn
  feeds the network), so the network alone can be compared;
- ``<clip>/<model>/<output>/patches``: the network outputs for that patch;
- ``<clip>/<model>/<output>/clip``: the outputs for every patch of the clip
  (full audio -> tags path).

``--full`` also writes every intermediate output (timbral, temporal, cnn1-3,
pool1-5) of all the clip's patches to a second, larger file for a one-off check.
"""

import argparse
import os
import sys

import numpy as np

CLIPS = [
    "pmemo-sample/chorus/108.mp3",
    "pmemo-sample/chorus/372.mp3",
    "pmemo-sample/chorus/634.mp3",
    "pmemo-sample/chorus/683.mp3",
    "4q-dev/Q1/MT0000040632.mp3",
    "4q-dev/Q3/MT0000088320.mp3",
]
MODELS = ["MSD_musicnn", "MTT_musicnn", "MSD_vgg", "MTT_vgg"]
MUSICNN_OUT = ["taggram", "timbral", "temporal", "cnn1", "cnn2", "cnn3", "mean_pool",
               "max_pool", "penultimate"]
VGG_OUT = ["taggram", "pool1", "pool2", "pool3", "pool4", "pool5"]
# what the small fixture keeps for the whole clip (others only for the stored patch)
CLIP_KEEP = {"taggram", "penultimate", "pool5"}
PATCH_KEEP = {"taggram", "mean_pool", "max_pool", "penultimate", "pool5"}


def run_model(model, batch):
    import musicnn
    import tensorflow as tf
    from musicnn import configuration as config
    from musicnn import models

    tf.compat.v1.reset_default_graph()
    with tf.name_scope("model"):
        x = tf.compat.v1.placeholder(tf.float32, [None, batch.shape[1], config.N_MELS])
        is_training = tf.compat.v1.placeholder(tf.bool)
        outs = list(models.define_model(x, is_training, model, 50))
        outs[0] = tf.nn.sigmoid(outs[0])
    names = VGG_OUT if "vgg" in model else MUSICNN_OUT
    with tf.compat.v1.Session() as sess:
        saver = tf.compat.v1.train.Saver()
        saver.restore(sess, os.path.dirname(musicnn.__file__) + "/" + model + "/")
        values = sess.run(outs, feed_dict={x: batch.astype(np.float32), is_training: False})
    return dict(zip(names, values))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data_root")
    parser.add_argument("out")
    parser.add_argument("--full", default=None)
    args = parser.parse_args()

    import librosa
    import tensorflow as tf

    tf.compat.v1.disable_eager_execution()
    from musicnn.extractor import batch_data

    fixture, full = {}, {}
    fixture["clips"] = np.array(CLIPS)
    fixture["models"] = np.array(MODELS)
    for clip in CLIPS:
        batch, _ = batch_data(os.path.join(args.data_root, clip), 187, 187)
        # numpy 1.x: float16 mel power * 10000 promotes to float32 (value-based casting)
        assert batch.dtype == np.float32, batch.dtype
        keep = np.array([batch.shape[0] // 2])
        fixture[f"{clip}/patches"] = batch[keep]
        fixture[f"{clip}/patch_index"] = keep
        full[f"{clip}/patches"] = batch
        for model in MODELS:
            outs = run_model(model, batch)
            for name, value in outs.items():
                value = np.asarray(value, dtype=np.float32)
                full[f"{clip}/{model}/{name}"] = value
                if name in PATCH_KEEP:
                    fixture[f"{clip}/{model}/{name}/patches"] = value[keep]
                if name in CLIP_KEEP:
                    fixture[f"{clip}/{model}/{name}/clip"] = value
        print(clip, batch.shape, file=sys.stderr)
    fixture["versions"] = np.array([
        f"tensorflow {tf.__version__}", f"numpy {np.__version__}",
        f"librosa {librosa.__version__}", f"python {sys.version.split()[0]}",
    ])
    np.savez_compressed(args.out, **fixture)
    if args.full:
        np.savez_compressed(args.full, **full)


if __name__ == "__main__":
    main()
