"""Evaluate a checkpoint with MMagic's runner (MMagic's test.py arguments).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE]
        [--cfg-options key=value ...] [--launcher {none,pytorch,slurm,mpi}]

``--out`` writes the metrics (json, yaml or pkl by extension) and, next to
them, ``<out stem>_frames.json`` with the score of every clip and every frame
the averages were made of (``{"vid4/PSNR": {"clips": {...}, "frames": {clip:
{frame: score}}}}``, frames numbered from 0 within their clip), to compare
with another implementation frame by frame (docs/evaluation.md).
"""
import argparse
import os.path as osp
import sys

import mmengine
from mmengine.hooks import Hook
from mmengine.runner import Runner

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import train as train_tool  # noqa: E402

from sfvsr_plugin.evaluation import collect_frame_scores  # noqa: E402
from sfvsr_plugin.evaluation import frame_scores_path  # noqa: E402


class MetricsCollector(Hook):
    """Keeps the metrics of the last test epoch."""

    def __init__(self):
        self.metrics = None

    def after_test_epoch(self, runner, metrics=None):
        self.metrics = metrics


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (and eval) an editor')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs and results')
    parser.add_argument(
        '--out',
        help='file to write the metrics to (and OUT_frames.json, per clip '
        'and frame); an existing one is kept unless --overwrite')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace existing --out files')
    return train_tool.parse_runner_args(parser, argv)


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(
            f'checkpoint {args.checkpoint} not found: pass the path of a '
            'checkpoint file (.pth) that tools/train.py wrote')
    if args.out:  # before anything runs: never over an earlier result
        from sfvsr_plugin.outputs import check_output
        for path in (args.out, frame_scores_path(args.out)):
            check_output(
                path, [args.config, args.checkpoint], overwrite=args.overwrite)
    cfg = train_tool.prepare_cfg(args, train_tool.TEST_NEEDS, 'testing')
    cfg.load_from = args.checkpoint
    runner = Runner.from_cfg(cfg)
    train_tool.check_checkpoint(runner, args.checkpoint)
    # MMagic's MultiTestLoop returns nothing: collect what it hands its hooks
    collector = MetricsCollector()
    runner.register_hook(collector, 'LOWEST')
    metrics = runner.test() or collector.metrics
    if metrics is None:
        raise RuntimeError('the test loop reported no metrics')
    if args.out and runner.rank == 0:
        from sfvsr_plugin.outputs import atomic_output
        mmengine.mkdir_or_exist(osp.dirname(osp.abspath(args.out)))
        with atomic_output(args.out) as tmp:
            mmengine.dump({k: float(v) for k, v in metrics.items()}, tmp)
        loop = runner.test_loop
        scores = collect_frame_scores(
            getattr(loop, 'evaluators', None) or loop.evaluator)
        frames_file = frame_scores_path(args.out)
        with atomic_output(frames_file) as tmp:
            mmengine.dump(scores, tmp, indent=1)
        print(f'metrics written to {args.out}, per clip and frame to '
              f'{frames_file}')
    train_tool.finish_distributed()
    return metrics


if __name__ == '__main__':
    from sfvsr_plugin.apis.errors import exit_on_user_error
    with exit_on_user_error():
        main()
