"""The configs of configs/mixing/ that swap MMagic's parts into SFNet, and
the example AF of docs/mixing.md, trained a few iterations through
tools/train.py and (MMagic's parts) tested through tools/test.py, at tiny
size on the stand-ins of test_train_e2e.py."""
import json
import os.path as osp
import sys

import pytest

from sfvsr_plugin.checkpoint import load_weights_only
from .test_train_e2e import data  # noqa: F401  (fixture)
from .test_train_e2e import MAIN_CFG, REPO, TINY_CFG, losses, run

MIXING = osp.join(REPO, 'configs', 'mixing')

#: Sizes of the tiny SFNet (sfvsr_plugin.testing.TINY_SFNET) that keep the
#: types the config sets: merged into the config's generator.
TINY_SIZES = dict(
    mid_channels=8,
    adjacent_fetch=dict(deform_groups=2),
    distant_fetch=dict(key_channels=8),
    dynamic_selection=dict(num_blocks=1),
    head=dict(num_blocks=1))

#: Per swap: the config, its tiny sizes, extra imports, and a key the
#: trained checkpoint must hold (the swapped part's).
SWAPS = {
    'resblocks-fe':
    dict(
        config=osp.join(MIXING, 'sfnet_resblocks-fe_4xb6-600k_vimeo90k-bi.py'),
        sizes=dict(
            TINY_SIZES, feature_extractor=dict(part=dict(num_blocks=1))),
        imports=[],
        key='generator.feature_extractor.part.main.0.weight'),
    'flow-guided-af':
    dict(
        config=osp.join(MIXING,
                        'sfnet_flow-guided-af_4xb6-600k_vimeo90k-bi.py'),
        sizes=dict(TINY_SIZES, feature_extractor=dict(num_blocks=1)),
        imports=[],
        key='generator.forward_module.adjacent_fetch.forward_hidden.'
        'spynet.basic_module.0.basic_module.0.conv.weight'),
    # docs/mixing.md's example: the paper's config with another AF
    'example-af':
    dict(
        config=MAIN_CFG,
        sizes=dict(
            TINY_SIZES,
            feature_extractor=dict(num_blocks=1),
            adjacent_fetch=dict(_delete_=True, type='GatedAdjacentFetch')),
        imports=['tests.test_tools.example_parts'],
        key='generator.backward_module.adjacent_fetch.backward_hidden.'
        'gate.0.weight'),
}


def _write_cfg(path, roots, config, sizes, extra_imports, iters=2):
    vimeo, vid4 = roots
    path.write_text(
        TINY_CFG.format(
            main=config,
            tiny_model=f'model = dict(generator={sizes!r})\n',
            vimeo=vimeo,
            vid4=vid4,
            iters=iters,
            batch_size=2,
            train_pipeline='train_pipeline',
            hooks=[],
            extra_imports=list(extra_imports)))
    return str(path)


@pytest.mark.parametrize('swap', list(SWAPS))
def test_mixed_sfnet_trains_and_tests_through_the_tools(
        swap, data, tmp_path):  # noqa: F811
    spec = SWAPS[swap]
    cfg = _write_cfg(tmp_path / 'tiny.py', data, spec['config'], spec['sizes'],
                     spec['imports'])
    work_dir = str(tmp_path / 'work')
    run([sys.executable, 'tools/train.py', cfg, '--work-dir', work_dir])
    assert sorted(losses(work_dir)) == [1, 2]
    ckpt = osp.join(work_dir, 'iter_2.pth')
    state = load_weights_only(ckpt, map_location='cpu')['state_dict']
    assert spec['key'] in state  # the trained net has the swapped part
    if swap == 'example-af':
        return  # the docs' example: trained is what it shows
    out = tmp_path / 'metrics.json'
    run([
        sys.executable, 'tools/test.py', cfg, ckpt, '--work-dir',
        str(tmp_path / 'test'), '--out',
        str(out)
    ])
    metrics = json.loads(out.read_text())
    for prefix in ('vimeo-fast', 'vid4'):
        assert 0 < metrics[f'{prefix}/PSNR'] < 100, metrics


def _docs():
    with open(osp.join(REPO, 'docs', 'mixing.md')) as f:
        return f.read()


def test_docs_show_the_tested_example_parts_and_configs():
    """docs/mixing.md shows the example parts as the tests run them, and
    each config of configs/mixing/ as it is."""
    import inspect
    import textwrap

    from . import example_parts
    docs = _docs()
    for cls in (example_parts.GatedAdjacentFetch, example_parts.MeanSelection):
        source = inspect.getsource(cls)  # with its decorator
        assert textwrap.indent(source, '   ', lambda line: line.strip()) \
            in docs, cls.__name__
    for name in ('sfnet_resblocks-fe_4xb6-600k_vimeo90k-bi.py',
                 'sfnet_flow-guided-af_4xb6-600k_vimeo90k-bi.py'):
        with open(osp.join(MIXING, name)) as f:
            config = f.read()
        assert config[config.index('model = dict('):] in docs, name


def test_docs_example_ds_runs_in_sfnet():
    import torch
    from mmagic.registry import MODELS

    from sfvsr_plugin.testing import tiny_sfnet_cfg
    from . import example_parts  # noqa: F401  (registers the example)
    net = MODELS.build(
        tiny_sfnet_cfg(dynamic_selection=dict(type='MeanSelection')))
    ds = net.forward_module.dynamic_selection
    assert type(ds).__name__ == 'MeanSelection' and ds.num_candidates == 4
    out = net(torch.rand(1, 3, 3, 8, 8))
    assert out.shape == (1, 5, 3, 32, 32)
    out.abs().mean().backward()
    for name, p in ds.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
