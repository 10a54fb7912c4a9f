"""Every config in configs/ loads, builds its model, and names only
registered datasets, transforms, metrics and hooks."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    p for p in glob.glob(
        osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p)


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


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_config_loads_and_builds(path):
    from mmagic.registry import DATASETS, HOOKS, METRICS, MODELS
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmagic'
    assert 'sfvsr_plugin' in cfg.custom_imports['imports']
    model = MODELS.build(cfg.model)
    assert type(model).__name__ in ('SFVSR', 'BasicVSR')
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params > 0

    loaders = [('train', cfg.train_dataloader)]
    loaders += [('val', d) for d in _as_list(cfg.val_dataloader)]
    loaders += [('test', d) for d in _as_list(cfg.test_dataloader)]
    for split, loader in loaders:
        ds = loader['dataset']
        assert DATASETS.get(ds['type']) is not None, ds['type']
        _check_pipeline(ds['pipeline'], f'{osp.basename(path)} {split}')
    evaluators = _as_list(cfg.val_evaluator) + _as_list(cfg.test_evaluator)
    assert len(_as_list(cfg.val_evaluator)) == len(
        _as_list(cfg.val_dataloader))
    for ev in evaluators:
        metrics = ev['metrics'] if ev.get('type') == 'Evaluator' else [ev]
        for m in _as_list(metrics):
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
