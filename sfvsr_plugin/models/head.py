"""Progressive fusion and reconstruction F&R (Fig. 3, eq. 7 outputs)."""
from typing import Tuple

import torch
import torch.nn.functional as F
from mmagic.registry import MODELS
from torch import nn

from .blocks import (PixelShuffleUpsampler, SFNetModule, conv3x3,
                     init_weights_of, lrelu, residual_blocks)


class Reconstruction(nn.Sequential):
    """Two x2 pixel-shuffle stages, then Conv-LeakyReLU-Conv to an image.

    Shapes: ``(n, c, h, w) -> (n, out_channels, scale*h, scale*w)``.
    """

    def __init__(self, mid_channels: int, out_channels: int, scale: int):
        super().__init__(
            PixelShuffleUpsampler(mid_channels, scale),
            conv3x3(mid_channels, mid_channels), lrelu(),
            conv3x3(mid_channels, out_channels))

    #: Scale of the last conv's Kaiming init. The net starts as bicubic +
    #: blending: on real frames (the demo's) a scale of 0.1 made S and D
    #: start 5-20x further from their targets than the bicubic base (the net
    #: began several dB below bicubic and spent its first hundreds of steps
    #: undoing that); 1e-3 starts within 1% of the base, and unlike a zero
    #: conv it still passes a gradient to every layer from the first step
    #: (AdaMax's steps do not depend on the gradient's scale).
    LAST_CONV_SCALE = 1e-3

    def init_weights(self) -> None:
        from mmagic.models.utils import default_init_weights
        init_weights_of(self[0])
        default_init_weights(self[1])
        default_init_weights(self[3], self.LAST_CONV_SCALE)


@MODELS.register_module()
class FusionReconstructionHead(SFNetModule):
    """Turns BRM and FRM states into the HR frames, their structures and
    details.

    Paper: "Fusion and Reconstruction Network" and eq. 7; hybrid fusion as in
    YOGO (Hu et al. 2022b). Backward states learn the structure component
    (the bicubic up of the bicubic down of a frame), forward states the
    detail component (the residual), progressively: the detail branch is fed
    the fused structure feature too, so details are refined on top of
    structures. ``S = base + R_s(f_s)``, where ``base`` is the bicubic x4 of
    the LR frame (for an odd frame exactly the structure of its ground truth
    up to the kernel), ``D = R_d(f_d)`` and ``I = S + D``.

    Args:
        mid_channels (int): Channels of the hidden states. Default: 64.
        out_channels (int): Image channels. Default: 3.
        num_blocks (int): Residual blocks in each fusion branch. Default: 2.
        upscale_factor (int): Power of two. Default: 4.
    """

    def __init__(self,
                 mid_channels: int = 64,
                 out_channels: int = 3,
                 num_blocks: int = 2,
                 upscale_factor: int = 4):
        super().__init__()
        self.upscale_factor = upscale_factor
        self.structure_fusion = nn.Sequential(
            conv3x3(mid_channels, mid_channels), lrelu(),
            residual_blocks(mid_channels, num_blocks))
        self.detail_fusion = nn.Sequential(
            nn.Conv2d(2 * mid_channels, mid_channels, 1), lrelu(),
            residual_blocks(mid_channels, num_blocks))
        self.structure_reconstruction = Reconstruction(mid_channels,
                                                       out_channels,
                                                       upscale_factor)
        self.detail_reconstruction = Reconstruction(mid_channels, out_channels,
                                                    upscale_factor)

    def forward(
        self, frames: torch.Tensor, hidden_backward: torch.Tensor,
        hidden_forward: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """F&R of every frame of a sequence.

        The head works at the output size, where one frame's features are
        s*s times the LR ones: without autograd it runs n frames at a time,
        so inference memory does not grow with the number of frames.

        Args:
            frames (Tensor): LR frames FE was given ``(n, T, c, h, w)``.
            hidden_backward (Tensor): BRM states ``(n, T, C, h, w)``.
            hidden_forward (Tensor): FRM states ``(n, T, C, h, w)``.

        Returns:
            tuple: frames I, structures S and details D, each
            ``(n, T, c, s*h, s*w)``.
        """
        n, num_frames = frames.shape[:2]
        frames, hidden_backward, hidden_forward = (
            x.flatten(0, 1) for x in (frames, hidden_backward, hidden_forward))
        step = frames.size(0) if torch.is_grad_enabled() else n
        chunks = [
            self.reconstruct(frames[i:i + step], hidden_backward[i:i + step],
                             hidden_forward[i:i + step])
            for i in range(0, frames.size(0), step)
        ]
        return tuple(
            torch.cat(x).unflatten(0, (n, num_frames)) for x in zip(*chunks))

    def reconstruct(
        self, frames: torch.Tensor, hidden_backward: torch.Tensor,
        hidden_forward: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """F&R of a batch of frames: eq. 7's ``I = S + D``.

        Args:
            frames (Tensor): LR frames ``(m, c, h, w)``.
            hidden_backward (Tensor): BRM states ``(m, C, h, w)``.
            hidden_forward (Tensor): FRM states ``(m, C, h, w)``.

        Returns:
            tuple: I, S and D, each ``(m, c, s*h, s*w)``.
        """
        structure_feat = self.structure_fusion(hidden_backward)
        detail_feat = self.detail_fusion(
            torch.cat([hidden_forward, structure_feat], dim=1))
        structure = self.upsample_base(frames) + self.structure_reconstruction(
            structure_feat)
        detail = self.detail_reconstruction(detail_feat)
        return structure + detail, structure, detail

    def upsample_base(self, frames: torch.Tensor) -> torch.Tensor:
        """The base S corrects: the bicubic upsampling of the LR frames.

        Shapes: ``(m, c, h, w) -> (m, c, s*h, s*w)``.
        """
        if self.upscale_factor == 1:
            return frames
        return F.interpolate(
            frames,
            scale_factor=self.upscale_factor,
            mode='bicubic',
            align_corners=False)
