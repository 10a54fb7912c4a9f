"""Small building blocks shared by SFNet's components."""
from typing import List

import torch
import torch.nn.functional as F
from torch import nn


def conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=True)


def lrelu() -> nn.LeakyReLU:
    return nn.LeakyReLU(negative_slope=0.1, inplace=True)


def scaled_kaiming_init(module: nn.Module, scale: float = 1.0) -> None:
    """Kaiming-normal weights times ``scale`` and zero biases for every conv.

    MMagic's ``default_init_weights`` (EDSR, BasicVSR): with ``scale=0.1`` on
    a residual branch each block starts close to the identity, so a deep
    stack passes its input and its gradient through instead of shrinking
    both as PyTorch's default init does. Deformable convs count as convs.
    """
    for m in module.modules():
        if isinstance(m, nn.Conv2d) or \
                type(m).__name__ == 'ModulatedDeformConv2d':
            nn.init.kaiming_normal_(m.weight)
            m.weight.data.mul_(scale)
            if getattr(m, 'bias', None) is not None:
                nn.init.zeros_(m.bias)


def init_convs(module: nn.Module) -> None:
    """SFNet's initialisation of every conv in ``module``.

    Kaiming-normal with zero bias everywhere, then every block inside that
    has its own start (``reset_block_init``: residual branches at 0.1, AF's
    offset head at zero, the last conv of a reconstruction at 0.1) is reset
    to it. See "init" in docs/architecture.md.
    """
    scaled_kaiming_init(module)
    for m in module.modules():
        reset = getattr(m, 'reset_block_init', None)
        if callable(reset):
            reset()


class ResidualBlock(nn.Module):
    """Conv-ReLU-Conv with an identity skip and no batch norm (EDSR, BasicVSR).

    Args:
        channels (int): Channels in and out.

    Shapes: ``(n, c, h, w) -> (n, c, h, w)``.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = conv3x3(channels, channels)
        self.conv2 = conv3x3(channels, channels)
        self.relu = nn.ReLU(inplace=True)
        self.reset_block_init()

    def reset_block_init(self) -> None:
        scaled_kaiming_init(self, 0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(self.relu(self.conv1(x)))


def residual_blocks(channels: int, num_blocks: int) -> nn.Sequential:
    return nn.Sequential(*[ResidualBlock(channels) for _ in range(num_blocks)])


class FusionResidualBlock(nn.Module):
    """Progressive fusion residual block of PFNL with one branch per input.

    Paper: Yi et al. 2019 (PFNL), Fig. 4: every branch is convolved on its
    own (3x3), all branches are merged (1x1) into one shared feature, which is
    concatenated back onto each branch and convolved again (3x3); each branch
    keeps an identity skip. The merge lets every branch see all the others.

    Args:
        channels (int): Channels of every branch.
        num_branches (int): Number of inputs fused.

    Shapes: a list of ``num_branches`` tensors ``(n, c, h, w)`` in and out.
    """

    def __init__(self, channels: int, num_branches: int):
        super().__init__()
        self.num_branches = num_branches
        self.conv_branch = nn.ModuleList(
            [conv3x3(channels, channels) for _ in range(num_branches)])
        self.conv_merge = nn.Conv2d(num_branches * channels, channels, 1)
        self.conv_fuse = nn.ModuleList(
            [conv3x3(2 * channels, channels) for _ in range(num_branches)])
        self.act = lrelu()
        self.reset_block_init()

    def reset_block_init(self) -> None:
        scaled_kaiming_init(self)
        # the residual branch of each input starts small (as in ResidualBlock)
        scaled_kaiming_init(self.conv_fuse, 0.1)

    def forward(self, branches: List[torch.Tensor]) -> List[torch.Tensor]:
        if len(branches) != self.num_branches:
            raise ValueError(
                f'FusionResidualBlock expects {self.num_branches} '
                f'branches, got {len(branches)}')
        stacked = self.forward_stacked(torch.cat(branches, dim=1))
        return list(stacked.split(branches[0].size(1), dim=1))

    def forward_stacked(self, stacked: torch.Tensor) -> torch.Tensor:
        """The block on the branches concatenated along channels.

        The per-branch convs run as one grouped conv each (same parameters
        as ``conv_branch`` / ``conv_fuse``): a few large calls instead of
        ``2 * num_branches`` small ones, which dominate on CPU at small
        sizes. ``conv_fuse[i]`` sees ``cat([feat_i, merged])``, so its
        weight splits into a grouped part over the branch features and a
        dense part over the shared merged feature.

        Shapes: ``(n, num_branches * c, h, w)`` in and out.
        """
        k = self.num_branches
        c = stacked.size(1) // k
        feats = self.act(
            F.conv2d(
                stacked,
                torch.cat([conv.weight for conv in self.conv_branch]),
                torch.cat([conv.bias for conv in self.conv_branch]),
                padding=1,
                groups=k))
        merged = self.act(self.conv_merge(feats))
        fuse_weight = torch.cat([conv.weight for conv in self.conv_fuse])
        fused = F.conv2d(
            feats,
            fuse_weight[:, :c],
            torch.cat([conv.bias for conv in self.conv_fuse]),
            padding=1,
            groups=k) + F.conv2d(
                merged, fuse_weight[:, c:], padding=1)
        return stacked + self.act(fused)


class PixelShuffleUpsampler(nn.Module):
    """``log2(scale)`` stages of Conv(c -> 4c), PixelShuffle(2), LeakyReLU.

    Args:
        channels (int): Channels in and out.
        scale (int): Power of two (1 gives an identity).

    Shapes: ``(n, c, h, w) -> (n, c, scale*h, scale*w)``.
    """

    def __init__(self, channels: int, scale: int):
        super().__init__()
        if scale < 1 or scale & (scale - 1):
            raise ValueError(
                f'upscale factor must be a power of 2, got {scale}')
        layers = []
        for _ in range(scale.bit_length() - 1):
            layers += [
                nn.Conv2d(channels, 4 * channels, 3, 1, 1),
                nn.PixelShuffle(2),
                lrelu()
            ]
        self.body = nn.Sequential(*layers)
        scaled_kaiming_init(self)  # as MMagic's PixelShufflePack

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)
