"""tools/dist_test.sh with 2 processes (gloo on CPU) scores every clip and
gives the metrics of tools/test.py with 1 process; --out writes the
per-clip and per-frame scores next to the averages."""
import json
import os
import subprocess
import sys

import pytest
import torch

from sfvsr_plugin.testing import (make_vid4_stand_in,
                                  make_vimeo_septuplet_stand_in)
from .test_train_e2e import MAIN_CFG, REPO, TINY_MODEL

CFG = '''
_base_ = [{main!r}]
{tiny_model}# the stand-ins reuse the published list names with fewer clips
test_dataloader = [
    dict(_base_.vimeo_dataloaders[0], num_workers=0,
         dataset=dict(_base_.vimeo_dataloaders[0]['dataset'],
                      data_root={vimeo!r}, ann_file='sep_testlist.txt',
                      check_published=False)),
    dict(_base_.vid4_window_dataloader, num_workers=0,
         dataset=dict(_base_.vid4_window_dataloader['dataset'],
                      data_root={vid4!r}, check_published=False)),
]
test_evaluator = [
    dict(e, metrics=[dict(m, prefix=prefix) for m in e['metrics']])
    for e, prefix in zip(_base_.test_evaluator[:2], ['vimeo', 'vid4-window'])
]
custom_hooks = []
'''


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp('dist_test')
    vimeo, vid4 = str(root / 'vimeo'), str(root / 'Vid4')
    make_vimeo_septuplet_stand_in(vimeo, num_clips=5, gt_size=(64, 32))
    # windows at 0 and 2 (calendar), 0 and 1 (city): 17 GT frames
    make_vid4_stand_in(
        vid4, clip_lengths=dict(calendar=9, city=8), gt_size=(64, 32))
    cfg_path = root / 'tiny_test.py'
    cfg_path.write_text(
        CFG.format(
            main=MAIN_CFG, tiny_model=TINY_MODEL, vimeo=vimeo, vid4=vid4))
    from mmagic.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    cfg = Config.fromfile(str(cfg_path))
    torch.manual_seed(1)
    with DefaultScope.overwrite_default_scope('mmagic'):
        model = MODELS.build(cfg.model)
    ckpt = str(root / 'random.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    return str(cfg_path), ckpt, root


def _env():
    return dict(
        os.environ,
        PYTHONPATH=REPO,
        OMP_NUM_THREADS='1',
        PORT=str(29600 + os.getpid() % 1000))


def test_two_processes_score_every_clip_like_one(setup):
    cfg, ckpt, root = setup
    outs = {}
    for name, cmd in (
        ('one', [sys.executable, 'tools/test.py', cfg, ckpt]),
        ('two', ['bash', 'tools/dist_test.sh', cfg, ckpt, '2']),
    ):
        out = str(root / f'{name}.json')
        proc = subprocess.run(
            cmd + ['--work-dir', str(root / name), '--out', out],
            cwd=REPO,
            env=_env(),
            capture_output=True,
            text=True)
        assert proc.returncode == 0, proc.stderr[-5000:]
        frames = out.replace('.json', '_frames.json')
        with open(out) as f, open(frames) as g:
            outs[name] = (json.load(f), json.load(g))
        if name == 'two':
            assert 'Distributed launcher: pytorch' in proc.stdout + \
                proc.stderr
    (one, one_frames), (two, two_frames) = outs['one'], outs['two']
    # shown with pytest -s: the figures the evaluation issue asked for
    for name, (metrics, frames) in outs.items():
        print(f'\n{name} process(es): ' +
              ', '.join(f'{k} {v:.6f}' for k, v in sorted(metrics.items())) +
              '; clips scored: ' +
              ', '.join(f'{k.split("/")[0]} {len(v["clips"])}'
                        for k, v in frames.items() if k.endswith('/PSNR')))
    assert set(one) == set(two) and len(one) == 12
    for k in one:
        assert two[k] == pytest.approx(one[k], abs=1e-6), k
    # every clip is scored: 5 Vimeo clips, and every Vid4 frame once
    for frames in (one_frames, two_frames):
        assert len(frames['vimeo/PSNR']['clips']) == 5
        assert {
            c: len(f)
            for c, f in frames['vimeo/PSNR']['frames'].items()
        } == {
            c: 7
            for c in frames['vimeo/PSNR']['clips']
        }
        vid4 = frames['vid4-window/PSNR']['frames']
        assert {
            c: sorted(map(int, f))
            for c, f in vid4.items()
        } == dict(
            calendar=list(range(9)), city=list(range(8)))
        inserted = frames['vid4-window/PSNR-inserted']['frames']
        # calendar: window 0 scores 0..6, window 2 adds 7 (inserted) and 8
        assert sorted(map(int, inserted['calendar'])) == [1, 3, 5, 7]
    for name, scores in one_frames.items():
        for clip, value in scores['clips'].items():
            assert two_frames[name]['clips'][clip] == pytest.approx(
                value, abs=1e-6)
