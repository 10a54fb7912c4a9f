"""The configs/mixing/ combinations through tools/train.py and tools/test.py.

Each tiny config inherits the real one (which inherits MMagic's own), so
MMagic's datasets, pipelines, editors, loops and metrics are the ones
users run; only sizes, data roots and the stand-in file lists change.
"""
import json
import math
import os.path as osp
import sys

import pytest
import torch

from sfvsr_plugin.testing import (make_vid4_stand_in,
                                  make_vimeo_septuplet_stand_in,
                                  make_vimeo_triplet_stand_in, tiny_sfnet_cfg)
from tests.test_tools.test_train_e2e import REPO, losses, run

MIXING = osp.join(REPO, 'configs', 'mixing')
BASICVSR_PP_CFG = osp.join(MIXING,
                           'basicvsr-pp-sfmem_c64n7_4xb2-300k_vimeo90k-bi.py')
INTERPOLATOR_CFG = osp.join(
    MIXING, 'sfnet-tvsr_basicinterpolator_vimeo90k-triplet.py')

# MMagic's BasicVSR++ Vimeo90K recipe at test size. SPyNet needs LR frames
# of 64x64 at least, so the stand-in GT is 256x256; 3 frames a clip
# (6 after MMagic's MirrorSequence) instead of 7.
BASICVSR_PP_TINY = '''
_base_ = [{main!r}]
model = dict(generator=dict(
    mid_channels=8, num_blocks=1,
    memory=dict(distant_fetch=dict(key_channels=8),
                dynamic_selection=dict(num_blocks=1))))
frames = ['im1.png', 'im2.png', 'im3.png']
vimeo = dict(data_root={vimeo!r}, ann_file='sep_trainlist.txt',
             data_prefix=dict(img='sequences_BIx4', gt='sequences'))
train_dataloader = dict(
    batch_size=1, num_workers=0,
    dataset=dict(num_input_frames=3, fixed_seq_len=3,
                 load_frames_list=dict(img=frames, gt=frames), **vimeo))
val_dataloader = dict(num_workers=0, dataset=dict(data_root={vid4!r}))
# of MMagic's six test sets, the two with BI degradation that have
# stand-ins: Vimeo-90K-T and Vid4
test_dataloader = [
    dict(_base_.test_dataloader[2], num_workers=0,
         dataset=dict(_base_.test_dataloader[2]['dataset'], **dict(
             vimeo, ann_file='sep_testlist.txt'))),
    dict(_base_.test_dataloader[5], num_workers=0,
         dataset=dict(_base_.test_dataloader[5]['dataset'],
                      data_root={vid4!r})),
]
test_evaluator = [_base_.test_evaluator[2], _base_.test_evaluator[5]]
train_cfg = dict(max_iters=2, val_interval=2)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=2, out_dir=None))
'''

# MMagic's CAIN recipe (epochs, ReduceLR on the validation MAE) at test
# size: 4 triplets of 64x32, 32x32 crops, one epoch of 2 batches of 2.
INTERPOLATOR_TINY = '''
_base_ = [{main!r}]
model = dict(generator=dict(sfnet={sfnet!r}))
train_pipeline = [
    dict(t, crop_size=(32, 32)) if t['type'] == 'FixedCrop' else t
    for t in _base_.train_pipeline
]
train_dataloader = dict(
    batch_size=2, num_workers=0,
    dataset=dict(data_root={root!r}, pipeline=train_pipeline))
val_dataloader = dict(num_workers=0, dataset=dict(data_root={root!r}))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(out_dir=None))
'''


@pytest.fixture(scope='module')
def vsr_data(tmp_path_factory):
    root = tmp_path_factory.mktemp('mixing_vsr_data')
    vimeo, vid4 = str(root / 'vimeo90k'), str(root / 'Vid4')
    make_vimeo_septuplet_stand_in(vimeo, num_clips=3, gt_size=(256, 256))
    make_vid4_stand_in(
        vid4, clip_lengths=dict(calendar=3, city=3), gt_size=(256, 256))
    return vimeo, vid4


def train_and_test(cfg, tmp_path, checkpoint):
    work_dir = str(tmp_path / 'work')
    run([sys.executable, 'tools/train.py', cfg, '--work-dir', work_dir])
    ckpt = osp.join(work_dir, checkpoint)
    assert osp.isfile(ckpt), ckpt
    out = tmp_path / 'metrics.json'
    run([
        sys.executable, 'tools/test.py', cfg, ckpt, '--work-dir',
        str(tmp_path / 'test'), '--out',
        str(out)
    ])
    from sfvsr_plugin.checkpoint import load_weights_only
    weights = load_weights_only(ckpt, map_location='cpu')['state_dict']
    return losses(work_dir), weights, json.loads(out.read_text())


def test_basicvsr_pp_with_memory_trains_and_tests(vsr_data, tmp_path):
    vimeo, vid4 = vsr_data
    cfg = tmp_path / 'tiny_basicvsr_pp_sfmem.py'
    cfg.write_text(
        BASICVSR_PP_TINY.format(main=BASICVSR_PP_CFG, vimeo=vimeo, vid4=vid4))
    logged, weights, metrics = train_and_test(str(cfg), tmp_path, 'iter_2.pth')
    assert sorted(logged) == [1, 2]
    assert all(math.isfinite(v) for v in logged.values())
    # the trained generator is BasicVSR++ with a memory in every branch
    for branch in ('backward_1', 'forward_1', 'backward_2', 'forward_2'):
        assert any(
            k.startswith(f'generator.memory.{branch}.distant_fetch.')
            for k in weights), branch
        assert f'generator.deform_align.{branch}.weight' in weights
    # MMagic's metrics, under MMagic's prefixes
    assert set(metrics) == {
        f'{p}/{m}'
        for p in ('Vimeo-90K-T-BIx4-Y', 'VID4-BIx4-Y')
        for m in ('PSNR', 'SSIM')
    }
    for name, value in metrics.items():
        assert 0 < value < (100 if 'PSNR' in name else 1.0001), name


def test_sfnet_in_mmagic_interpolation_pipeline_trains_and_tests(tmp_path):
    root = str(tmp_path / 'vimeo_triplet')
    make_vimeo_triplet_stand_in(root, num_clips=4, gt_size=(64, 32))
    sfnet = dict(tiny_sfnet_cfg(upscale_factor=1), _delete_=True)
    cfg = tmp_path / 'tiny_sfnet_interpolator.py'
    cfg.write_text(
        INTERPOLATOR_TINY.format(
            main=INTERPOLATOR_CFG, sfnet=sfnet, root=root))
    logged, weights, metrics = train_and_test(
        str(cfg), tmp_path, 'epoch_1.pth')
    assert len(logged) == 2  # 1 epoch of 2 batches
    assert all(math.isfinite(v) for v in logged.values())
    assert weights and all(k.startswith('generator.sfnet.') for k in weights)
    # MMagic's VFI metrics, unchanged: MAE, PSNR, SSIM on RGB
    assert set(metrics) == {'MAE', 'PSNR', 'SSIM'}, metrics
    assert 0 < metrics['PSNR'] < 100 and 0 < metrics['SSIM'] <= 1
    assert 0 < metrics['MAE'] < 1
    assert torch.isfinite(torch.tensor(list(metrics.values()))).all()
