"""MMagic's parts inside SFNet, swapped in by the configs of configs/mixing/:
``ResidualBlocksWithInputConv`` as FE (through ``PartAdapter``) and the
flow-guided AF built from ``SPyNet`` + ``flow_warp`` + a modulated
deformable conv (``FlowGuidedAdjacentFetch``)."""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmagic.registry import MODELS
from mmengine.config import Config

from sfvsr_plugin.models import adjacent_fetch as af_module
from sfvsr_plugin.testing import tiny_sfnet_cfg, unbatched

MIXING = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'mixing')
FE_CFG = osp.join(MIXING, 'sfnet_resblocks-fe_4xb6-600k_vimeo90k-bi.py')
AF_CFG = osp.join(MIXING, 'sfnet_flow-guided-af_4xb6-600k_vimeo90k-bi.py')


def _part(config, name):
    """The config's part, as the config gives it."""
    return Config.fromfile(config).model.generator[name].to_dict()


def _tiny_with(name, part):
    """The tiny SFNet with one part taken from a mixing config."""
    return tiny_sfnet_cfg(**{name: part})


def _fe_part():
    part = _part(FE_CFG, 'feature_extractor')
    part['part']['num_blocks'] = 1  # the tiny net's FE depth
    return part


def _af_part():
    part = _part(AF_CFG, 'adjacent_fetch')
    part['deform_groups'] = 2  # 8 channels in the tiny net
    return part


def _perturb(module, scale=0.1):
    with torch.no_grad():
        for p in module.parameters():
            p.add_(scale * torch.randn_like(p))


def test_mmagic_feature_extractor_is_used_and_learns():
    from mmagic.models.editors.basicvsr.basicvsr_net import \
        ResidualBlocksWithInputConv
    net = MODELS.build(_tiny_with('feature_extractor', _fe_part()))
    fe = net.feature_extractor.part
    assert type(fe) is ResidualBlocksWithInputConv
    assert fe.main[0].in_channels == 3 and fe.main[0].out_channels == 8
    lqs = torch.rand(1, 3, 3, 16, 16)
    out = net(lqs)
    assert out.shape == (1, 5, 3, 64, 64)
    out.abs().mean().backward()
    for name, p in fe.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    # the output goes through MMagic's block: change it, the frames change
    with torch.no_grad():
        _perturb(fe)
        assert not torch.allclose(net(lqs), out)


def test_mmagic_feature_extractor_is_sfnets_own_architecture_and_start():
    """With 5 blocks, ResidualBlocksWithInputConv is SFNet's FE (conv,
    LeakyReLU(0.1), MMagic's ResidualBlockNoBN): built from the same seed,
    the swapped net starts with the same weights and gives the same frames,
    so the adapter passes the channels and the init as SFNet's FE has
    them."""
    part = _part(FE_CFG, 'feature_extractor')
    assert part['part']['num_blocks'] == 5
    torch.manual_seed(0)
    own = MODELS.build(
        tiny_sfnet_cfg(
            feature_extractor=dict(type='SFFeatureExtractor', num_blocks=5)))
    torch.manual_seed(0)
    swapped = MODELS.build(_tiny_with('feature_extractor', part))
    own_params = list(own.feature_extractor.parameters())
    swapped_params = list(swapped.feature_extractor.parameters())
    assert len(own_params) == len(swapped_params) == 2 + 5 * 4
    for a, b in zip(own_params, swapped_params):
        assert torch.equal(a, b)
    lqs = torch.rand(1, 2, 3, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(swapped(lqs), own(lqs), rtol=0, atol=0)


def test_flow_guided_fetch_is_used_and_every_parameter_learns():
    net = MODELS.build(_tiny_with('adjacent_fetch', _af_part()))
    afs = [net.backward_module.adjacent_fetch['backward_hidden']] + list(
        net.forward_module.adjacent_fetch.values())
    assert [type(af).__name__ for af in afs] == ['FlowGuidedAdjacentFetch'] * 3
    assert type(afs[0].spynet).__name__ == 'SPyNet'
    lqs = torch.rand(1, 3, 3, 16, 16)
    out = net(lqs)
    assert out.shape == (1, 5, 3, 64, 64)
    out.abs().mean().backward()
    for i, af in enumerate(afs):
        last_offset_conv = f'conv_offset.{len(af.conv_offset) - 1}.'
        for name, p in af.named_parameters():
            if name.startswith('conv_offset.') and \
                    not name.startswith(last_offset_conv):
                continue  # behind the zero-started last conv, as in AF
            # SPyNet's too: the flow is the base of the deformable offsets
            assert p.grad is not None and p.grad.abs().sum() > 0, (i, name)
    # the flow enters the output: another SPyNet, other frames
    with torch.no_grad():
        _perturb(afs[1].spynet, 0.5)
        assert not torch.allclose(net(lqs), out)


def test_flow_guided_fetch_starts_near_zero_flow():
    af = MODELS.build(dict(_af_part(), mid_channels=8))
    af.init_weights()
    frames = torch.rand(2, 1, 3, 16, 24)
    with torch.no_grad():
        flow = af.flow(frames[0], frames[1])
    assert flow.shape == (1, 2, 16, 24)
    assert 0 < flow.abs().max() < 0.05  # not zero: SPyNet is in the graph
    assert torch.equal(af.flow(frames[0], None), torch.zeros(1, 2, 16, 24))


@pytest.mark.parametrize('impl', ['torch', 'mmcv'])
@pytest.mark.parametrize('dx,dy', [(2, 0), (0, -1), (1, 3)])
def test_flow_guided_fetch_samples_the_state_along_the_flow(impl, dx, dy):
    """With zero residues (the offset head at its start) the deformable
    conv samples the state at the flow: the output is a conv of the state
    shifted by (dx, dy), i.e. flow channel 0 is x and channel 1 is y, as
    MMagic's SPyNet and flow_warp have them."""
    af = MODELS.build(dict(_af_part(), mid_channels=8,
                           deform_impl=impl)).eval()
    af.init_weights()
    h, w = 12, 14
    flow = torch.zeros(1, 2, h, w)
    flow[:, 0], flow[:, 1] = dx, dy
    af.flow = lambda frame, neighbour: flow
    feat, hidden = torch.rand(1, 8, h, w), torch.rand(1, 8, h, w)
    frame = torch.rand(1, 3, h, w)
    with torch.no_grad():
        out = af(feat, hidden, frame=frame, neighbour_frame=frame)
    # hidden sampled at (y + dy, x + dx); masks are 0.5. Compared away from
    # the borders, where the samples leave the frame.
    shifted = torch.roll(hidden, shifts=(-dy, -dx), dims=(2, 3))
    want = F.conv2d(
        shifted, 0.5 * af.deform_conv.weight, af.deform_conv.bias, padding=1)
    inner = (..., slice(4, h - 4), slice(4, w - 4))
    torch.testing.assert_close(out[inner], want[inner], atol=1e-5, rtol=1e-4)
    # a flow of the other sign gives another output
    wrong = F.conv2d(
        torch.roll(hidden, shifts=(dy, dx), dims=(2, 3)),
        0.5 * af.deform_conv.weight,
        af.deform_conv.bias,
        padding=1)
    assert not torch.allclose(out[inner], wrong[inner], atol=1e-3)


def test_flow_guided_fetch_refuses_to_run_without_frames():
    net = MODELS.build(_tiny_with('adjacent_fetch', _af_part()))
    feats = torch.rand(1, 3, 8, 8, 8)
    with pytest.raises(ValueError, match='needs the LR frames'):
        net.backward_module(feats)
    af = net.backward_module.adjacent_fetch['backward_hidden']
    with pytest.raises(ValueError, match='frame='):
        af(feats[:, 0], feats[:, 1])


def test_spynet_pretrained_weights_are_loaded_and_kept(tmp_path):
    from mmagic.models.editors.basicvsr.basicvsr_net import SPyNet
    spynet = SPyNet(pretrained=None)
    _perturb(spynet)
    # MMagic's file holds the weights; SPyNet makes its normalisation
    # buffers (mean, std) itself
    weights = {
        k: v
        for k, v in spynet.state_dict().items() if k not in ('mean', 'std')
    }
    path = str(tmp_path / 'spynet.pth')
    torch.save(weights, path)
    cfg = _tiny_with('adjacent_fetch',
                     dict(_af_part(), spynet_pretrained=path))
    net = MODELS.build(cfg)  # SFNet's init runs after the load
    for af in [net.backward_module.adjacent_fetch['backward_hidden']] + \
            list(net.forward_module.adjacent_fetch.values()):
        for key, value in weights.items():
            assert torch.equal(af.spynet.state_dict()[key], value), key


def test_mixed_adjacent_fetches_equal_one_by_one():
    """adjacent_fetch_many batches only the plain AdjacentFetch modules and
    calls the others on their own, with frames if they need them."""
    afs = [
        MODELS.build(
            dict(type='AdjacentFetch', mid_channels=8, deform_groups=2)),
        MODELS.build(dict(_af_part(), mid_channels=8)),
        MODELS.build(
            dict(type='AdjacentFetch', mid_channels=8, deform_groups=2)),
    ]
    for af in afs:
        af.init_weights()
        _perturb(af)
    feat = torch.randn(1, 8, 6, 6)
    hiddens = [torch.randn(1, 8, 6, 6) for _ in afs]
    frame = torch.rand(1, 3, 6, 6)
    neighbours = [torch.rand(1, 3, 6, 6), torch.rand(1, 3, 6, 6), None]
    got = af_module.adjacent_fetch_many(afs, feat, hiddens, frame, neighbours)
    want = [
        afs[0](feat, hiddens[0]),
        afs[1](feat, hiddens[1], frame=frame, neighbour_frame=neighbours[1]),
        afs[2](feat, hiddens[2]),
    ]
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, rtol=1e-5, atol=1e-5)


def test_flow_guided_sfnet_equals_the_one_call_per_module_implementation():
    net = MODELS.build(_tiny_with('adjacent_fetch', _af_part()))
    lqs = torch.rand(1, 3, 3, 8, 8)
    with torch.no_grad():
        out = net(lqs)
        with unbatched():
            reference = net(lqs)
    torch.testing.assert_close(out, reference, rtol=1e-5, atol=1e-5)
