"""SFNet with one conv call per branch, candidate and source.

SFNet batches the convs that do not depend on each other (the branch convs
of a fusion residual block, the DSA embeddings of all candidates, the AF
offset heads of FRM's two sources) into grouped convs. :func:`unbatched`
swaps the first, one-call-per-module forms back in, with the same
parameters: the tests check both give the same outputs, and
``tools/analysis/benchmark.py --train`` times both in one run.
"""
import contextlib
from typing import List

import torch

from ..models import recurrent
from ..models.adjacent_fetch import fetch_inputs
from ..models.blocks import FusionResidualBlock
from ..models.dynamic_selection import DynamicSelection


def frb_per_branch(block: FusionResidualBlock,
                   branches: List[torch.Tensor]) -> List[torch.Tensor]:
    """PFNL's fusion residual block with one conv call per branch."""
    feats = [
        block.act(conv(b)) for conv, b in zip(block.conv_branch, branches)
    ]
    merged = block.act(block.conv_merge(torch.cat(feats, dim=1)))
    return [
        b + block.act(conv(torch.cat([f, merged], dim=1)))
        for conv, b, f in zip(block.conv_fuse, branches, feats)
    ]


def _frb_stacked(self, stacked):
    return torch.cat(
        frb_per_branch(self, list(stacked.chunk(self.num_branches, dim=1))),
        dim=1)


def _logits_per_candidate(self, candidates, attentions, feat):
    return torch.stack([a(c, feat) for a, c in zip(attentions, candidates)],
                       dim=1)


def _fetch_one_by_one(modules,
                      feat,
                      hiddens,
                      frame=None,
                      neighbour_frames=None):
    neighbour_frames = neighbour_frames or [None] * len(modules)
    return [
        m(feat, h, **fetch_inputs(m, frame, nf))
        for m, h, nf in zip(modules, hiddens, neighbour_frames)
    ]


@contextlib.contextmanager
def unbatched():
    """Within the block, every SFNet runs one conv call per module."""
    saved = (FusionResidualBlock.forward_stacked,
             DynamicSelection.attention_logits, recurrent.adjacent_fetch_many)
    FusionResidualBlock.forward_stacked = _frb_stacked
    DynamicSelection.attention_logits = _logits_per_candidate
    recurrent.adjacent_fetch_many = _fetch_one_by_one
    try:
        yield
    finally:
        (FusionResidualBlock.forward_stacked,
         DynamicSelection.attention_logits,
         recurrent.adjacent_fetch_many) = saved
