"""SFNet in T-VSR mode behind MMagic's interpolator interface."""
import pytest
import torch
from mmagic.registry import MODELS

import sfvsr_plugin  # noqa: F401
from sfvsr_plugin.testing import tiny_sfnet_cfg


def build(**sfnet):
    torch.manual_seed(0)
    return MODELS.build(
        dict(type='SFNetInterpolator', sfnet=tiny_sfnet_cfg(**sfnet)))


def test_returns_sfnets_middle_frame_in_tvsr_mode():
    net = build()  # upscale_factor and interpolate set by the wrapper
    assert net.sfnet.upscale_factor == 1 and net.sfnet.interpolate
    imgs = torch.rand(2, 2, 3, 16, 24)
    out = net(imgs)
    assert out.shape == (2, 3, 16, 24)  # what BasicInterpolator compares
    torch.testing.assert_close(out, net.sfnet(imgs)[:, 1], rtol=0, atol=0)


def test_refuses_a_sfnet_that_is_not_tvsr_and_other_inputs():
    with pytest.raises(ValueError, match='upscale_factor=4'):
        build(upscale_factor=4)
    with pytest.raises(ValueError, match='interpolate=False'):
        build(interpolate=False)
    net = build()
    with pytest.raises(ValueError, match=r'\(n, 2, c, h, w\).*\(1, 4, 3'):
        net(torch.rand(1, 4, 3, 16, 16))  # FLAVR's four frames
