"""The torch module behind ``CNNTagger(pretrained=...)``: musicnn with a new output layer."""

from __future__ import annotations

from torch import nn

__all__ = ["PretrainedMusicnnTagger"]


class PretrainedMusicnnTagger(nn.Module):
    """A pretrained musicnn network whose 50-tag output layer is replaced by `n_outputs` logits.

    Parameters
    ----------
    model : {'MSD_musicnn', 'MTT_musicnn', 'MSD_vgg', 'MTT_vgg'}
        Pretrained network (weights from the musicnn package).
    n_outputs : int
        Logits of the new output layer.
    dropout : float or None, default=None
        Dropout before the output layer; ``None`` keeps musicnn's (0.5).
    freeze_bn : bool, default=True
        Keep the pretrained batch-norm statistics during fine-tuning (small
        batches would otherwise overwrite them).
    data_home : str or None
        Cache folder of the converted weights.

    Input ``(N, 1, T, 96)`` musicnn log-mel (:class:`~skmer.pretrained.MusicnnMel`);
    output ``(N, n_outputs)`` logits.
    """

    def __init__(self, model="MSD_musicnn", n_outputs=1, dropout=None, freeze_bn=True,
                 data_home=None, **ignored):
        super().__init__()
        from ._musicnn import load_musicnn

        self.net = load_musicnn(model, data_home)
        old = self.net.output
        self.net.output = nn.Linear(old.in_features, int(n_outputs))
        if dropout is not None:
            self.net.dropout.p = float(dropout)
        self.freeze_bn = bool(freeze_bn)
        self.train()

    def train(self, mode=True):
        super().train(mode)
        if self.freeze_bn:
            for m in self.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.eval()
        return self

    def forward(self, x):
        if x.dim() != 4 or x.shape[1] != 1 or x.shape[3] != 96:
            raise ValueError(
                "a pretrained musicnn tagger expects musicnn log-mels of shape "
                f"(n_clips, 1, n_frames, 96) (skmer.pretrained.MusicnnMel); got {tuple(x.shape)}"
            )
        return self.net(x[:, 0].float())

    def embed(self, x):
        """Penultimate features (musicnn) or flattened pool5 (VGG)."""
        feats = self.net.features(x[:, 0].float())
        return feats["penultimate"] if "penultimate" in feats else feats["pool5"].flatten(1)


