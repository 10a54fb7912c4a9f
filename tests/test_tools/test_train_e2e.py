"""tools/train.py -> checkpoint -> tools/test.py --out, through MMagic's
Runner, on stand-ins in the Vimeo90K and Vid4 layouts; resuming a killed
run; and 2-process training equal to 1 process on the same global batch.

The tiny config inherits the paper's main config, so its pipelines,
metrics, loops and hooks are the ones users run; only sizes change.
"""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from sfvsr_plugin.testing import (TINY_SFNET, make_vid4_stand_in,
                                  make_vimeo_septuplet_stand_in)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MAIN_CFG = osp.join(REPO, 'configs', 'sfnet', 'sfnet_4xb6-600k_vimeo90k-bi.py')

# The paper's SFNet at test size, as a config override of the main config.
TINY_MODEL = f'''
model = dict(generator={TINY_SFNET!r})
'''

TINY_CFG = '''
_base_ = [{main!r}]
custom_imports = dict(
    imports=['sfvsr_plugin'] + {extra_imports!r}, allow_failed_imports=False)
data_root = {vimeo!r}
vid4_root = {vid4!r}
{tiny_model}train_pipeline = [
    dict(t, gt_patch_size=32) if t['type'] == 'PairedRandomCrop' else t
    for t in _base_.train_pipeline
]
train_dataloader = dict(
    batch_size={batch_size},
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root, holdout_every=3, pipeline={train_pipeline}))
# 3 clips: every 3rd one is held out for validation; the test lists are
# stand-ins with fewer clips than published
val_dataloader = [
    dict(d, num_workers=0,
         dataset=dict(d['dataset'], data_root=data_root, holdout_every=3))
    for d in _base_.val_dataloader
]
test_dataloader = [
    dict(d, num_workers=0,
         dataset=dict(d['dataset'], data_root=data_root,
                      check_published=False))
    for d in _base_.vimeo_dataloaders
] + [
    dict(_base_.vid4_dataloader, num_workers=0,
         dataset=dict(_base_.vid4_dataloader['dataset'], data_root=vid4_root,
                      check_published=False))
]
train_cfg = dict(max_iters={iters}, val_interval={iters})
param_scheduler = dict(T_max=4)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=2))
custom_hooks = [dict(type='BasicVisualizationHook', interval=1)] + {hooks!r}
visualizer = dict(vis_backends=[
    dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')])
'''


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp('e2e_data')
    vimeo = str(root / 'vimeo_septuplet')
    vid4 = str(root / 'Vid4')
    make_vimeo_septuplet_stand_in(vimeo, num_clips=3, gt_size=(64, 32))
    make_vid4_stand_in(
        vid4, clip_lengths=dict(calendar=5, city=4), gt_size=(64, 32))
    return vimeo, vid4


def write_cfg(path,
              data,
              iters=4,
              batch_size=2,
              hooks=(),
              deterministic=False,
              extra_imports=()):
    vimeo, vid4 = data
    # deterministic: no random augmentation (same samples in any split)
    train_pipeline = '_base_.val_pipeline' if deterministic else \
        'train_pipeline'
    path.write_text(
        TINY_CFG.format(
            main=MAIN_CFG,
            tiny_model=TINY_MODEL,
            vimeo=vimeo,
            vid4=vid4,
            iters=iters,
            batch_size=batch_size,
            train_pipeline=train_pipeline,
            hooks=list(hooks),
            extra_imports=list(extra_imports)))
    return str(path)


def run(args, **kwargs):
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    proc = subprocess.run(
        args, cwd=REPO, env=env, capture_output=True, text=True, **kwargs)
    if proc.returncode != 0 and kwargs.get('check', True):
        raise AssertionError(f'{args} failed:\n{proc.stdout[-3000:]}\n'
                             f'{proc.stderr[-5000:]}')
    return proc


def losses(work_dir):
    """(step, loss) of every logged iteration, from all runs in work_dir."""
    out = {}
    for path in sorted(
            glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if 'loss' in rec:
                    out[rec['step']] = rec['loss']
    return out


@pytest.fixture(scope='module')
def trained(data, tmp_path_factory):
    """4 iterations of tools/train.py, uninterrupted."""
    tmp = tmp_path_factory.mktemp('e2e_train')
    cfg = write_cfg(tmp / 'tiny.py', data)
    work_dir = str(tmp / 'work')
    run([sys.executable, 'tools/train.py', cfg, '--work-dir', work_dir])
    return cfg, work_dir


def test_train_then_test_writes_metrics(trained, tmp_path):
    cfg, work_dir = trained
    ckpt = osp.join(work_dir, 'iter_4.pth')
    assert osp.isfile(ckpt) and osp.isfile(osp.join(work_dir, 'iter_2.pth'))
    assert sorted(losses(work_dir)) == [1, 2, 3, 4]
    # validation at the end of training wrote LR | SFNet | GT pictures
    pictures = glob.glob(
        osp.join(work_dir, '*', 'vis_data', 'vis_image', '*.png'))
    assert len(pictures) >= 1, pictures  # one per validation clip at least
    # the best checkpoint is chosen on the held-out validation clips
    assert glob.glob(osp.join(work_dir, 'best_vimeo-val_PSNR_iter_*.pth'))
    # ... and sent them to TensorBoard
    from tensorboard.backend.event_processing.event_accumulator import \
        EventAccumulator
    events = glob.glob(
        osp.join(work_dir, '**', 'events.out.tfevents*'), recursive=True)
    assert events
    acc = EventAccumulator(osp.dirname(events[0]))
    acc.Reload()
    assert acc.Tags()['images'], acc.Tags()

    out = tmp_path / 'metrics.json'
    proc = run([
        sys.executable, 'tools/test.py', cfg, ckpt, '--work-dir',
        str(tmp_path / 'test'), '--out',
        str(out)
    ])
    metrics = json.loads(out.read_text())
    for prefix in ('vimeo-fast', 'vimeo-medium', 'vimeo-slow', 'vid4'):
        for name in ('PSNR', 'PSNR-inserted', 'PSNR-reconstructed', 'SSIM',
                     'SSIM-inserted', 'SSIM-reconstructed'):
            value = metrics[f'{prefix}/{name}']
            assert 0 < value < (100 if 'PSNR' in name else 1.0001), \
                (prefix, name, value)
    # per clip and frame, next to the averages: each Vid4 frame once
    frames = json.loads((tmp_path / 'metrics_frames.json').read_text())
    assert {
        c: len(f)
        for c, f in frames['vid4/PSNR']['frames'].items()
    } == dict(
        calendar=5, city=4)
    assert len(frames['vimeo-fast/SSIM-inserted']['clips']) == 1
    # the log reports the same numbers
    assert f"vid4/PSNR: {metrics['vid4/PSNR']:.4f}" in proc.stdout + \
        proc.stderr


def test_resume_after_kill_continues_with_the_same_losses(
        trained, data, tmp_path):
    _, ref_dir = trained
    reference = losses(ref_dir)
    cfg = write_cfg(
        tmp_path / 'killed.py',
        data,
        hooks=[dict(type='KillAfterIter', at_iter=2)],
        extra_imports=['tests.test_tools.kill_hook'])
    work_dir = str(tmp_path / 'work')
    proc = run([sys.executable, 'tools/train.py', cfg, '--work-dir', work_dir],
               check=False)
    assert proc.returncode == 17, proc.stderr[-3000:]  # killed by the hook
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))
    assert not osp.isfile(osp.join(work_dir, 'iter_4.pth'))
    assert sorted(losses(work_dir)) == [1, 2]

    # the same config without the kill hook, resumed from the work dir
    cfg = write_cfg(tmp_path / 'resumed.py', data)
    run([
        sys.executable, 'tools/train.py', cfg, '--work-dir', work_dir,
        '--resume'
    ])
    resumed = losses(work_dir)
    assert sorted(resumed) == [1, 2, 3, 4]
    for step in (1, 2, 3, 4):
        assert resumed[step] == pytest.approx(reference[step], rel=1e-5), step


def _weights(path):
    from sfvsr_plugin.checkpoint import load_weights_only
    return load_weights_only(path, map_location='cpu')['state_dict']


def test_two_processes_equal_one_on_the_same_global_batch(data, tmp_path):
    """tools/dist_train.sh CONFIG 2 on CPU (gloo): 1 sample per process
    gives the weights of 1 process with both samples after a step."""
    for name, batch in (('one', 2), ('first', 1)):
        cfg = write_cfg(
            tmp_path / f'{name}.py',
            data,
            iters=1,
            batch_size=batch,
            deterministic=True)
        run([
            sys.executable, 'tools/train.py', cfg, '--work-dir',
            str(tmp_path / name)
        ])
    cfg = write_cfg(
        tmp_path / 'two.py', data, iters=1, batch_size=1, deterministic=True)
    env = dict(
        os.environ,
        PYTHONPATH=REPO,
        OMP_NUM_THREADS='1',
        PORT=str(29500 + os.getpid() % 1000))
    proc = subprocess.run([
        'bash', 'tools/dist_train.sh', cfg, '2', '--work-dir',
        str(tmp_path / 'two')
    ],
                          cwd=REPO,
                          env=env,
                          capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr[-5000:]
    with open(glob.glob(str(tmp_path / 'two' / '*' / '*.log'))[0]) as f:
        log = f.read()
    assert "dist_cfg: {'backend': 'gloo'}" in log, log[:3000]
    assert 'Distributed launcher: pytorch' in log, log[:3000]

    one = _weights(str(tmp_path / 'one' / 'iter_1.pth'))
    two = _weights(str(tmp_path / 'two' / 'iter_1.pth'))
    first = _weights(str(tmp_path / 'first' / 'iter_1.pth'))
    assert one.keys() == two.keys()
    for k in one:
        torch.testing.assert_close(two[k], one[k], rtol=1e-4, atol=1e-5)
    # the comparison can fail: half the batch gives other weights
    assert max((first[k] - one[k]).abs().max() for k in one) > 1e-4


def test_bad_configs_and_checkpoints_are_one_line_errors(trained, tmp_path):
    """tools/test.py and tools/train.py refuse a missing or broken config and
    a missing, truncated or other-config checkpoint with one ``error:`` line
    and exit status 1, without a traceback; a checkpoint of another config
    names its first mismatching keys and the experiment that saved it
    (mmengine alone would load it in part and go on)."""
    from sfvsr_plugin.apis import init_model
    cfg, work_dir = trained
    ckpt = osp.join(work_dir, 'iter_4.pth')
    missing_cfg = tmp_path / 'missing.py'
    broken_cfg = tmp_path / 'broken.py'
    broken_cfg.write_text('model = dict(type=\n')
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(open(ckpt, 'rb').read()[:5000])
    # the same net with 16 channels, saved as tools/train.py saves
    other = init_model(cfg, cfg_options={'model.generator.mid_channels': 16})
    other_ckpt = tmp_path / 'other.pth'
    torch.save(
        dict(
            state_dict=other.state_dict(),
            meta=dict(experiment_name='sfnet_c16_20261128_120000')),
        other_ckpt)

    def refusal(tool, *args):
        proc = run([sys.executable, f'tools/{tool}', *map(str, args)],
                   check=False)
        assert proc.returncode == 1, (proc.returncode, proc.stderr[-3000:])
        assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
        errors = [
            line for line in proc.stderr.splitlines()
            if line.startswith('error:')
        ]
        assert len(errors) == 1, proc.stderr[-3000:]
        return errors[0]

    for tool, args in (('test.py', (missing_cfg, ckpt)), ('train.py',
                                                          (missing_cfg, ))):
        assert refusal(tool, *args) == (
            f'error: config {missing_cfg} not found: pass the path of a '
            'config file (e.g. configs/sfnet_vimeo.py)')
        msg = refusal(tool, broken_cfg, *args[1:])
        assert msg.startswith(f'error: config {broken_cfg} cannot be read: ')
    assert refusal('test.py', cfg, tmp_path / 'none.pth') == (
        f'error: checkpoint {tmp_path / "none.pth"} not found: pass the path '
        'of a checkpoint file (.pth) that tools/train.py wrote')
    assert refusal('test.py', cfg, truncated) == (
        f'error: checkpoint {truncated}: not a readable PyTorch checkpoint '
        '(truncated or corrupt); save or download it again')
    for tool, args in (('test.py', (cfg, other_ckpt)),
                       ('train.py',
                        (cfg, '--work-dir', tmp_path / 'w', '--cfg-options',
                         f'load_from={other_ckpt}'))):
        msg = refusal(tool, *args)
        assert msg.startswith(
            f'error: checkpoint {other_ckpt} (saved by experiment '
            'sfnet_c16_20261128_120000) does not fit this config\'s model'), \
            msg
        # the first keys, with both shapes, not hundreds of them
        assert 'generator.feature_extractor.' in msg and ' more' in msg
        assert '16x3x3x3 in the file, 8x3x3x3 in the model' in msg, msg
        assert len(msg) < 1000, msg
