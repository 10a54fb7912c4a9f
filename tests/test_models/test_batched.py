"""The batched forms of the per-branch / per-candidate / per-source convs
give the numbers of the one-call-per-module forms they replace (within
1e-5, same parameters), alone and inside the whole SFNet."""
import pytest
import torch
from mmagic.registry import MODELS

from sfvsr_plugin.models import adjacent_fetch as af_module
from sfvsr_plugin.models.blocks import FusionResidualBlock
from sfvsr_plugin.models.dynamic_selection import DynamicSelection
from sfvsr_plugin.testing import frb_per_branch, tiny_sfnet_cfg, unbatched


def _perturb(module):
    """Non-trivial weights: the init starts some convs small or at zero."""
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.05 * torch.randn_like(p))


@pytest.mark.parametrize('num_branches', [1, 3, 5])
def test_fusion_residual_block_grouped_equals_per_branch(num_branches):
    block = FusionResidualBlock(8, num_branches)
    _perturb(block)
    branches = [torch.randn(2, 8, 6, 5) for _ in range(num_branches)]
    for got, want in zip(block(branches), frb_per_branch(block, branches)):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)


def test_dynamic_selection_logits_equal_per_candidate_attention():
    ds = DynamicSelection(
        mid_channels=8, num_candidates=4, num_blocks=1, num_heads=2)
    _perturb(ds)
    feat = torch.randn(2, 8, 5, 7)
    cands = [torch.randn(2, 8, 5, 7) for _ in range(3)]
    atts = [ds.attentions[i] for i in (0, 2, 3)]
    got = ds.attention_logits(cands, atts, feat)
    want = torch.stack([a(c, feat) for a, c in zip(atts, cands)], dim=1)
    assert got.shape == (2, 3, 2, 5, 7)
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)


def test_adjacent_fetch_of_two_sources_equals_one_by_one():
    afs = [
        MODELS.build(
            dict(type='AdjacentFetch', mid_channels=8, deform_groups=2))
        for _ in range(2)
    ]
    for af in afs:
        _perturb(af)  # nonzero offsets: the sampling really moves
    feat = torch.randn(1, 8, 6, 6)
    hiddens = [torch.randn(1, 8, 6, 6) for _ in range(2)]
    got = af_module.adjacent_fetch_many(afs, feat, hiddens)
    for g, af, h in zip(got, afs, hiddens):
        torch.testing.assert_close(g, af(feat, h), rtol=1e-5, atol=1e-5)


def test_sfnet_outputs_equal_the_one_call_per_module_implementation():
    torch.manual_seed(0)
    net = MODELS.build(tiny_sfnet_cfg())
    _perturb(net)
    lqs = torch.rand(1, 4, 3, 8, 8)
    out = net(lqs, return_components=True)

    batched = FusionResidualBlock.forward_stacked
    with unbatched():
        assert FusionResidualBlock.forward_stacked is not batched
        reference = net(lqs, return_components=True)
    assert FusionResidualBlock.forward_stacked is batched  # restored
    for got, want in zip(out, reference):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)
