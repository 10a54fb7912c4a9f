import pytest
import torch
from mmagic.registry import MODELS
from mmengine.registry import DefaultScope

from sfvsr_plugin.models.container import (StoredState, StoreFetchContainer,
                                           fetch_range)


@pytest.mark.parametrize('cfg', [
    dict(type='SFFeatureExtractor', mid_channels=8, num_blocks=1),
    dict(type='AdjacentFetch', mid_channels=8, deform_groups=2),
    dict(type='DistantFetch', mid_channels=8, key_channels=4),
    dict(
        type='DynamicSelection',
        mid_channels=8,
        num_candidates=2,
        num_blocks=1),
    dict(type='DynamicSelectionAttention', mid_channels=8, num_heads=2),
    dict(type='DirectFusion', mid_channels=8, num_candidates=3, num_blocks=1),
    dict(type='FusionReconstructionHead', mid_channels=8, num_blocks=1),
    dict(
        type='BackwardRecurrentModule',
        mid_channels=8,
        adjacent_fetch=dict(type='AdjacentFetch', deform_groups=2),
        dynamic_selection=dict(type='DynamicSelection', num_blocks=1)),
    dict(
        type='ForwardRecurrentModule',
        mid_channels=8,
        adjacent_fetch=dict(type='AdjacentFetch', deform_groups=2),
        dynamic_selection=dict(type='DynamicSelection', num_blocks=1)),
    dict(type='SFNet', mid_channels=8),
])
def test_builds_in_mmagic_scope(cfg):
    with DefaultScope.overwrite_default_scope('mmagic'):
        obj = MODELS.build(cfg)
    assert type(obj).__name__ == cfg['type']


def test_adjacent_fetch_starts_as_identity_sampling():
    af = MODELS.build(
        dict(type='AdjacentFetch', mid_channels=8, deform_groups=2))
    af.init_weights()  # built alone: MMEngine's build does not initialise
    feat, hidden = torch.rand(1, 8, 6, 6), torch.rand(1, 8, 6, 6)
    out = af(feat, hidden)
    # zero offsets, masks 0.5: a plain conv with half the weight
    ref = torch.nn.functional.conv2d(
        hidden, 0.5 * af.deform_conv.weight, af.deform_conv.bias, padding=1)
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize('dg,h,w', [(2, 7, 9), (4, 6, 6), (1, 1, 5)])
def test_torch_deform_conv_matches_mmcv(dg, h, w):
    from mmcv.ops import ModulatedDeformConv2d

    from sfvsr_plugin.models.deform_conv import modulated_deform_conv2d
    conv = ModulatedDeformConv2d(8, 6, 3, padding=1, deform_groups=dg)
    torch.nn.init.normal_(conv.bias)
    x = torch.randn(2, 8, h, w, requires_grad=True)
    # offsets of several pixels: samples fall between pixels and outside
    offset = (3 * torch.randn(2, dg * 18, h, w)).requires_grad_()
    mask = torch.rand(2, dg * 9, h, w, requires_grad=True)
    ref = conv(x, offset, mask)
    out = modulated_deform_conv2d(x, offset, mask, conv.weight, conv.bias, 1,
                                  1, 1, dg)
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-4)
    inputs = [x, offset, mask, conv.weight, conv.bias]
    g_ref = torch.autograd.grad(ref.square().sum(), inputs)
    g_out = torch.autograd.grad(out.square().sum(), inputs)
    for a, b in zip(g_out, g_ref):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)


def test_adjacent_fetch_implementations_agree():
    af = MODELS.build(
        dict(
            type='AdjacentFetch',
            mid_channels=8,
            deform_groups=2,
            deform_impl='mmcv'))
    torch.nn.init.normal_(af.conv_offset[-1].weight, std=0.1)
    feat, hidden = torch.rand(1, 8, 6, 7), torch.rand(1, 8, 6, 7)
    ref = af(feat, hidden)
    af.deform_impl = 'torch'
    torch.testing.assert_close(af(feat, hidden), ref, atol=1e-5, rtol=1e-4)
    with pytest.raises(ValueError, match='deform_impl'):
        MODELS.build(dict(type='AdjacentFetch', deform_impl='cuda'))


def test_set_deform_impl_reaches_every_part_and_torch_deform_conv_restores():
    from sfvsr_plugin.apis.export import set_deform_impl, torch_deform_conv
    from sfvsr_plugin.testing import tiny_sfnet_cfg
    net = MODELS.build(tiny_sfnet_cfg())
    parts = [m for m in net.modules() if hasattr(m, 'deform_impl')]
    assert len(parts) >= 3  # BRM's AF, FRM's two
    previous = set_deform_impl(net, 'mmcv')
    assert [m for m, _ in previous] == parts
    assert {impl for _, impl in previous} == {'auto'}
    assert {m.deform_impl for m in parts} == {'mmcv'}
    with torch_deform_conv(net):
        assert {m.deform_impl for m in parts} == {'torch'}
    assert {m.deform_impl for m in parts} == {'mmcv'}


def test_adjacent_fetch_offsets_are_bounded():
    af = MODELS.build(
        dict(
            type='AdjacentFetch',
            mid_channels=8,
            deform_groups=2,
            max_residue_magnitude=3))
    af.deform_impl = 'mmcv'  # spy on mmcv's op below
    torch.nn.init.normal_(af.conv_offset[-1].weight, std=100)
    seen = {}
    original = af.deform_conv.forward

    def forward(x, offset, mask):
        seen['offset'] = offset
        return original(x, offset, mask)

    af.deform_conv.forward = forward
    af(torch.rand(1, 8, 6, 6), torch.rand(1, 8, 6, 6))
    assert seen['offset'].abs().max() <= 3
    assert seen['offset'].abs().max() > 2.9  # saturated, not clipped to 0


def test_distant_fetch_fused_matches_reference():
    df = MODELS.build(
        dict(type='DistantFetch', mid_channels=16, key_channels=8))
    with torch.no_grad():
        df.log_delta.fill_(0.7)
    q = torch.randn(2, 8, 3, 5)
    k = torch.randn(2, 6, 8, 3, 5)
    v = torch.randn(2, 6, 16, 3, 5)
    fused = df.attend(q, k, v, fused=True)
    ref = df.attend(q, k, v, fused=False)
    assert fused.shape == (2, 16, 3, 5)
    assert (fused - ref).abs().max() < 1e-5
    # written out by hand: softmax over all m*h*w stored positions
    qf = (q / df.delta).flatten(2).transpose(1, 2)
    kf = k.permute(0, 1, 3, 4, 2).reshape(2, -1, 8)
    vf = v.permute(0, 1, 3, 4, 2).reshape(2, -1, 16)
    manual = torch.softmax(qf @ kf.transpose(1, 2), -1) @ vf
    assert (fused -
            manual.transpose(1, 2).reshape(2, 16, 3, 5)).abs().max() < 1e-5


@pytest.mark.parametrize('map_size, stored', [((1, 1), 1), ((1, 1), 3),
                                              ((2, 3), 1)])
def test_distant_fetch_gives_sdpa_the_strides_of_new_tensors(
        map_size, stored, monkeypatch):
    """A 1x1 map (frames of at most 8x8) once reached SDPA with a head stride
    of 1, for which PyTorch's fp32 CUDA kernels have none ("cutlassF: no
    kernel found to launch!", docs/inference.md): every operand has the
    strides of a newly allocated tensor of its shape, the output unchanged."""
    import torch.nn.functional as F

    from sfvsr_plugin.models import distant_fetch
    df = MODELS.build(
        dict(type='DistantFetch', mid_channels=16, key_channels=8))
    h, w = map_size
    q = torch.randn(2, 8, h, w)
    k = torch.randn(2, stored, 8, h, w)
    v = torch.randn(2, stored, 16, h, w)
    seen = []
    sdpa = F.scaled_dot_product_attention

    def recording_sdpa(*operands, **kwargs):
        seen.append([(t.shape, t.stride()) for t in operands])
        return sdpa(*operands, **kwargs)

    monkeypatch.setattr(distant_fetch.F, 'scaled_dot_product_attention',
                        recording_sdpa)
    fused = df.attend(q, k, v, fused=True)
    assert len(seen) == 1
    for shape, stride in seen[0]:
        assert stride == torch.empty(shape).stride(), (shape, stride)
    torch.testing.assert_close(fused, df.attend(q, k, v, fused=False))


def test_distant_fetch_sizes_and_empty_container():
    df = MODELS.build(
        dict(type='DistantFetch', mid_channels=8, key_channels=4))
    feat = torch.rand(1, 8, 13, 7)  # not multiples of 8
    memory = df.encode_memory(StoredState(3, torch.rand(1, 8, 13, 7)))
    assert memory.key.shape == (1, 4, 2, 1)
    assert memory.value.shape == (1, 8, 2, 1)
    out = df(feat, {'backward': [memory], 'forward': []})
    assert out['backward'].shape == (1, 8, 13, 7)
    assert out['forward'] is None
    calls = []
    df.query_encoder.register_forward_hook(lambda *a: calls.append(1))
    assert df(feat, {}) == {'backward': None, 'forward': None}
    assert not calls  # an empty container costs nothing


def test_dynamic_selection_softmax_ignores_missing_candidates():
    ds = MODELS.build(
        dict(
            type='DynamicSelection',
            mid_channels=8,
            num_candidates=3,
            num_blocks=1))
    feat = torch.rand(1, 8, 4, 4)
    cands = [torch.rand(1, 8, 4, 4), None, torch.rand(1, 8, 4, 4)]
    selected = ds.select(cands, feat)
    assert torch.equal(selected[1], torch.zeros(1, 8, 4, 4))
    # weights of present candidates sum to one at every position
    w0 = selected[0] / cands[0]
    w2 = selected[2] / cands[2]
    torch.testing.assert_close(w0 + w2, torch.ones_like(w0))
    hidden, state = ds(cands, feat)
    assert hidden.shape == state.shape == (1, 8, 4, 4)
    with pytest.raises(ValueError, match='expected 3 candidates'):
        ds(cands[:2], feat)


def _pre_mmagic_upsampler(c, stages):
    """The x2 stages as they were before MMagic's PixelShufflePack."""
    layers = []
    for _ in range(stages):
        layers += [
            torch.nn.Conv2d(c, 4 * c, 3, 1, 1),
            torch.nn.PixelShuffle(2),
            torch.nn.LeakyReLU(0.1)
        ]
    return layers


def test_checkpoints_of_the_pre_mmagic_layout_load():
    """Checkpoints saved before the pixel-shuffle stages became MMagic's
    PixelShufflePack load strictly (torch's and mmengine's loaders) and
    give the same outputs: the head's upsamplers (``...0.body.3.weight``)
    and DF's decoders (``decoders.<d>_container.9.weight``)."""
    from mmengine.runner.checkpoint import load_state_dict

    from sfvsr_plugin.models.blocks import PixelShuffleUpsampler
    old_head = torch.nn.Sequential(torch.nn.Module())
    old_head[0].body = torch.nn.Sequential(*_pre_mmagic_upsampler(8, 2))
    assert 'head.0.body.3.weight' in {
        'head.' + k
        for k in old_head.state_dict()
    }
    x = torch.rand(1, 8, 5, 6)
    for load in (lambda m, sd: m.load_state_dict(sd, strict=True),
                 lambda m, sd: load_state_dict(m, sd, strict=True)):
        new = torch.nn.Sequential(PixelShuffleUpsampler(8, 4))
        load(new, old_head.state_dict())
        assert torch.equal(new(x), old_head[0].body(x))

    df = MODELS.build(
        dict(type='DistantFetch', mid_channels=8, key_channels=4))
    old_decoder = torch.nn.Sequential(*_pre_mmagic_upsampler(8, 3),
                                      torch.nn.Conv2d(8, 8, 3, 1, 1))
    state = {
        k: v
        for k, v in df.state_dict().items()
        if not k.startswith('decoders.backward_container.')
    }
    state.update({
        f'decoders.backward_container.{k}': v
        for k, v in old_decoder.state_dict().items()
    })
    assert 'decoders.backward_container.9.weight' in state
    df.load_state_dict(state, strict=True)
    x = torch.rand(1, 8, 2, 3)
    assert torch.equal(df.decoders['backward_container'](x), old_decoder(x))


def test_container_store_fetch_and_capacity():
    c = StoreFetchContainer()
    assert len(c) == 0 and c.fetch() == []
    for i in [5, 4, 3, 2, 1]:
        c.store(i, torch.full((1, ), float(i)))
    assert [e.index for e in c.fetch(3, None)] == [3, 4, 5]
    assert [e.index for e in c.fetch(None, 2)] == [1, 2]
    with pytest.raises(KeyError):
        c.store(3, torch.zeros(1))
    bounded = StoreFetchContainer(capacity=2)
    for i in range(6):
        bounded.store(i, torch.zeros(1))
    assert [e.index for e in bounded.fetch(None, 3, near=5)] == [2, 3]
    assert [e.index for e in bounded.fetch(1, None, near=0)] == [1, 2]
    assert fetch_range('backward', 3, None) == (5, None)
    assert fetch_range('forward', 3, 2) == (0, 1)
    with pytest.raises(ValueError):
        StoreFetchContainer(capacity=0)


def _rel_std(conv):
    """Weight std relative to Kaiming-normal's sqrt(2 / fan_in)."""
    fan_in = conv.weight[0].numel()
    return float(conv.weight.detach().std()) / (2 / fan_in)**0.5


def test_init_kaiming_with_small_residual_branches():
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmagic'):
        net = MODELS.build(
            dict(
                type='SFNet',
                mid_channels=32,
                feature_extractor=dict(
                    type='SFFeatureExtractor', num_blocks=1),
                adjacent_fetch=dict(type='AdjacentFetch', deform_groups=4),
                distant_fetch=dict(type='DistantFetch', key_channels=32),
                dynamic_selection=dict(type='DynamicSelection', num_blocks=1),
                head=dict(type='FusionReconstructionHead', num_blocks=1)))
    fe = net.feature_extractor
    assert _rel_std(fe.conv_first) == pytest.approx(1, rel=0.1)
    assert _rel_std(fe.body[0].conv2) == pytest.approx(0.1, rel=0.1)
    af = net.forward_module.adjacent_fetch['forward_hidden']
    assert _rel_std(af.deform_conv) == pytest.approx(1, rel=0.1)
    assert not af.conv_offset[-1].weight.any()
    ds = net.forward_module.dynamic_selection
    assert _rel_std(ds.conv_hidden) == pytest.approx(1, rel=0.1)
    assert _rel_std(ds.blocks[0].conv_fuse[0]) == pytest.approx(0.1, rel=0.1)
    head = net.head
    assert _rel_std(head.detail_reconstruction[1]) == pytest.approx(1, rel=0.1)
    assert _rel_std(head.detail_reconstruction[3]) == pytest.approx(
        1e-3, rel=0.2)  # the net starts as bicubic + blending
    assert not net.head.structure_fusion[0].bias.any()
    # the signal survives the recurrent stack: hidden states vary in space
    # about as much as the extracted features (PyTorch's default init lost
    # two thirds of it in BRM alone)
    x = torch.rand(1, 3, 3, 16, 16)
    frames = net.make_frames(x)
    feats = fe(frames.flatten(0, 1)).unsqueeze(0)
    hidden_b, _ = net.backward_module(feats)

    def spatial_std(t):
        return float(t.detach().flatten(-2).std(-1).mean())

    assert spatial_std(hidden_b) > 0.6 * spatial_std(feats)
