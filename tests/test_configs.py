"""Every config in configs/ loads, builds its model, and names only
registered datasets, transforms, metrics and hooks; the metafile.yml and
README.md of configs/sfnet/ and configs/mixing/ list exactly these configs;
a user's own config reaches the plugin through MMagic's base and
``custom_imports``."""
import glob
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch
import yaml
from mmengine.config import Config
from mmengine.registry import DefaultScope, init_default_scope

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    p for p in glob.glob(
        osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p)
SFNET_DIR = osp.join(REPO, 'configs', 'sfnet')
with open(osp.join(SFNET_DIR, 'metafile.yml')) as f:
    METAFILE = yaml.safe_load(f)
#: configs that mix SFNet's parts with MMagic's (docs/mixing.md)
MIXING_DIR = osp.join(REPO, 'configs', 'mixing')
with open(osp.join(MIXING_DIR, 'metafile.yml')) as f:
    MIXING_METAFILE = yaml.safe_load(f)
#: each metafile with the config folder it lists
METAFILES = [(SFNET_DIR, METAFILE), (MIXING_DIR, MIXING_METAFILE)]
META_MODELS = {m['Config']: m for _, meta in METAFILES for m in meta['Models']}
# each mixing config and the MMagic config it inherits
MIXING_BASES = {
    'configs/mixing/basicvsr-pp-sfmem_c64n7_4xb2-300k_vimeo90k-bi.py':
    'basicvsr_pp/basicvsr-pp_c64n7_4xb2-300k_vimeo90k-bi.py',
    'configs/mixing/sfnet-tvsr_basicinterpolator_vimeo90k-triplet.py':
    'cain/cain_g1b32_1xb5_vimeo90k-triplet.py',
}
# configs outside configs/sfnet/, by the config they name
ALIASES = {
    'configs/sfnet_vimeo.py': 'configs/sfnet/sfnet_4xb6-600k_vimeo90k-bi.py'
}
USER_CFG = osp.join(
    osp.dirname(__file__), 'data', 'configs', 'tiny_sfnet_mmagic.py')


def _rel(path):
    return osp.relpath(path, REPO).replace(osp.sep, '/')


def _as_list(x):
    return x if isinstance(x, (list, tuple)) else [x]


def _check_pipeline(pipeline, where):
    from mmagic.registry import TRANSFORMS
    for t in pipeline:
        assert TRANSFORMS.get(t['type']) is not None, \
            f'{where}: transform {t["type"]} is not registered'


def test_there_are_configs_for_every_experiment():
    names = {osp.relpath(p, osp.join(REPO, 'configs')) for p in CONFIGS}
    assert 'sfnet_vimeo.py' in names
    assert len([n for n in names if n.startswith('sfnet/ablations/')]) == 7
    assert any('svsr' in n for n in names) and any('tvsr' in n for n in names)
    assert any('ft64' in n for n in names)


def _per_loader(evaluator, loader):
    """One evaluator per dataloader: a list of them with a list of loaders
    (MMagic's multi-loader loops), else the evaluator itself."""
    if isinstance(loader, (list, tuple)):
        assert isinstance(evaluator, (list, tuple))
        assert len(evaluator) == len(loader)
        return list(evaluator)
    return [evaluator]


def _metrics_of(evaluator):
    """The metric configs of an evaluator: ``dict(type='Evaluator',
    metrics=...)``, one metric, or a list of metrics (MMagic's form)."""
    if isinstance(evaluator, dict):
        if evaluator.get('type') == 'Evaluator':
            return _as_list(evaluator['metrics'])
        return [evaluator]
    return list(evaluator)


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_config_loads_and_builds(path):
    from mmagic.registry import DATASETS, HOOKS, METRICS, MODELS
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmagic'
    assert 'sfvsr_plugin' in cfg.custom_imports['imports']
    model = MODELS.build(cfg.model)
    assert type(model).__name__ in ('SFVSR', 'BasicVSR', 'BasicInterpolator')
    # the count the metafile (and the README) gives for this config
    rel = ALIASES.get(_rel(path), _rel(path))
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == META_MODELS[rel]['Metadata']['Parameters']

    loaders = [('train', cfg.train_dataloader)]
    loaders += [('val', d) for d in _as_list(cfg.val_dataloader)]
    loaders += [('test', d) for d in _as_list(cfg.test_dataloader)]
    for split, loader in loaders:
        ds = loader['dataset']
        assert DATASETS.get(ds['type']) is not None, ds['type']
        _check_pipeline(ds['pipeline'], f'{osp.basename(path)} {split}')
    evaluators = _per_loader(cfg.val_evaluator, cfg.val_dataloader) + \
        _per_loader(cfg.test_evaluator, cfg.test_dataloader)
    for ev in evaluators:
        for m in _metrics_of(ev):
            assert METRICS.get(m['type']) is not None, m['type']
    for hook in cfg.get('custom_hooks', []):
        assert HOOKS.get(hook['type']) is not None, hook['type']


def test_paper_recipe_in_main_config():
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'sfnet_vimeo.py'))
    assert cfg.train_cfg.max_iters == 600_000
    assert cfg.optim_wrapper.optimizer.type == 'Adamax'
    assert cfg.optim_wrapper.optimizer.lr == 1e-3
    sched = cfg.param_scheduler
    assert sched.type == 'CosineAnnealingLR' and sched.eta_min == 1e-7
    assert cfg.train_dataloader.batch_size == 6  # x 4 GPUs = 24
    crop = [
        t for t in cfg.train_dataloader.dataset.pipeline
        if t['type'] == 'PairedRandomCrop'
    ]
    assert crop and crop[0]['gt_patch_size'] == 128  # 32x32 LR patches
    types = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    for aug in ('Flip', 'RandomTransposeHW', 'TemporalReverse'):
        assert aug in types
    ft = Config.fromfile(
        osp.join(REPO, 'configs', 'sfnet',
                 'sfnet_4xb6-150k-ft64_vimeo90k-bi.py'))
    crop = [
        t for t in ft.train_dataloader.dataset.pipeline
        if t['type'] == 'PairedRandomCrop'
    ]
    assert crop[0]['gt_patch_size'] == 256  # 64x64 LR patches
    # everything else of the pipeline is the main config's
    assert [t['type'] for t in ft.train_dataloader.dataset.pipeline] == types


def _prefixes(evaluators):
    return {
        m['prefix']
        for ev in _as_list(evaluators)
        for m in _as_list(ev['metrics'])
    }


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_checkpoints_are_never_selected_on_a_test_set(path):
    if _rel(path) in MIXING_BASES:
        pytest.skip('keeps the data protocol of the MMagic config it '
                    'inherits (test_mixing_configs_change_only_the_generator)')
    cfg = Config.fromfile(path)
    save_best = cfg.default_hooks.checkpoint.get('save_best')
    if save_best:
        prefix = save_best.split('/')[0]
        assert prefix in _prefixes(cfg.val_evaluator)
        assert prefix not in _prefixes(cfg.test_evaluator)
    if 'demo' in path:  # its own held-apart frames, no selection
        assert not save_best
        return
    # validation data is held out of training; tests are not validated on
    assert not _prefixes(cfg.val_evaluator) & _prefixes(cfg.test_evaluator)
    assert cfg.train_dataloader.dataset.holdout == 'train'
    for loader in _as_list(cfg.val_dataloader):
        ds = loader['dataset']
        assert ds['holdout'] == 'val'
        assert ds['ann_file'] == cfg.train_dataloader.dataset.ann_file


def _resolved(path, drop=('experiment_name', 'work_dir')):
    cfg = Config.fromfile(osp.join(REPO, path)).to_dict()
    return {k: v for k, v in cfg.items() if k not in drop}


def test_short_name_is_the_main_config():
    for short, target in ALIASES.items():
        assert _resolved(short) == _resolved(target)


def test_300k_config_is_the_600k_recipe_on_the_300k_schedule():
    """Tables 4 and 5 differ from Table 1's recipe only in the schedule."""
    main = _resolved('configs/sfnet/sfnet_4xb6-600k_vimeo90k-bi.py')
    short = _resolved('configs/sfnet/sfnet_4xb6-300k_vimeo90k-bi.py')
    schedule = [(short, 'max_iters'), (short['train_cfg'], 'max_iters'),
                (short['param_scheduler'], 'T_max')]
    for where, key in schedule:
        assert where[key] == 300_000
        where[key] = 600_000
    assert short == main


@pytest.mark.parametrize('folder,metafile', METAFILES, ids=['sfnet', 'mixing'])
def test_metafile_lists_exactly_the_configs_of_its_folder(folder, metafile):
    """configs/sfnet/metafile.yml (MMagic's schema) names every config under
    configs/sfnet/, ablations included, once, and nothing else; so does
    configs/mixing/metafile.yml for configs/mixing/."""
    existing = sorted(
        _rel(p)
        for p in glob.glob(osp.join(folder, '**', '*.py'), recursive=True))
    listed = [m['Config'] for m in metafile['Models']]
    assert sorted(listed) == existing
    assert len(set(listed)) == len(listed)
    for alias, target in ALIASES.items():
        assert osp.isfile(osp.join(REPO, alias)) and target in META_MODELS
    with open(osp.join(REPO, 'model-index.yml')) as f:  # where mim looks
        assert yaml.safe_load(f) == {
            'Import':
            ['configs/sfnet/metafile.yml', 'configs/mixing/metafile.yml']
        }
    (collection, ) = metafile['Collections']
    assert osp.isfile(osp.join(REPO, collection['README']))
    for m in metafile['Models']:
        assert osp.isfile(osp.join(REPO, m['Config'])), m['Config']
        assert m['Name'] == osp.splitext(osp.basename(m['Config']))[0]
        assert m['In Collection'] == collection['Name']
        assert m['Metadata']['Training Data']
        assert m['Weights'] is None  # there are no public weights
        for r in m['Results']:
            assert set(r) == {'Task', 'Dataset', 'Metrics'}, m['Name']
            assert all(isinstance(v, float) for v in r['Metrics'].values())


def _fmt(value):
    return f'{value:.2f}' if value > 1 else f'{value:.3f}'


@pytest.mark.parametrize('folder,metafile', METAFILES, ids=['sfnet', 'mixing'])
def test_readme_gives_the_metafile_numbers_beside_each_config(
        folder, metafile):
    """The README.md table row of a config (configs/sfnet/,
    configs/mixing/) carries the same paper numbers and parameter count as
    the metafile."""
    with open(osp.join(folder, 'README.md')) as f:
        readme = f.read()
    for m in metafile['Models']:
        link = f'[{m["Name"]}]('
        assert link in readme, m['Name']
        rows = [
            line for line in readme.splitlines()
            if line.startswith('|') and link in line
        ]
        if not rows:  # the demo: described in prose, measured by us
            assert not m['Results'], m['Name']
            continue
        (row, ) = rows
        assert f'{m["Metadata"]["Parameters"] / 1e6:.2f}M' in row, row
        for r in m['Results']:
            for value in r['Metrics'].values():
                assert _fmt(value) in row, (m['Name'], value)


def test_readme_quotes_our_measurements_from_the_docs():
    """Every figure under "What we measured ourselves" is in the file the
    README points to (docs/demo/results.md, docs/inference.md), or is a
    parameter count of the metafile."""
    with open(osp.join(SFNET_DIR, 'README.md')) as f:
        readme = f.read()
    section = readme.split('## What we measured ourselves')[1]
    section = section.split('\n## ')[0]
    sources = ''
    for doc in ('docs/demo/results.md', 'docs/inference.md'):
        assert doc in section
        with open(osp.join(REPO, doc)) as f:
            sources += f.read()
    params = {
        f'{m["Metadata"]["Parameters"] / 1e6:.2f}'
        for m in METAFILE['Models']
    }
    figures = re.findall(r'(\d+\.\d+)(M?)', section)
    assert len(figures) >= 5
    for number, unit in figures:
        if unit == 'M':
            assert number in params, number
        else:
            assert number in sources, number


def test_config_with_custom_imports_and_mmagic_base_builds():
    """A user's config: MMagic's runtime base, the plugin by custom_imports
    (was tests/test_config.py)."""
    cfg = Config.fromfile(USER_CFG)
    assert cfg.default_scope == 'mmagic'
    assert 'default_hooks' in cfg  # came from mmagic::_base_/default_runtime
    init_default_scope(cfg.default_scope)
    from mmagic.registry import MODELS
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'SFNet'
    assert model(torch.rand(1, 2, 3, 8, 8)).shape == (1, 3, 3, 32, 32)
    assert DefaultScope.get_current_instance().scope_name == 'mmagic'


def test_custom_imports_alone_registers_the_plugin():
    """A fresh interpreter that never imports sfvsr_plugin itself (was
    tests/test_config.py)."""
    code = ('from mmengine.config import Config\n'
            'from mmagic.registry import MODELS\n'
            f'cfg = Config.fromfile({USER_CFG!r})\n'
            "print(MODELS.get('SFNet').__module__)\n")
    out = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         check=True).stdout
    assert out.strip() == 'sfvsr_plugin.models.sfnet'


def _without_scope(cfg):
    if isinstance(cfg, dict):
        return {k: _without_scope(v) for k, v in cfg.items() if k != '_scope_'}
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(_without_scope(v) for v in cfg)
    return cfg


def test_mixing_configs_change_only_the_generator():
    """Each config of MIXING_BASES (SFNet's parts in MMagic's networks and
    pipelines) is in configs/mixing/ and its metafile, and is the MMagic
    config it inherits with another generator (and, for the interpolator,
    the generic editor): the same data, pipelines, loss, schedule and
    metrics. The other mixing configs put MMagic's parts into SFNet and
    inherit SFNet's recipe (test_mixing_parts_e2e)."""
    import mmagic
    existing = sorted(_rel(p) for p in glob.glob(osp.join(MIXING_DIR, '*.py')))
    assert set(MIXING_BASES) <= set(existing)
    assert set(MIXING_BASES) <= {
        m['Config']
        for m in MIXING_METAFILE['Models']
    }
    with open(osp.join(MIXING_DIR, 'README.md')) as f:
        readme = f.read()
    mmagic_configs = osp.join(osp.dirname(mmagic.__file__), '.mim', 'configs')
    ours = ('custom_imports', 'experiment_name', 'work_dir')
    for path, base in MIXING_BASES.items():
        # mmengine marks what a config inherits through 'mmagic::' with
        # _scope_='mmagic'
        mixed = _without_scope(_resolved(path, drop=ours))
        original = _resolved(osp.join(mmagic_configs, base), drop=ours)
        mixed_model, original_model = mixed.pop('model'), original.pop('model')
        assert mixed == original, path
        assert mixed_model.pop('generator') != original_model.pop('generator')
        if mixed_model['type'] != original_model['type']:
            assert mixed_model.pop('type') == 'BasicInterpolator'
            assert original_model.pop('type') in ('CAIN', 'FLAVR')
        assert mixed_model == original_model, path
        # the README gives the metafile's parameter count beside it
        (row, ) = [
            line for line in readme.splitlines() if line.startswith('|')
            and f'[{osp.splitext(osp.basename(path))[0]}](' in line
        ]
        params = META_MODELS[path]['Metadata']['Parameters']
        assert f'{params / 1e6:.2f}M' in row, row
