"""FLOPs of a video network, deformable convolutions included."""
from typing import Tuple

import torch
from torch import nn


def count_flops(model: nn.Module, frames: int, h: int,
                w: int) -> Tuple[int, int]:
    """FLOPs of one forward pass on random LR frames ``(1, t, 3, h, w)``.

    ``torch.utils.flop_counter`` counts the aten ops; mmcv's modulated
    deformable convs are invisible to it and are added from forward hooks
    as ``2 k^2 c_in`` per output element. One multiply-add = 2 FLOPs.

    Args:
        model (nn.Module): Takes ``(n, t, c, h, w)`` frames.
        frames (int): Input frames ``t``.
        h (int): Frame height.
        w (int): Frame width.

    Returns:
        tuple[int, int]: All FLOPs, and those of the deformable convs.
    """
    from mmcv.ops import ModulatedDeformConv2d
    from torch.utils.flop_counter import FlopCounterMode
    dcn_flops = []

    def hook(module, inputs, output):
        k = module.kernel_size[0] * module.kernel_size[1]
        cin = module.in_channels // module.groups
        dcn_flops.append(2 * k * cin * output.numel())

    handles = [
        m.register_forward_hook(hook) for m in model.modules()
        if isinstance(m, ModulatedDeformConv2d)
    ]
    counter = FlopCounterMode(display=False)
    try:
        with torch.no_grad(), counter:
            model(torch.rand(1, frames, 3, h, w))
    finally:
        for handle in handles:
            handle.remove()
    return counter.get_total_flops() + sum(dcn_flops), sum(dcn_flops)
