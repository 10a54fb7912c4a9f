"""Shared feature extractor FE (eq. 1)."""
import torch
from mmagic.registry import MODELS

from .blocks import SFNetModule, conv3x3, lrelu, residual_blocks


@MODELS.register_module()
class SFFeatureExtractor(SFNetModule):
    """Projects each LR frame into feature space.

    Paper: eq. 1. SFNet applies it to the odd input frames and to the average
    of each pair of neighbours (the frames to be inserted).

    Args:
        in_channels (int): Image channels. Default: 3.
        mid_channels (int): Feature channels. Default: 64.
        num_blocks (int): Residual blocks after the first conv. Default: 5.

    Shapes: ``(n, in_channels, h, w) -> (n, mid_channels, h, w)``.
    """

    def __init__(self,
                 in_channels: int = 3,
                 mid_channels: int = 64,
                 num_blocks: int = 5):
        super().__init__()
        self.conv_first = conv3x3(in_channels, mid_channels)
        self.act = lrelu()
        self.body = residual_blocks(mid_channels, num_blocks)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return self.body(self.act(self.conv_first(frames)))
