"""The example AF and DS of docs/mixing.md ("Writing your own AF or DS"):
tests/test_tools/test_mixing_parts_e2e.py trains SFNet with the AF through
tools/train.py and runs it with the DS."""
from typing import List, Optional, Tuple

import torch
from mmagic.registry import MODELS
from torch import nn


@MODELS.register_module()
class GatedAdjacentFetch(nn.Module):
    """An AF without motion compensation: a per-pixel gate, predicted from
    the current feature and the adjacent state, decides how much of the
    state passes.

    Args:
        mid_channels (int): Channels of feature and state; SFNet passes its
            own. Default: 64.

    Shapes: ``feat, hidden (n, c, h, w) -> gated hidden (n, c, h, w)``.
    """

    def __init__(self, mid_channels: int = 64):
        super().__init__()
        self.gate = nn.Sequential(
            nn.Conv2d(2 * mid_channels, mid_channels, 3, padding=1),
            nn.Sigmoid())

    def forward(self, feat: torch.Tensor,
                hidden: torch.Tensor) -> torch.Tensor:
        return self.gate(torch.cat([feat, hidden], dim=1)) * hidden


@MODELS.register_module()
class MeanSelection(nn.Module):
    """A DS without selection: the mean of the candidates present, fused
    with the current feature by one conv, gives H and c.

    Args:
        mid_channels (int): Channels. Default: 64.
        num_candidates (int): Candidates per frame; the recurrent module
            sets it. Default: 4.

    Shapes: ``num_candidates`` tensors ``(n, c, h, w)`` or None and ``feat
    (n, c, h, w)`` -> ``H, c``, ``(n, c, h, w)`` each.
    """

    def __init__(self, mid_channels: int = 64, num_candidates: int = 4):
        super().__init__()
        self.num_candidates = num_candidates
        self.fuse = nn.Sequential(
            nn.Conv2d(2 * mid_channels, mid_channels, 3, padding=1),
            nn.LeakyReLU(0.1, inplace=True))
        self.to_hidden = nn.Conv2d(mid_channels, mid_channels, 3, padding=1)
        self.to_state = nn.Conv2d(mid_channels, mid_channels, 3, padding=1)

    def forward(self, candidates: List[Optional[torch.Tensor]],
                feat: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        # None: a container with nothing to fetch yet
        present = [c for c in candidates if c is not None]
        mean = torch.stack(present).mean(0) if present else \
            torch.zeros_like(feat)
        fused = self.fuse(torch.cat([mean, feat], dim=1))
        return self.to_hidden(fused), self.to_state(fused)
