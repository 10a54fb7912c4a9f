"""Checkpoints written by mmengine's Runner load again under torch >= 2.6
with weights-only unpickling kept on (issue: `--resume`, `load_from`)."""
import os
import os.path as osp
import pickle

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint
from torch import nn
from torch.utils.data import Dataset

from sfvsr_plugin.checkpoint import (UnsafeCheckpointError,
                                     allow_checkpoint_globals,
                                     load_weights_only)


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.fc(inputs)
        if mode == 'loss':
            return dict(loss=(out - inputs.sum(1, keepdim=True)).pow(2).mean())
        return out


class ToyData(Dataset):
    metainfo = dict(name='toy', scale=4)

    def __len__(self):
        return 16

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        return dict(inputs=torch.randn(4, generator=g))


def make_runner(work_dir, max_iters, **kwargs):
    return Runner(
        model=ToyModel(),
        work_dir=work_dir,
        # a name of its own: two runners started in the same second would
        # otherwise share mmengine's logger and visualizer instances
        experiment_name=work_dir,
        train_dataloader=dict(
            dataset=ToyData(),
            batch_size=2,
            sampler=dict(type='DefaultSampler', shuffle=True),
            collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='Adamax', lr=1e-2)),
        param_scheduler=dict(
            type='CosineAnnealingLR',
            T_max=max_iters,
            eta_min=1e-7,
            by_epoch=False),
        train_cfg=dict(by_epoch=False, max_iters=max_iters, val_interval=100),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=2, by_epoch=False),
            logger=dict(type='LoggerHook', interval=1)),
        randomness=dict(seed=123),
        **kwargs)


def test_runner_checkpoint_resumes_under_weights_only(tmp_path):
    straight = make_runner(str(tmp_path / 'a'), 4)
    straight.train()
    final = {k: v.clone() for k, v in straight.model.state_dict().items()}
    ckpt = str(tmp_path / 'a' / 'iter_2.pth')
    # the file really holds mmengine's non-tensor objects
    raw = torch.load(ckpt, weights_only=False)
    assert type(raw['message_hub']['log_scalars']['train/loss']).__name__ \
        == 'HistoryBuffer'

    resumed = make_runner(str(tmp_path / 'b'), 4, resume=True, load_from=ckpt)
    resumed.train()
    assert resumed.iter == 4
    for k, v in resumed.model.state_dict().items():
        torch.testing.assert_close(v, final[k])
    # message hub came back with its HistoryBuffers
    hub = resumed.message_hub.get_scalar('train/loss')
    assert len(hub.data[0]) == 4


def test_load_from_only_loads_weights(tmp_path):
    """``load_from`` without ``resume`` takes the weights of a full training
    checkpoint and nothing else: iteration, logs and optimizer start anew."""
    make_runner(str(tmp_path / 'a'), 2).train()
    ckpt = str(tmp_path / 'a' / 'iter_2.pth')
    state = _load_checkpoint(ckpt, map_location='cpu')
    # the file holds more than weights
    assert set(state) >= {'meta', 'state_dict', 'message_hub', 'optimizer'}
    assert state['meta']['iter'] == 2 and state['optimizer']['state']

    runner = make_runner(str(tmp_path / 'b'), 1, load_from=ckpt)
    runner.load_or_resume()  # what runner.train() does first
    for k, v in runner.model.state_dict().items():
        torch.testing.assert_close(v, state['state_dict'][k])
    assert runner.iter == 0
    assert 'train/loss' not in runner.message_hub.log_scalars

    runner.train()  # one step: an optimizer resumed from iter 2 would say 3
    assert runner.iter == 1
    steps = [
        float(s['step'])
        for s in runner.optim_wrapper.optimizer.state.values()
    ]
    assert steps and set(steps) == {1.0}
    assert runner.message_hub.get_scalar('train/lr').data[0][0] == 1e-2


class NotAllowed:

    def __init__(self, x=1):
        self.x = x


class RunsCode:

    def __reduce__(self):
        return (os.system, ('echo this must never run', ))


def test_unexpected_global_is_refused_with_its_name(tmp_path):
    path = str(tmp_path / 'foreign.pth')
    torch.save({'state_dict': {}, 'meta': {'obj': NotAllowed()}}, path)
    name = f'{__name__}.NotAllowed'
    with pytest.raises(UnsafeCheckpointError) as info:
        _load_checkpoint(path)  # mmengine's path, as the Runner uses it
    msg = str(info.value)
    assert name in msg and 'allow_checkpoint_globals' in msg
    assert isinstance(info.value, pickle.UnpicklingError)

    allow_checkpoint_globals(name)  # the documented way out, for trusted files
    assert load_weights_only(path)['meta']['obj'].x == 1


def test_mmagic_reduce_lr_scheduler_state_loads(tmp_path):
    """MMagic's ReduceLR (the VFI recipes' scheduler) pickles a MessageHub
    into the checkpoint; its state comes back under weights-only."""
    from mmagic.engine.schedulers import ReduceLR
    from mmengine.logging import MessageHub
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1)
    scheduler = ReduceLR(optimizer, by_epoch=True)
    MessageHub.get_instance('reduce_lr').update_scalar('value', 0.5)
    path = str(tmp_path / 'vfi.pth')
    torch.save({'param_schedulers': [scheduler.state_dict()]}, path)
    (state, ) = _load_checkpoint(path)['param_schedulers']
    assert isinstance(state['message_hub'], MessageHub)
    assert state['message_hub'].get_scalar('value').current() == 0.5


def test_code_running_checkpoint_is_refused(tmp_path, capfd):
    path = str(tmp_path / 'evil.pth')
    torch.save({'meta': RunsCode()}, path)
    with pytest.raises(UnsafeCheckpointError, match='system'):
        _load_checkpoint(path)
    assert 'must never run' not in capfd.readouterr().out


def test_restricted_getattr_blocks_other_attributes(tmp_path):
    from mmengine.logging.history_buffer import HistoryBuffer

    class Sneaky:

        def __reduce__(self):
            return (getattr, (HistoryBuffer, '__init__'))

    path = str(tmp_path / 'sneaky.pth')
    torch.save({'meta': Sneaky()}, path)
    with pytest.raises(UnsafeCheckpointError, match="'__init__'"):
        _load_checkpoint(path)


def test_missing_checkpoint_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        _load_checkpoint(osp.join(str(tmp_path), 'nope.pth'))


def test_safe_globals_are_scoped_to_the_plugins_loads(tmp_path):
    """Importing the plugin and loading a Runner checkpoint leaves torch's
    process-wide allowlist as it was; plain torch.load still refuses what
    the plugin's loader accepts."""
    from mmengine.logging.history_buffer import HistoryBuffer

    from sfvsr_plugin import checkpoint
    before = list(torch.serialization.get_safe_globals())
    path = str(tmp_path / 'hub.pth')
    torch.save({'meta': {'hub': HistoryBuffer([1., 2.], [1, 1])}}, path)
    assert load_weights_only(path)['meta']['hub'].mean() == 1.5
    assert _load_checkpoint(path)['meta']['hub'].mean() == 1.5
    assert list(torch.serialization.get_safe_globals()) == before
    assert HistoryBuffer not in before
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    # allowed globals live in one list, restored after each test
    allow_checkpoint_globals(f'{__name__}.NotAllowed')
    assert NotAllowed in checkpoint.USER_ALLOWED_GLOBALS
    assert list(torch.serialization.get_safe_globals()) == before


def test_allowed_globals_do_not_leak_between_tests():
    from sfvsr_plugin import checkpoint
    assert NotAllowed not in checkpoint.USER_ALLOWED_GLOBALS


def test_mmagic_own_train_tool_resumes_our_config(tmp_path):
    """MMagic's tools/train.py (the copy its wheel ships) with a config that
    imports the plugin: a run to iteration 2, then --resume to 4."""
    import subprocess
    import sys

    import mmagic

    from .test_tools.test_train_e2e import REPO, write_cfg
    tool = osp.join(osp.dirname(mmagic.__file__), '.mim', 'tools', 'train.py')
    assert osp.isfile(tool)
    data_root = tmp_path / 'data'
    from sfvsr_plugin.testing import (make_vid4_stand_in,
                                      make_vimeo_septuplet_stand_in)
    vimeo, vid4 = str(data_root / 'vimeo'), str(data_root / 'vid4')
    make_vimeo_septuplet_stand_in(vimeo, num_clips=3, gt_size=(64, 32))
    make_vid4_stand_in(
        vid4, clip_lengths=dict(calendar=5, city=4), gt_size=(64, 32))
    work_dir = str(tmp_path / 'work')
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    for iters, extra in ((2, []), (4, ['--resume'])):
        cfg = write_cfg(
            tmp_path / f'cfg{iters}.py', (vimeo, vid4), iters=iters)
        proc = subprocess.run(
            [sys.executable, tool, cfg, '--work-dir', work_dir] + extra,
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True)
        assert proc.returncode == 0, proc.stderr[-4000:]
    assert 'resumed epoch: 0, iter: 2' in proc.stdout + proc.stderr
    assert osp.isfile(osp.join(work_dir, 'iter_4.pth'))
