import os.path as osp

import pytest
from mmagic.registry import DATASETS
from mmengine.config import Config

CFG_DIR = osp.join(
    osp.dirname(__file__), '..', '..', 'configs', '_base_', 'datasets')
FORBIDDEN = {'model', 'train_cfg', 'val_cfg', 'test_cfg', 'default_hooks'}


def build_all(cfg, roots):
    """Datasets of every dataloader, data_root replaced by ``roots``.

    The stand-ins are small: their lists are not the published sizes, and
    every 3rd clip (not every 100th) is held out for validation.
    """
    loaders = [('train', cfg.train_dataloader)]
    loaders += [(f'val{i}', d) for i, d in enumerate(cfg.val_dataloader)]
    loaders += [(f'test{i}', d) for i, d in enumerate(cfg.test_dataloader)]
    out = {}
    for name, loader in loaders:
        ds_cfg = loader.dataset.copy()
        ds_cfg.data_root = roots[ds_cfg.type]
        ds_cfg.check_published = False
        if ds_cfg.get('holdout'):
            assert ds_cfg.holdout_every == 100
            ds_cfg.holdout_every = 3
        out[name] = DATASETS.build(ds_cfg)
    return out


def _prefixes(evaluators):
    return [sorted({m.prefix for m in e.metrics})[0] for e in evaluators]


def test_stvsr_config(vimeo_root, vid4_root):
    cfg = Config.fromfile(osp.join(CFG_DIR, 'vimeo90k_septuplet_stvsr.py'))
    assert not FORBIDDEN & set(cfg.keys())
    assert cfg.train_dataloader.batch_size == 6
    # validation (and checkpoint selection) on held-out training clips only
    assert len(cfg.val_dataloader) == len(cfg.val_evaluator) == 1
    assert _prefixes(cfg.val_evaluator) == ['vimeo-val']
    assert cfg.val_dataloader[0].dataset.ann_file == 'sep_trainlist.txt'
    assert cfg.val_dataloader[0].dataset.holdout == 'val'
    assert cfg.train_dataloader.dataset.holdout == 'train'
    assert len(cfg.test_dataloader) == len(cfg.test_evaluator) == 4
    assert _prefixes(cfg.test_evaluator) == [
        'vimeo-fast', 'vimeo-medium', 'vimeo-slow', 'vid4'
    ]
    for e in cfg.val_evaluator + cfg.test_evaluator:
        assert {m.convert_to for m in e.metrics} == {'Y'}
    cfg.train_dataloader.dataset.pipeline[4].gt_patch_size = 32
    ds = build_all(
        cfg, dict(STVSRVimeo90KDataset=vimeo_root, STVSRVid4Dataset=vid4_root))
    out = ds['train'][0]
    assert out['inputs'].shape == (4, 3, 8, 8)
    assert out['data_samples'].gt_img.shape == (7, 3, 32, 32)
    train_keys = {ds['train'].get_data_info(i)['key'] for i in range(4)}
    val_keys = {ds['val0'].get_data_info(i)['key'] for i in range(2)}
    assert len(ds['train']) == 4 and len(ds['val0']) == 2
    assert not train_keys & val_keys
    # Vid4: 4 clips and the pass that covers city's last frame
    assert [len(ds[f'test{i}']) for i in range(4)] == [2, 2, 2, 5]
    out = ds['test3'][0]  # Vid4 calendar, 41 frames
    assert out['inputs'].shape == (21, 3, 8, 16)
    assert out['data_samples'].gt_img.shape == (41, 3, 32, 64)
    assert out['data_samples'].metainfo['inserted_frame_indices'][-1] == 39


def test_stvsr_config_lr_on_the_fly_pipeline(vimeo_root):
    cfg = Config.fromfile(osp.join(CFG_DIR, 'vimeo90k_septuplet_stvsr.py'))
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.update(
        data_root=vimeo_root,
        data_prefix=dict(gt='sequences'),
        pipeline=cfg.lr_on_the_fly_train_pipeline)
    ds_cfg.pipeline[4].gt_patch_size = 32
    out = DATASETS.build(ds_cfg)[0]
    assert out['inputs'].shape == (4, 3, 8, 8)
    assert out['data_samples'].gt_img.shape == (7, 3, 32, 32)


def test_vid4_window_config(vimeo_root, vid4_root):
    cfg = Config.fromfile(osp.join(CFG_DIR, 'vid4_window_stvsr.py'))
    assert len(cfg.test_dataloader) == len(cfg.test_evaluator) == 1
    ds = build_all(
        cfg, dict(STVSRVimeo90KDataset=vimeo_root, STVSRVid4Dataset=vid4_root))
    assert len(ds['test0']) == 29
    assert ds['test0'][0]['inputs'].shape == (4, 3, 8, 16)


@pytest.mark.parametrize('name', ['svsr', 'tvsr'])
def test_svsr_and_tvsr_configs(name, vimeo_root, vid4_root, triplet_root):
    file = 'vimeo90k_septuplet_svsr.py' if name == 'svsr' else \
        'vimeo90k_triplet_tvsr.py'
    cfg = Config.fromfile(osp.join(CFG_DIR, file))
    assert not FORBIDDEN & set(cfg.keys())
    assert len(cfg.val_dataloader) == len(cfg.val_evaluator) == 1
    assert cfg.val_dataloader[0].dataset.holdout == 'val'
    assert cfg.train_dataloader.dataset.holdout == 'train'
    assert len(cfg.test_dataloader) == len(cfg.test_evaluator)
    # T-VSR is scored on RGB, as interpolation papers do; S-VSR on Y
    colour = {
        m.convert_to
        for e in cfg.val_evaluator + cfg.test_evaluator
        for m in e.metrics
    }
    assert colour == ({None} if name == 'tvsr' else {'Y'})
    vimeo = vimeo_root if name == 'svsr' else triplet_root
    cfg.train_dataloader.dataset.pipeline[4].gt_patch_size = 32
    ds = build_all(
        cfg, dict(STVSRVimeo90KDataset=vimeo, STVSRVid4Dataset=vid4_root))
    train, val = ds['train'][0], ds['val0'][0]
    if name == 'svsr':
        assert train['inputs'].shape == (7, 3, 8, 8)
        assert train['data_samples'].gt_img.shape == (7, 3, 32, 32)
        assert ds['test1'][1]['inputs'].shape == (34, 3, 8, 16)
    else:
        assert train['inputs'].shape == (2, 3, 32, 32)
        assert train['data_samples'].gt_img.shape == (3, 32, 32)
        assert val['data_samples'].gt_img.shape == (3, 32, 64)
