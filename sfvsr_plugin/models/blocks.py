"""Building blocks shared by SFNet's components, and SFNet's initialisation.

The residual block and the pixel-shuffle stage are MMagic's
(``ResidualBlockNoBN``, ``PixelShufflePack``), and so is the init
(``default_init_weights``). ``mmagic.models`` imports diffusers and
transformers, so they are imported where a block is built or initialised,
not when this module is.
"""
import copy
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmagic.registry import MODELS
from torch import nn


def conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=True)


def lrelu() -> nn.LeakyReLU:
    return nn.LeakyReLU(negative_slope=0.1, inplace=True)


def build_part(cfg: Optional[dict], **defaults) -> Optional[nn.Module]:
    """``MODELS.build(cfg)`` with ``defaults`` for the keys it does not set;
    None for a None config (an ablated part)."""
    if cfg is None:
        return None
    cfg = copy.deepcopy(cfg)
    for key, value in defaults.items():
        cfg.setdefault(key, value)
    return MODELS.build(cfg)


def init_weights_of(module: nn.Module) -> None:
    """Give every conv under ``module`` SFNet's start, each conv once.

    A child with an ``init_weights`` of its own initialises its subtree
    (MMagic's blocks; the blocks with a start of their own: residual
    branches at 0.1, AF's offset head at zero, the last conv of a
    reconstruction at 1e-3; every SFNet component); a plain conv gets
    MMagic's ``default_init_weights`` (Kaiming-normal, zero bias); anything
    else (``nn.Sequential``, ``nn.ModuleList``) is walked into. MMagic's
    blocks also start themselves when built; the walk draws them again, so
    that ``init_weights()`` always restarts the whole module. See "init" in
    docs/architecture.md.
    """
    from mmagic.models.utils import default_init_weights
    for child in module.children():
        if isinstance(child, nn.Conv2d):
            default_init_weights(child)
        elif callable(getattr(child, 'init_weights', None)):
            child.init_weights()
        else:
            init_weights_of(child)


class SFNetModule(nn.Module):
    """Base of SFNet's components: building does not initialise.

    MMEngine's pattern: ``init_weights()`` initialises, once, either the
    whole net (``SFNet`` calls it at the end of its constructor) or a
    component built on its own.
    """

    def init_weights(self) -> None:
        init_weights_of(self)


def rename_keys(state_dict: Dict[str, torch.Tensor], prefix: str,
                renames: Dict[str, str]) -> None:
    """In place, ``prefix + old`` -> ``prefix + new`` for the keys present:
    converts a checkpoint of an older layout while it is loaded."""
    for old, new in renames.items():
        if prefix + old in state_dict:
            state_dict[prefix + new] = state_dict.pop(prefix + old)


def residual_blocks(channels: int, num_blocks: int) -> nn.Sequential:
    """``num_blocks`` of MMagic's ``ResidualBlockNoBN``: Conv-ReLU-Conv with
    an identity skip, no batch norm (EDSR, BasicVSR).

    With ``res_scale=1`` MMagic's block adds the branch times 1.0 (exact)
    and starts it at 0.1 x Kaiming, as SFNet's own block did.

    Shapes: ``(n, c, h, w) -> (n, c, h, w)``.
    """
    from mmagic.models.archs import ResidualBlockNoBN
    from mmagic.models.utils import make_layer
    return make_layer(ResidualBlockNoBN, num_blocks, mid_channels=channels)


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

    def init_weights(self) -> None:
        """Kaiming-normal, zero bias; the fuse convs (the residual branch of
        each input) at 0.1, as in ``ResidualBlockNoBN``."""
        from mmagic.models.utils import default_init_weights
        default_init_weights(self.conv_branch)
        default_init_weights(self.conv_merge)
        default_init_weights(self.conv_fuse, 0.1)

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
    """``log2(scale)`` stages of MMagic's ``PixelShufflePack`` (conv c -> 4c,
    pixel shuffle x2), each followed by a LeakyReLU (as in BasicVSR).

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
        from mmagic.models.archs import PixelShufflePack
        self.num_stages = scale.bit_length() - 1
        layers = []
        for _ in range(self.num_stages):
            layers += [PixelShufflePack(channels, channels, 2, 3), lrelu()]
        self.body = nn.Sequential(*layers)

    @staticmethod
    def old_layout_renames(num_stages: int) -> Dict[str, str]:
        """Keys in ``body`` before MMagic's ``PixelShufflePack``, when each
        stage was ``[conv, PixelShuffle, LeakyReLU]``: stage i's conv was
        ``3i``, it is ``2i.upsample_conv`` now."""
        return {
            f'{3 * i}.{p}': f'{2 * i}.upsample_conv.{p}'
            for i in range(num_stages)
            for p in ('weight', 'bias')
        }

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        rename_keys(state_dict, prefix + 'body.',
                    self.old_layout_renames(self.num_stages))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)
