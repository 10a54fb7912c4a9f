"""Train a model with MMagic's runner (same arguments as MMagic's train.py).

    python tools/train.py CONFIG [--work-dir DIR] [--resume] [--amp]
        [--cfg-options key=value ...] [--launcher {none,pytorch,slurm,mpi}]
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train an editor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        action='store_true',
        help='resume from the latest checkpoint in the work dir, or from '
        '`load_from` when the config sets it')
    parser.add_argument(
        '--amp', action='store_true', help='enable automatic mixed precision')
    return parse_runner_args(parser, argv)


def parse_runner_args(parser: argparse.ArgumentParser, argv=None):
    """Add the options every runner tool takes (``--cfg-options``,
    ``--launcher``, ``--local-rank``; shared with test.py) and parse."""
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value pairs')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


#: What each tool needs of a config (test.py passes TEST_NEEDS).
TRAIN_NEEDS = ('model', 'train_dataloader', 'train_cfg', 'optim_wrapper')
TEST_NEEDS = ('model', 'test_dataloader', 'test_evaluator')


def prepare_cfg(args, needs=TRAIN_NEEDS, purpose='training') -> Config:
    """Config with the command-line settings applied (shared with test.py).

    Raises:
        ConfigError: The file is missing or broken, or lacks one of
            ``needs`` (after the command-line settings).
    """
    import torch

    from sfvsr_plugin.apis.errors import read_config, require_config_keys
    cfg = read_config(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    require_config_keys(cfg, args.config, needs, purpose)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.launcher != 'none' and not torch.cuda.is_available():
        setup_cpu_distributed(cfg, args.launcher)
    return cfg


def setup_cpu_distributed(cfg: Config, launcher: str) -> None:
    """Distributed runs on a machine without GPUs: gloo, CPU DDP.

    NCCL needs GPUs, and mmengine's ``init_dist`` for the pytorch launcher
    always calls ``torch.cuda.set_device``, so the process group is made
    here (mmengine then finds it initialised), and DDP gets no device ids.
    """
    import torch.distributed as dist
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg['backend'] = 'gloo'
    wrapper = dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=False)
    wrapper.update(cfg.get('model_wrapper_cfg') or {})
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    if launcher == 'pytorch' and not dist.is_initialized():
        dist.init_process_group(backend='gloo')


def main(argv=None):
    args = parse_args(argv)
    cfg = prepare_cfg(args)
    if args.amp:
        optim_type = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_type not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ValueError(f'--amp needs an OptimWrapper, got {optim_type}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume:
        cfg.resume = True
    runner = Runner.from_cfg(cfg)
    if cfg.get('load_from'):
        check_checkpoint(runner, cfg.load_from)
    runner.train()
    finish_distributed()
    return runner


def check_checkpoint(runner: Runner, checkpoint: str) -> None:
    """Refuse a checkpoint the runner's model cannot load strictly (shared
    with test.py): mmengine loads ``load_from`` non-strictly, so weights of
    another config would be used in part, silently.

    Raises:
        FileNotFoundError, CheckpointError, UnsafeCheckpointError: see
            :func:`sfvsr_plugin.checkpoint.check_weights_fit`.
    """
    from sfvsr_plugin.checkpoint import check_weights_fit, load_weights_only
    if '://' in checkpoint:  # remote files: mmengine's loaders check them
        return
    check_weights_fit(runner.model, load_weights_only(checkpoint, 'cpu'),
                      checkpoint)


def finish_distributed() -> None:
    """Destroy the process group after a run that succeeded (shared with
    test.py): a Gloo group left to the interpreter's teardown can abort the
    process ("terminate called without an active exception", SIGABRT; seen
    here with dist_test.sh on a loaded 2-core machine, pytorch/pytorch#190489).
    """
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


if __name__ == '__main__':
    from sfvsr_plugin.apis.errors import exit_on_user_error
    with exit_on_user_error():
        main()
