"""Tests of the ADFF network (skmer.nn.adff): shapes, variants, errors, precision options."""

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skmer.nn import MIN_FRAMES, MIN_MELS, SFLM, ADFFNet, SELayer, TFLMLevel, vgg16_channels

TINY = dict(width=1 / 16, lstm_hidden=4, fc_sizes=(8,))


def _x(n, seg_num, n_frames, n_mels, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, seg_num, n_frames, n_mels, generator=g)


@pytest.mark.parametrize(
    "seg_num, n_frames, n_mels, width, n_outputs",
    [
        (1, 32, 32, 1 / 16, 1),
        (2, 64, 32, 1 / 16, 2),
        (6, 33, 40, 1 / 8, 4),
        (3, 100, 64, 0.1, 3),
    ],
)
def test_output_shape(seg_num, n_frames, n_mels, width, n_outputs):
    net = ADFFNet(seg_num=seg_num, n_outputs=n_outputs, width=width, lstm_hidden=4).eval()
    y = net(_x(3, seg_num, n_frames, n_mels))
    assert y.shape == (3, n_outputs)
    assert y.dtype == torch.float32
    assert torch.isfinite(y).all()


def test_sflm_level_shapes_and_channels():
    sflm = SFLM(in_channels=5, width=1 / 8)
    assert sflm.channels == (8, 16, 32, 64, 64)
    assert sflm.levels[0][0].in_channels == 5
    maps = sflm(_x(2, 5, 96, 64))
    assert [tuple(m.shape) for m in maps] == [
        (2, 8, 48, 32),
        (2, 16, 24, 16),
        (2, 32, 12, 8),
        (2, 64, 6, 4),
        (2, 64, 3, 2),
    ]
    # VGG16 structure: 2, 2, 3, 3, 3 convolutions, each level ends with BN + ReLU + pool
    n_convs = [sum(isinstance(m, torch.nn.Conv2d) for m in lvl) for lvl in sflm.levels]
    assert n_convs == [2, 2, 3, 3, 3]
    for lvl in sflm.levels:
        assert [type(m) for m in lvl[-3:]] == [
            torch.nn.BatchNorm2d,
            torch.nn.ReLU,
            torch.nn.MaxPool2d,
        ]


def test_full_width_is_vgg16():
    assert vgg16_channels(1.0) == (64, 128, 256, 512, 512)
    assert vgg16_channels(1 / 16) == (4, 8, 16, 32, 32)
    assert vgg16_channels(1e-3) == (1, 1, 1, 1, 1)
    sflm = SFLM(in_channels=3, width=1.0)
    conv = sum(
        p.numel() for m in sflm.modules() if isinstance(m, torch.nn.Conv2d) for p in m.parameters()
    )
    assert conv == 14_714_688  # torchvision vgg16().features parameter count


def test_variants_use_se_and_use_tflm():
    x = _x(2, 2, 64, 32)
    full = ADFFNet(seg_num=2, **TINY)
    assert all(isinstance(t.se, SELayer) for t in full.tflm)
    assert full.fusion_features == 5 * 2 * 4

    no_se = ADFFNet(seg_num=2, use_se=False, **TINY)
    assert all(t.se is None for t in no_se.tflm)
    assert not any(isinstance(m, SELayer) for m in no_se.modules())

    no_tflm = ADFFNet(seg_num=2, use_tflm=False, **TINY)
    assert no_tflm.tflm is None
    assert not any(isinstance(m, (torch.nn.LSTM, SELayer)) for m in no_tflm.modules())
    assert no_tflm.fusion_features == sum(vgg16_channels(1 / 16))
    for net in (full, no_se, no_tflm):
        assert net.eval()(x).shape == (2, 1)


def test_head_structure():
    net = ADFFNet(
        seg_num=1, n_outputs=2, width=1 / 16, lstm_hidden=4, fc_sizes=(16, 8), dropout=0.3
    )
    linears = [m for m in net.head if isinstance(m, torch.nn.Linear)]
    # fc 40->16, fc 16->8, feed-forward 8->8, output 8->2
    assert [(m.in_features, m.out_features) for m in linears] == [(40, 16), (16, 8), (8, 8), (8, 2)]
    assert sum(isinstance(m, torch.nn.Dropout) for m in net.head) == 2


def test_se_layer_rescales_channels():
    se = SELayer(channels=32, reduction=16)
    assert se.fc[0].out_features == 2
    assert SELayer(channels=4, reduction=16).fc[0].out_features == 1
    s = torch.rand(2, 32, 5, 6)
    out = se(s)
    ratio = out / s
    # one factor per (sample, channel), in (0, 1)
    assert torch.allclose(ratio, ratio[:, :, :1, :1].expand_as(ratio), atol=1e-5)
    assert ((ratio > 0) & (ratio < 1)).all()


def test_tflm_sequence_mapping_and_summary():
    s = torch.randn(3, 8, 10, 4)  # (N, C, time, mel)
    seq = TFLMLevel(channels=8, hidden=5).to_sequence(s)
    assert seq.shape == (3, 10, 8)
    assert torch.allclose(seq, s.mean(dim=3).transpose(1, 2))
    level = TFLMLevel(channels=8, hidden=5)
    assert level(s).shape == (3, 10)
    mean_level = TFLMLevel(channels=8, hidden=5, summary="mean", use_se=False)
    out, _ = mean_level.lstm(mean_level.to_sequence(s))
    assert torch.allclose(mean_level(s), out.mean(dim=1))


def test_tflm_flatten_keeps_the_frequency_position():
    s = torch.randn(2, 3, 6, 4)  # (N, C, time, mel)
    level = TFLMLevel(channels=3, hidden=5, freq_pooling="flatten", n_freq=4)
    seq = level.to_sequence(s)
    assert seq.shape == (2, 6, 12)
    # step t holds channel c of mel bin w at position c * W + w
    assert torch.equal(seq[1, 2, 2 * 4 + 3], s[1, 2, 2, 3])
    # moving energy from one mel bin to another changes the flattened features,
    # not their mel mean
    moved = s.clone()
    moved[..., 0], moved[..., 3] = s[..., 3], s[..., 0]
    assert not torch.allclose(level.to_sequence(moved), seq)
    assert torch.allclose(moved.mean(dim=3), s.mean(dim=3))
    with pytest.raises(ValueError, match="mel bins"):
        level(torch.randn(2, 3, 6, 5))
    with pytest.raises(ValueError, match="n_freq"):
        TFLMLevel(channels=3, hidden=5, freq_pooling="flatten")


@pytest.mark.parametrize("use_tflm", [True, False])
def test_adff_flatten_and_input_norm(use_tflm):
    net = ADFFNet(seg_num=2, n_outputs=3, width=1 / 16, lstm_hidden=4, freq_pooling="flatten",
                  n_mels=64, input_norm=True, use_tflm=use_tflm)
    x = torch.randn(2, 2, 40, 64) * 5 + 3
    assert net(x).shape == (2, 3)
    with torch.no_grad():
        net.input_mean.fill_(3.0)
        net.input_std.fill_(5.0)
    net.eval()
    ref = ADFFNet(seg_num=2, n_outputs=3, width=1 / 16, lstm_hidden=4, freq_pooling="flatten",
                  n_mels=64, use_tflm=use_tflm)
    ref.load_state_dict({k: v for k, v in net.state_dict().items() if not k.startswith("input_")})
    ref.eval()
    torch.testing.assert_close(net(x), ref((x - 3.0) / 5.0))
    assert "input_mean" in net.state_dict()
    with pytest.raises(ValueError, match="n_mels"):
        ADFFNet(input_norm=True)


def test_mel_count_does_not_change_parameters():
    net = ADFFNet(seg_num=2, **TINY).eval()
    assert net(_x(1, 2, 64, 32)).shape == net(_x(1, 2, 40, 96)).shape == (1, 1)


@pytest.mark.parametrize("shape", [(2, 1, 31, 64), (2, 1, 64, 31), (2, 3, 16, 16)])
def test_too_small_input_error(shape):
    net = ADFFNet(seg_num=shape[1], **TINY)
    with pytest.raises(ValueError) as err:
        net(torch.zeros(shape))
    msg = str(err.value)
    assert f"at least {MIN_FRAMES} frames and {MIN_MELS} mel bands" in msg
    assert str(shape) in msg


def test_wrong_rank_and_channels_errors():
    net = ADFFNet(seg_num=2, **TINY)
    with pytest.raises(ValueError, match="4-D input"):
        net(torch.zeros(2, 64, 32))
    with pytest.raises(ValueError, match="seg_num=2"):
        net(torch.zeros(2, 3, 64, 32))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(width=0), "width"),
        (dict(width=float("nan")), "width"),
        (dict(dropout=1.0), "dropout"),
        (dict(lstm_hidden=0), "lstm_hidden"),
        (dict(fc_sizes=(8, 0)), "fc_sizes"),
        (dict(fc_sizes=8), "fc_sizes"),
        (dict(se_reduction=0), "se_reduction"),
        (dict(precision="fp16"), "precision"),
        (dict(seg_num=0), "seg_num"),
        (dict(n_outputs=True), "n_outputs"),
    ],
)
def test_parameter_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ADFFNet(**{**TINY, **kwargs})


def test_empty_fc_sizes():
    net = ADFFNet(seg_num=1, width=1 / 16, lstm_hidden=4, fc_sizes=()).eval()
    assert net(_x(2, 1, 32, 32)).shape == (2, 1)


@pytest.mark.parametrize(
    "precision, channels_last", [("bf16", True), ("bf16", False), ("fp32", True)]
)
def test_precision_and_memory_format_match_fp32(precision, channels_last):
    torch.manual_seed(0)
    ref = ADFFNet(seg_num=2, n_outputs=2, **TINY).eval()
    fast = ADFFNet(
        seg_num=2, n_outputs=2, precision=precision, channels_last=channels_last, **TINY
    ).eval()
    fast.load_state_dict(ref.state_dict())
    if channels_last:
        assert fast.sflm.levels[0][0].weight.is_contiguous(memory_format=torch.channels_last)
    x = _x(4, 2, 64, 32)
    with torch.no_grad():
        y_ref, y_fast = ref(x), fast(x)
    assert y_fast.dtype == torch.float32
    tol = 0.05 if precision == "bf16" else 1e-4
    assert torch.allclose(y_fast, y_ref, atol=tol, rtol=tol)
    # training step: gradients reach every parameter and stay float32 (master weights)
    fast.train()
    fast(x).pow(2).mean().backward()
    for name, p in fast.named_parameters():
        assert p.dtype == torch.float32, name
        assert p.grad is not None and torch.isfinite(p.grad).all(), name


def test_eval_mode_is_deterministic_and_batch_independent():
    net = ADFFNet(seg_num=2, **TINY).eval()
    x = _x(5, 2, 64, 32)
    with torch.no_grad():
        full = net(x)
        single = torch.cat([net(x[i : i + 1]) for i in range(5)])
    assert torch.allclose(full, single, atol=1e-5)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 3),
    seg_num=st.integers(1, 4),
    n_frames=st.integers(MIN_FRAMES, 80),
    n_mels=st.integers(MIN_MELS, 72),
    n_outputs=st.integers(1, 4),
    use_se=st.booleans(),
    use_tflm=st.booleans(),
)
def test_shape_property(n, seg_num, n_frames, n_mels, n_outputs, use_se, use_tflm):
    net = ADFFNet(
        seg_num=seg_num, n_outputs=n_outputs, use_se=use_se, use_tflm=use_tflm, **TINY
    ).eval()
    with torch.no_grad():
        maps = net.sflm(_x(n, seg_num, n_frames, n_mels))
        y = net(_x(n, seg_num, n_frames, n_mels))
    for level, s in enumerate(maps, start=1):
        assert s.shape == (
            n,
            vgg16_channels(1 / 16)[level - 1],
            n_frames // 2**level,
            n_mels // 2**level,
        )
    assert y.shape == (n, n_outputs)
    assert np.isfinite(y.numpy()).all()
