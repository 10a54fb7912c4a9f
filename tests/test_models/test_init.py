"""SFNet's parameter count and its start, pinned for the paper-sized and the
demo-sized net: where the blocks come from and how the init is called may
change, the numbers below may not."""
import math
import os.path as osp
from collections import Counter

import pytest
import torch
from mmagic.registry import MODELS
from mmengine.config import Config
from mmengine.registry import DefaultScope

from sfvsr_plugin.testing import tiny_sfnet_cfg

CONFIGS = osp.join(osp.dirname(__file__), '..', '..', 'configs')
PAPER = osp.join(CONFIGS, '_base_', 'models', 'sfnet.py')
DEMO = osp.join(CONFIGS, 'sfnet', 'sfnet_demo_bigbuckbunny.py')

#: Kaiming-normal scales a conv may start at: 1 (plain convs), 0.1 (the
#: residual branches), 1e-3 (the last conv of each reconstruction) and 0
#: (AF's offset head).
SCALES = (1, 0.1, 1e-3, 0)

#: Per config: parameters, then per (conv type, start scale) the number of
#: convs and of their weights (scale 0: AF's offset heads and, in the demo,
#: MotionBlend's gate).
EXPECTED = {
    'paper': (16059984, {
        ('Conv2d', 1): (186, 7808704),
        ('Conv2d', 0.1): (114, 7741440),
        ('Conv2d', 1e-3): (2, 3456),
        ('Conv2d', 0): (3, 373248),
        ('ModulatedDeformConv2d', 1): (3, 110592),
    }),
    'demo': (456141, {
        ('Conv2d', 1): (86, 283568),
        ('Conv2d', 0.1): (34, 115200),
        ('Conv2d', 1e-3): (2, 864),
        ('Conv2d', 0): (4, 46672),
        ('ModulatedDeformConv2d', 1): (3, 6912),
    }),
}


def _generator(config):
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmagic'):
        return MODELS.build(Config.fromfile(config).model.generator)


@pytest.fixture(scope='module', params=['paper', 'demo'])
def sized_net(request):
    return request.param, _generator(PAPER if request.param ==
                                     'paper' else DEMO)


def _convs(net):
    return [(name, m) for name, m in net.named_modules()
            if isinstance(m, torch.nn.Conv2d)
            or type(m).__name__ == 'ModulatedDeformConv2d']


def _kaiming_units(conv):
    """The weights divided by Kaiming-normal's std ``sqrt(2 / fan_in)``."""
    return conv.weight.detach().flatten() / math.sqrt(
        2 / conv.weight[0].numel())


def _scale(conv):
    """The entry of SCALES nearest (in log) to the conv's weight std."""
    std = float(_kaiming_units(conv).std())
    if std == 0:
        return 0
    return min(SCALES[:-1], key=lambda s: abs(math.log(std / s)))


def test_parameter_count(sized_net):
    size, net = sized_net
    assert sum(p.numel() for p in net.parameters()) == EXPECTED[size][0]


def test_init_statistics(sized_net):
    """Per conv type and start scale: how many convs, how many weights, and
    the pooled std of their weights in Kaiming units (1 for MMagic's
    ``default_init_weights``; 0.45 for mmcv's Xavier ``PixelShufflePack``,
    0.58 for PyTorch's default). Every bias starts at zero."""
    size, net = sized_net
    convs, weights, units = Counter(), Counter(), {}
    for name, conv in _convs(net):
        kind = (type(conv).__name__, _scale(conv))
        convs[kind] += 1
        weights[kind] += conv.weight.numel()
        units.setdefault(kind, []).append(_kaiming_units(conv))
        assert not conv.bias.any(), name
    assert {k: (convs[k], weights[k]) for k in convs} == EXPECTED[size][1]
    for (_, scale), parts in units.items():
        pooled = torch.cat(parts)
        if scale == 0:
            assert not pooled.any()
            continue
        tolerance = 0.1 if scale == 1e-3 else 0.03  # 1e-3: few weights
        assert float(pooled.std()) == pytest.approx(scale, rel=tolerance)
        assert abs(float(pooled.mean())) < 0.05 * scale
    # the only parameters that are not convs: eq. 5's temperature
    others = {
        n: p
        for n, p in net.named_parameters()
        if not n.endswith(('.weight', '.bias'))
    }
    key_channels = net.backward_module.distant_fetch.key_head.out_channels
    assert sorted(others) == [
        'backward_module.distant_fetch.log_delta',
        'forward_module.distant_fetch.log_delta'
    ]
    for p in others.values():
        assert float(p.detach()) == pytest.approx(0.5 * math.log(key_channels))


def test_init_of_each_block(sized_net):
    """Which conv starts where: both convs of every residual block and the
    fuse convs of every FRB at 0.1 x Kaiming; the last conv of each
    reconstruction at 1e-3 and the one before it at 1; AF's offset head's
    last conv at zero, its deformable conv at 1."""
    _, net = sized_net
    residual = [
        m for m in net.modules() if hasattr(m, 'conv1')
        and hasattr(m, 'conv2') and not hasattr(m, 'conv_fuse')
    ]
    assert residual
    for block in residual:
        assert _scale(block.conv1) == _scale(block.conv2) == 0.1
    frbs = [m for m in net.modules() if hasattr(m, 'conv_fuse')]
    assert len(frbs) == 2 * len(net.forward_module.dynamic_selection.blocks)
    for frb in frbs:
        assert {_scale(c) for c in frb.conv_fuse} == {0.1}
        assert {_scale(c) for c in frb.conv_branch} == {1}
        assert _scale(frb.conv_merge) == 1
    for rec in (net.head.structure_reconstruction,
                net.head.detail_reconstruction):
        assert _scale(rec[-1]) == 1e-3
        assert _scale(rec[-3]) == 1
    for module in (net.backward_module, net.forward_module):
        for af in module.adjacent_fetch.values():
            assert not af.conv_offset[-1].weight.any()
            assert {_scale(c) for c in af.conv_offset[:-1][::2]} == {1}
            assert _scale(af.deform_conv) == 1


def test_runner_init_does_not_draw_the_net_again():
    """MMEngine's runner calls the editor's ``init_weights`` before training:
    SFNet, initialised by its constructor, keeps its weights."""
    model = MODELS.build(dict(type='SFVSR', generator=tiny_sfnet_cfg()))
    before = {k: v.clone() for k, v in model.generator.state_dict().items()}
    assert model.generator.is_init
    model.init_weights()
    for k, v in model.generator.state_dict().items():
        assert torch.equal(v, before[k]), k
