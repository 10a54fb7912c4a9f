"""The measuring helpers of tools/analysis (sfvsr_plugin.utils)."""
import numpy as np
import pytest
from mmcv.ops import ModulatedDeformConv2dPack
from torch import nn

from sfvsr_plugin.utils import count_flops, reset_peak, status_kib


def test_reset_peak_brings_the_peak_down_to_the_resident_size():
    mib = 1024  # KiB
    block = np.ones(64 << 20, np.uint8)  # 64 MiB, touched (mmap'd by glibc)
    del block  # unmapped: the resident size drops, the peak stays
    peak, resident = status_kib('VmHWM'), status_kib('VmRSS')
    assert peak - resident > 48 * mib
    reset_peak()
    assert status_kib('VmHWM') < peak - 48 * mib
    with pytest.raises(KeyError, match='NoSuchField'):
        status_kib('NoSuchField')


class FrameWiseDCN(nn.Module):
    """A modulated deformable conv applied to every frame."""

    def __init__(self):
        super().__init__()
        self.dcn = ModulatedDeformConv2dPack(3, 4, 3, padding=1)

    def forward(self, lqs):
        return self.dcn(lqs.flatten(0, 1))


def test_count_flops_adds_the_deformable_convs_to_the_aten_ops():
    frames, h, w = 2, 5, 6
    positions = frames * h * w
    total, dcn = count_flops(FrameWiseDCN(), frames, h, w)
    # 2 k^2 c_in per output element; 4 output channels
    assert dcn == 2 * 9 * 3 * 4 * positions
    # the offset/mask conv (3 * 9 = 27 channels) is an aten conv
    assert total == dcn + 2 * 9 * 3 * 27 * positions
    net = FrameWiseDCN()
    count_flops(net, frames, h, w)
    assert not net.dcn._forward_hooks  # hooks removed


def test_number_arg_accepts_the_bound_and_refuses_in_one_line():
    import argparse

    from sfvsr_plugin.utils.cli import number_arg
    assert number_arg(int, 1)('1') == 1
    assert number_arg(int, 0)('0') == 0
    assert number_arg(float, 0, strict=True)('0.5') == 0.5
    for parse, value, message in (
        (number_arg(int, 1), '0', "expected an integer >= 1, got '0'"),
        (number_arg(int, 0), 'x', "expected an integer >= 0, got 'x'"),
        (number_arg(float, 0,
                    strict=True), '0', "expected a number > 0, got '0'"),
    ):
        with pytest.raises(argparse.ArgumentTypeError) as err:
            parse(value)
        assert str(err.value) == message
