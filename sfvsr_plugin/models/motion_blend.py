"""MotionBlend: where the frames to insert start, moved by motion."""
import torch
from mmagic.registry import MODELS
from mmengine.model import constant_init
from torch import nn

from .blocks import SFNetModule
from .motion_prior import midpoint_frames


@MODELS.register_module()
class MotionBlend(SFNetModule):
    """The LR image F&R upsamples as the base of a frame to insert.

    F&R adds its structure correction to the bicubic upsampling of each
    frame's LR image (``FusionReconstructionHead.upsample_base``); for a
    frame to insert that image is eq. 1's average of its neighbours, which
    puts a moving edge at both of its positions. Undoing that doubling is a
    large correction that the structure branch learns slowly (docs/motion.md:
    +0.13 dB over blending on held-out translations after 800 demo-sized
    steps, where a flow interpolation gains +1.85). This block moves the
    average towards the motion-compensated midpoint of the two input frames
    (:func:`.motion_prior.midpoint_frames`, block matching, no weights) by a
    per-pixel gate that a 1x1 conv reads from BRM's state of the frame::

        base = average + gate(H^b) * (midpoint - average)

    The conv starts at zero, so the untrained net is exactly bicubic +
    blending, as without this block; training opens the gate where the
    midpoint is right and keeps it shut where it is not (occlusions,
    matches the search cannot reach). The input frames and eq. 1's input
    of FE are unchanged.

    Paper: not in the paper, which does not say how F&R forms the structure
    of an inserted frame; SFNet's ``inserted_base`` option, off in the
    paper's configs (docs/architecture.md).

    Args:
        mid_channels (int): Channels of BRM's states. Default: 64.
        search_radius (int): Of the block matching, per pyramid level.
            Default: 3.
        pyramid_levels (int): Of the block matching. Default: 2.

    Shapes: ``frames (n, 2t-1, c, h, w)`` (eq. 1's, averages at odd
    indices), ``hidden_backward (n, 2t-1, C, h, w)`` -> ``(n, 2t-1, c, h,
    w)``.
    """

    def __init__(self,
                 mid_channels: int = 64,
                 search_radius: int = 3,
                 pyramid_levels: int = 2):
        super().__init__()
        self.gate = nn.Conv2d(mid_channels, 1, 1)
        self.search_radius = search_radius
        self.pyramid_levels = pyramid_levels

    def init_weights(self) -> None:
        """The gate at zero: the base starts as the average (eq. 1)."""
        constant_init(self.gate, 0)

    def forward(self, frames: torch.Tensor,
                hidden_backward: torch.Tensor) -> torch.Tensor:
        inputs = frames[:, 0::2]
        average = frames[:, 1::2]
        midpoint = midpoint_frames(
            inputs, radius=self.search_radius, levels=self.pyramid_levels)
        gate = self.gate(hidden_backward[:, 1::2].flatten(0, 1)).unflatten(
            0, average.shape[:2])
        out = frames.clone()
        out[:, 1::2] = average + gate * (midpoint - average)
        return out
