"""Dynamic selection block DS with its attention DSA (Fig. 5)."""
import math
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmagic.registry import MODELS
from torch import nn

from .blocks import FusionResidualBlock, SFNetModule, conv3x3, lrelu


@MODELS.register_module()
class DynamicSelectionAttention(SFNetModule):
    """Scores a candidate against the current feature, per position.

    Paper: DSA in Fig. 5. Cross attention between the pair: the current
    feature gives the query, the candidate the key, and their per-position
    dot product (scaled by ``1/sqrt(d)``, per head) is the logit of the
    attention map; DS softmaxes these logits across candidates. The
    correlation form follows EDVR's temporal attention, which DS extends
    from a sigmoid per frame to a softmax across candidates.

    Args:
        mid_channels (int): Channels of candidate and feature. Default: 64.
        num_heads (int): Channel groups with a map each. Default: 1.

    Shapes: ``candidate, feat (n, c, h, w) -> logits (n, num_heads, h, w)``.
    """

    def __init__(self, mid_channels: int = 64, num_heads: int = 1):
        super().__init__()
        if mid_channels % num_heads:
            raise ValueError(
                f'mid_channels ({mid_channels}) must be divisible '
                f'by num_heads ({num_heads})')
        self.num_heads = num_heads
        self.query = conv3x3(mid_channels, mid_channels)
        self.key = conv3x3(mid_channels, mid_channels)
        self.scale = 1 / math.sqrt(mid_channels // num_heads)

    def forward(self, candidate: torch.Tensor,
                feat: torch.Tensor) -> torch.Tensor:
        n, c, h, w = feat.shape
        q = self.query(feat).view(n, self.num_heads, -1, h, w)
        k = self.key(candidate).view(n, self.num_heads, -1, h, w)
        return (q * k).sum(dim=2) * self.scale


@MODELS.register_module()
class DynamicSelection(SFNetModule):
    """Selects among the fetched candidates and fuses them into H and c.

    Paper: DS in Fig. 5 and eq. 2-3. Each candidate (``H^af, H^ab, O^df,
    O^db`` in FRM) is paired with the current feature in a DSA of its own;
    a softmax across candidates turns the logits into per-position
    selection weights; the weighted candidates and the current feature are
    the branches of a stack of PFNL fusion residual blocks, merged at the end
    into the hidden state H (passed to the next frame) and the state c (put
    into the container).

    A missing candidate (``None``: a container with nothing to fetch yet)
    takes no share of the softmax and enters the fusion as zeros.

    Args:
        mid_channels (int): Channels. Default: 64.
        num_candidates (int): Candidates per frame; set by the recurrent
            module that owns this block. Default: 4.
        num_blocks (int): Fusion residual blocks. Default: 12.
        num_heads (int): Heads of each DSA. Default: 1.
        use_selection (bool): False gives the paper's "direct fusion"
            ablation (Table 4, models a-d): no DSA, candidates fused as they
            are. Default: True.
    """

    def __init__(self,
                 mid_channels: int = 64,
                 num_candidates: int = 4,
                 num_blocks: int = 12,
                 num_heads: int = 1,
                 use_selection: bool = True):
        super().__init__()
        self.num_candidates = num_candidates
        self.num_heads = num_heads
        self.use_selection = use_selection
        if use_selection:
            self.attentions = nn.ModuleList([
                DynamicSelectionAttention(mid_channels, num_heads)
                for _ in range(num_candidates)
            ])
        branches = num_candidates + 1
        self.blocks = nn.ModuleList([
            FusionResidualBlock(mid_channels, branches)
            for _ in range(num_blocks)
        ])
        self.conv_merge = nn.Sequential(
            nn.Conv2d(branches * mid_channels, mid_channels, 1), lrelu())
        self.conv_hidden = conv3x3(mid_channels, mid_channels)
        self.conv_state = conv3x3(mid_channels, mid_channels)

    def select(self, candidates: List[Optional[torch.Tensor]],
               feat: torch.Tensor) -> List[torch.Tensor]:
        """Weights each candidate by its softmax share (zeros if missing)."""
        n, c, h, w = feat.shape
        zeros = feat.new_zeros(n, c, h, w)
        if not self.use_selection:
            return [zeros if x is None else x for x in candidates]
        present = [i for i, x in enumerate(candidates) if x is not None]
        logits = self.attention_logits([candidates[i] for i in present],
                                       [self.attentions[i] for i in present],
                                       feat)  # (n, k, heads, h, w)
        weights = torch.softmax(
            logits, dim=1).repeat_interleave(
                c // self.num_heads, dim=2)  # (n, k, c, h, w)
        selected = [zeros] * len(candidates)
        for j, i in enumerate(present):
            selected[i] = weights[:, j] * candidates[i]
        return selected

    def attention_logits(self, candidates: List[torch.Tensor],
                         attentions: List[DynamicSelectionAttention],
                         feat: torch.Tensor) -> torch.Tensor:
        """The logits of every DSA at once: the same numbers as calling each
        ``attentions[j](candidates[j], feat)``, in two convs (all queries
        from ``feat`` in one, all keys as one grouped conv) instead of two
        per candidate.

        Shapes: ``k`` candidates and ``feat`` ``(n, c, h, w)`` ->
        ``(n, k, num_heads, h, w)``.
        """
        n, c, h, w = feat.shape
        k = len(candidates)
        query = F.conv2d(
            feat,
            torch.cat([a.query.weight for a in attentions]),
            torch.cat([a.query.bias for a in attentions]),
            padding=1)
        key = F.conv2d(
            torch.cat(candidates, dim=1),
            torch.cat([a.key.weight for a in attentions]),
            torch.cat([a.key.bias for a in attentions]),
            padding=1,
            groups=k)
        heads = self.num_heads
        return (query * key).view(n, k, heads, c // heads, h, w).sum(3) * \
            attentions[0].scale

    def forward(self, candidates: List[Optional[torch.Tensor]],
                feat: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """
        Args:
            candidates (list): ``num_candidates`` tensors ``(n, c, h, w)`` or
                None.
            feat (Tensor): Current feature ``(n, c, h, w)``.

        Returns:
            tuple: hidden state H and stored state c, ``(n, c, h, w)`` each.
        """
        if len(candidates) != self.num_candidates:
            raise ValueError(f'expected {self.num_candidates} candidates, got '
                             f'{len(candidates)}')
        # the branches stay concatenated through the blocks and the merge
        branches = torch.cat(self.select(candidates, feat) + [feat], dim=1)
        for block in self.blocks:
            branches = block.forward_stacked(branches)
        fused = self.conv_merge(branches)
        return self.conv_hidden(fused), self.conv_state(fused)


@MODELS.register_module()
class DirectFusion(DynamicSelection):
    """DS without selection: the paper's "direct fusion" (Table 4, a-d)."""

    def __init__(self, **kwargs):
        kwargs['use_selection'] = False
        super().__init__(**kwargs)
