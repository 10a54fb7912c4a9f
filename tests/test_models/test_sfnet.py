import os.path as osp

import numpy as np
import pytest
import torch
from mmagic.registry import MODELS

from sfvsr_plugin.models import SFNet
from sfvsr_plugin.models.container import StoreFetchContainer
from sfvsr_plugin.testing import tiny_sfnet_cfg


@pytest.mark.parametrize('t', [2, 3, 4])
@pytest.mark.parametrize('hw', [(8, 8), (12, 10), (7, 13)])
def test_output_shapes(t, hw):
    net = MODELS.build(tiny_sfnet_cfg())
    h, w = hw
    out, structure, detail = net(
        torch.rand(2, t, 3, h, w), return_components=True)
    for x in (out, structure, detail):
        assert x.shape == (2, 2 * t - 1, 3, 4 * h, 4 * w)
    torch.testing.assert_close(out, structure + detail)


def test_single_frame_and_svsr_tvsr_modes():
    net = MODELS.build(tiny_sfnet_cfg())
    assert net(torch.rand(1, 1, 3, 8, 8)).shape == (1, 1, 3, 32, 32)
    svsr = MODELS.build(tiny_sfnet_cfg(interpolate=False))
    assert svsr(torch.rand(1, 3, 3, 8, 8)).shape == (1, 3, 3, 32, 32)
    tvsr = MODELS.build(tiny_sfnet_cfg(upscale_factor=1))
    assert tvsr(torch.rand(1, 2, 3, 16, 16)).shape == (1, 3, 3, 16, 16)


def test_bad_input_is_named():
    net = MODELS.build(tiny_sfnet_cfg())
    with pytest.raises(ValueError, match=r'\(n, t, c, h, w\).*\(3, 8, 8\)'):
        net(torch.rand(3, 8, 8))
    with pytest.raises(ValueError, match='3 channels, got 1'):
        net(torch.rand(1, 2, 1, 8, 8))


def test_every_parameter_gets_a_gradient():
    net = MODELS.build(tiny_sfnet_cfg())
    # 5 frames: every DF reads at least once from two or more stored states
    # (over a single state the softmax is 1 and its query/key get no
    # gradient)
    out, s, d = net(torch.rand(1, 3, 3, 8, 8), return_components=True)
    (out.mean() + s.mean() + d.mean()).backward()
    missing = [
        n for n, p in net.named_parameters()
        if p.grad is None or not torch.isfinite(p.grad).all()
    ]
    assert not missing, f'no gradient for {missing}'
    # zero-initialised offset head gets a gradient but is exactly zero at start
    zero = [
        n for n, p in net.named_parameters()
        if p.grad.abs().sum() == 0 and 'conv_offset' not in n
    ]
    assert not zero, f'zero gradient for {zero}'


def test_inserted_frames_use_the_average_of_neighbours():
    net = SFNet(**{k: v for k, v in tiny_sfnet_cfg().items() if k != 'type'})
    lqs = torch.rand(1, 3, 3, 4, 4)
    frames = net.make_frames(lqs)
    assert frames.shape[1] == 5
    torch.testing.assert_close(frames[:, ::2], lqs)
    torch.testing.assert_close(frames[:, 1], 0.5 * (lqs[:, 0] + lqs[:, 1]))


def _hidden_b(net, lqs):
    frames = net.make_frames(lqs)
    n, t, c, h, w = frames.shape
    feats = net.feature_extractor(frames.flatten(0, 1)).view(n, t, -1, h, w)
    hidden_b, container_b = net.backward_module(feats)
    return feats, hidden_b, container_b


@torch.no_grad()
def test_perturbing_one_input_changes_only_reachable_states():
    """Input j feeds frames 2j-1..2j+1 (eq. 1). BRM state k depends on
    frames >= k; FRM state k (BRM fixed) on frames <= k+1 (AF reads BRM's
    k+1 state, which the perturbation does not move here); the full net
    reaches every output frame from any input (bidirectional)."""
    net = MODELS.build(tiny_sfnet_cfg()).eval()
    lqs = torch.rand(1, 4, 3, 8, 8)
    j = 2
    bumped = lqs.clone()
    bumped[:, j] += 0.5
    feats, hb, cb = _hidden_b(net, lqs)
    feats2, hb2, cb2 = _hidden_b(net, bumped)
    changed = [(hb[:, k] - hb2[:, k]).abs().max() > 0 for k in range(7)]
    assert changed == [k <= 2 * j + 1 for k in range(7)]

    # FRM with BRM's outputs held fixed: causal from the first changed frame.
    hf, _ = net.forward_module(
        feats, backward_hidden=hb, backward_container=cb)
    hf2, _ = net.forward_module(
        feats2, backward_hidden=hb, backward_container=cb)
    changed = [(hf[:, k] - hf2[:, k]).abs().max() > 0 for k in range(7)]
    assert changed == [k >= 2 * j - 1 for k in range(7)]

    out, out2 = net(lqs), net(bumped)
    assert all((out[:, k] - out2[:, k]).abs().max() > 0 for k in range(7))


def test_distant_fetch_reads_frames_two_or_more_away():
    """Eq. 2-3: DF at frame k reads C^b from frames >= k+2, C^f <= k-2."""
    net = MODELS.build(tiny_sfnet_cfg())
    seen = {'backward': [], 'forward': []}

    def spy(module, name):
        original = module.forward

        def forward(feat, memories):
            seen[name].append({
                d: [e[0] for e in m]
                for d, m in memories.items()
            })
            return original(feat, memories)

        module.forward = forward

    spy(net.backward_module.distant_fetch, 'backward')
    spy(net.forward_module.distant_fetch, 'forward')
    net(torch.rand(1, 4, 3, 8, 8))
    T = 7
    # BRM visits k = 6..0, FRM k = 0..6
    assert seen['backward'] == [{
        'backward': list(range(k + 2, T))
    } for k in range(T - 1, -1, -1)]
    assert seen['forward'] == [{
        'forward': list(range(0, k - 1)),
        'backward': list(range(k + 2, T))
    } for k in range(T)]


def test_container_capacity_bounds_the_fetch():
    net = MODELS.build(tiny_sfnet_cfg(container_capacity=2))
    seen = []
    original = net.forward_module.distant_fetch.forward

    def forward(feat, memories):
        seen.append({d: [e[0] for e in m] for d, m in memories.items()})
        return original(feat, memories)

    net.forward_module.distant_fetch.forward = forward
    net(torch.rand(1, 5, 3, 8, 8))
    assert seen[4] == {'forward': [1, 2], 'backward': [6, 7]}
    assert seen[0] == {'forward': [], 'backward': [2, 3]}


def test_bounded_store_drops_what_no_fetch_reads():
    """With capacity K the FRM store stays at K + 1 states, and the
    eviction changes nothing that is computed."""
    torch.manual_seed(0)
    net = MODELS.build(tiny_sfnet_cfg(container_capacity=2)).eval()
    x = torch.rand(1, 5, 3, 8, 8)  # 9 frames
    sizes = []
    original_store = StoreFetchContainer.store

    def store(self, index, state):
        original_store(self, index, state)
        sizes.append(len(self))

    StoreFetchContainer.store = store
    try:
        with torch.no_grad():
            bounded = net(x)
    finally:
        StoreFetchContainer.store = original_store
    # BRM stores all 9 (FRM reads them later), then FRM at most K + 1 = 3
    assert sizes[:9] == list(range(1, 10))
    assert max(sizes[9:]) == 3
    net.forward_module._evict = lambda *args: None
    net.backward_module._evict = lambda *args: None
    with torch.no_grad():
        kept_all = net(x)
    torch.testing.assert_close(bounded, kept_all, rtol=0, atol=0)


def test_head_runs_frame_by_frame_at_inference():
    torch.manual_seed(0)
    net = MODELS.build(tiny_sfnet_cfg())
    x = torch.rand(2, 3, 3, 8, 8)
    batches = []
    original = net.head.reconstruct

    def reconstruct(frames, hidden_backward, hidden_forward):
        batches.append(hidden_backward.shape[0])
        return original(frames, hidden_backward, hidden_forward)

    net.head.reconstruct = reconstruct
    with_grad = net(x, return_components=True)
    assert batches == [2 * 5]  # training: one call for all frames
    batches.clear()
    with torch.no_grad():
        chunked = net(x, return_components=True)
    assert batches == [2] * 5
    for a, b in zip(with_grad, chunked):
        torch.testing.assert_close(a.detach(), b, rtol=1e-5, atol=1e-6)


def _param_names(net):
    return {n for n, _ in net.named_parameters()}


def test_ablation_switches_change_the_parameter_set():
    full = MODELS.build(tiny_sfnet_cfg())
    names = _param_names(full)
    assert any('adjacent_fetch' in n for n in names)
    assert any('distant_fetch' in n for n in names)
    assert any('attentions' in n for n in names)

    variants = {
        'no_af': dict(adjacent_fetch=None),
        'no_df': dict(distant_fetch=None),
        'no_ds':
        dict(dynamic_selection=dict(type='DirectFusion', num_blocks=1)),
        'no_bc': dict(containers='none'),
        'fwc': dict(containers='forward'),
        'bwc': dict(containers='backward'),
    }
    nets = {k: MODELS.build(tiny_sfnet_cfg(**v)) for k, v in variants.items()}
    for k, net in nets.items():  # each one runs
        out = net(torch.rand(1, 3, 3, 8, 8))
        assert out.shape == (1, 5, 3, 32, 32), k
    p = {k: _param_names(v) for k, v in nets.items()}
    assert not any('adjacent_fetch' in n for n in p['no_af'])
    assert not any('distant_fetch' in n for n in p['no_df'])
    assert not any('attentions' in n for n in p['no_ds'])
    assert p['no_ds'] < names
    # Table 5: without containers there is nothing to fetch from at all.
    assert not any('distant_fetch' in n for n in p['no_bc'])
    # forward container only: BRM fetches nothing, FRM reads C^f only.
    assert not any(
        n.startswith('backward_module.distant_fetch') for n in p['fwc'])
    assert any('forward_module.distant_fetch.decoders.forward_container' in n
               for n in p['fwc'])
    assert not any('decoders.backward_container' in n for n in p['fwc'])
    # backward container only: both modules read C^b, nobody C^f.
    assert any(n.startswith('backward_module.distant_fetch') for n in p['bwc'])
    assert not any('decoders.forward_container' in n for n in p['bwc'])
    # DS sizes follow the candidates: FRM 4 (full), 2 (no containers).
    assert full.forward_module.dynamic_selection.num_candidates == 4
    assert full.backward_module.dynamic_selection.num_candidates == 2
    assert nets['no_bc'].forward_module.dynamic_selection.num_candidates == 2
    assert nets['fwc'].backward_module.dynamic_selection.num_candidates == 1


def test_no_container_variant_stores_nothing():
    net = MODELS.build(tiny_sfnet_cfg(containers='none'))
    feats = torch.rand(1, 3, 8, 4, 4)
    _, container = net.backward_module(feats)
    assert len(container) == 0


def test_default_config_matches_paper_size():
    """Paper Table 1: 16.4M parameters (within 10%)."""
    net = SFNet()
    params = sum(p.numel() for p in net.parameters())
    assert abs(params - 16.4e6) / 16.4e6 < 0.10, params


def _psnr_to_gt_of_init_net(monkeypatch, last_conv_scale=None):
    """Y-PSNR of the demo-sized SFNet at init and of bicubic + blending
    on 7 real frames (bigbuckbunny, 64x64 GT), 4 LR frames in."""
    from mmagic.evaluation.metrics.psnr import psnr

    from sfvsr_plugin.datasets import matlab_downsample
    from sfvsr_plugin.models import head
    from sfvsr_plugin.testing import read_video_frames
    if last_conv_scale is not None:
        monkeypatch.setattr(head.Reconstruction, 'LAST_CONV_SCALE',
                            last_conv_scale)
    frames = read_video_frames(
        'bigbuckbunny', size=(320, 180), max_frames=7)[:, 40:104, 120:184]
    lr = np.stack([matlab_downsample(f) for f in frames[::2]])
    x = torch.from_numpy(lr).permute(0, 3, 1, 2).float()[None] / 255.
    torch.manual_seed(0)
    from mmengine.config import Config
    demo = Config.fromfile(
        osp.join(
            osp.dirname(__file__), '..', '..', 'configs', 'sfnet',
            'sfnet_demo_bigbuckbunny.py'))
    net = MODELS.build(demo.model.generator)  # the demo-sized SFNet
    with torch.no_grad():
        out = net(x)[0].clamp(0, 1) * 255.
        up = torch.nn.functional.interpolate(
            x[0], scale_factor=4, mode='bicubic', align_corners=False)
    base = torch.stack([
        up[k // 2] if k % 2 == 0 else (up[k // 2] + up[k // 2 + 1]) / 2
        for k in range(7)
    ]).clamp(0, 1) * 255.

    def mean_psnr(pred):
        return np.mean([
            psnr(
                p.round().permute(1, 2, 0).numpy(),
                g.astype(np.float64),
                convert_to='Y',
                input_order='HWC',
                channel_order='rgb') for p, g in zip(pred, frames)
        ])

    return mean_psnr(out), mean_psnr(base)


def test_untrained_net_starts_at_bicubic_and_blending(monkeypatch):
    """S starts at the bicubic base and D at zero: before training SFNet
    is bicubic + blending, not worse (it used to start several dB below,
    with the reconstruction's last conv at 0.1 x Kaiming)."""
    ours, base = _psnr_to_gt_of_init_net(monkeypatch)
    assert abs(ours - base) < 0.05, (ours, base)
    # the check can fail: the former init starts clearly below the
    # baseline (1.34 dB with the demo net of 2026-11-28, 0.36 dB with
    # today's deeper FE and F&R)
    ours_before, _ = _psnr_to_gt_of_init_net(monkeypatch, 0.1)
    assert ours_before < base - 0.25, (ours_before, base)
