"""Does SFNet's temporal path learn motion? Train on known motion, score.

    python tools/analysis/motion_probe.py [--config CONFIG] [--steps 300]
        [--batch-size 4] [--variants full no-af ...] [--seeds 0 1 2]
        [--motions translate zoom rotate occlusion] [--test-clips 32]
        [--test-size 128] [--lr-mult KEY=MULT ...] [--threads 2]
        [--out probe.json [--overwrite]]
    python tools/analysis/motion_probe.py --checkpoint CKPT [--config ...]

Each variant of the config's generator (the ablations of
docs/architecture.md) is trained from scratch for ``--steps`` steps on
synthetic-motion clips (``SyntheticMotionDataset``: still photos moved by
known translation, zoom, rotation and occlusion, 64x64 GT) and scored on
held-out clips (other photos, other draws, ``--test-size`` GT): the
inserted frames' Y-PSNR gain over bicubic + blending, next to that of
bicubic + flow interpolation (OpenCV's DIS flow, no learning). The table
is printed as Markdown (docs/motion.md shows it). With ``--checkpoint`` a
trained model of the config is scored on the same held-out clips instead.
"""
import argparse
import json
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO_CONFIG = osp.join(REPO, 'configs', 'sfnet', 'sfnet_demo_bigbuckbunny.py')


def lr_mult_arg(value):
    key, sep, mult = value.partition('=')
    try:
        mult = float(mult)
    except ValueError:
        sep = ''
    if not sep or not key or mult < 0:
        raise argparse.ArgumentTypeError(
            f'expected KEY=MULT with MULT >= 0, got {value!r}')
    return key, mult


def parse_args(argv=None):
    from sfvsr_plugin.datasets.synthetic_motion import MOTIONS
    from sfvsr_plugin.evaluation.motion import VARIANTS
    from sfvsr_plugin.utils.cli import number_arg
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument(
        '--config',
        default=DEMO_CONFIG,
        help="config whose model's generator is probed")
    parser.add_argument('--steps', type=number_arg(int, 1), default=300)
    parser.add_argument('--batch-size', type=number_arg(int, 1), default=4)
    parser.add_argument(
        '--lr', type=number_arg(float, 0, strict=True), default=3e-3)
    parser.add_argument(
        '--lr-mult',
        nargs='+',
        type=lr_mult_arg,
        default=None,
        metavar='KEY=MULT',
        help='rate multipliers of the parameters whose name contains KEY '
        "(default: the config's optim_wrapper.paramwise_cfg.custom_keys)")
    parser.add_argument(
        '--variants', nargs='+', choices=list(VARIANTS), default=['full'])
    parser.add_argument(
        '--seeds', nargs='+', type=number_arg(int, 0), default=[0])
    parser.add_argument(
        '--motions', nargs='+', choices=MOTIONS, default=list(MOTIONS))
    parser.add_argument(
        '--gt-size',
        type=number_arg(int, 4),
        default=64,
        help='side of the square training GT clips')
    parser.add_argument(
        '--max-shift',
        type=number_arg(float, 0, strict=True),
        default=12,
        help='fastest translation, HR pixels per output frame')
    parser.add_argument(
        '--test-clips',
        type=number_arg(int, 1),
        default=32,
        help='held-out clips (the motions cycle)')
    parser.add_argument(
        '--test-size',
        type=number_arg(int, 4),
        default=128,
        help='side of the square held-out GT clips')
    parser.add_argument(
        '--threads',
        type=number_arg(int, 1),
        default=None,
        help='torch threads (default: torch\'s)')
    parser.add_argument(
        '--checkpoint',
        help='score this trained checkpoint of the config on the held-out '
        'clips instead of training (e.g. the demo\'s)')
    parser.add_argument('--out', help='write every number to this JSON file')
    parser.add_argument(
        '--overwrite', action='store_true', help='replace an existing --out')
    args = parser.parse_args(argv)
    for side in (args.gt_size, args.test_size):
        if side % 4:
            parser.error(f'sizes must be multiples of 4, got {side}')
    if args.test_size < 48:
        parser.error(f'--test-size {args.test_size}: the flow reference '
                     "(OpenCV's DIS) needs LR frames of at least 12x12: give "
                     '48 or more')
    return args


def markdown(results: list, motions) -> str:
    """The table: per variant and seed, the inserted frames' gain over
    blending per motion and over all, the reconstructed frames' gain over
    bicubic, then per variant the mean (and worst) over seeds, and the
    flow baseline's gains."""
    import numpy as np
    cols = list(motions) + ['all']

    def row(*cells):
        return '| ' + ' | '.join(str(c) for c in cells) + ' |'

    lines = [
        row('variant', 'seed', *cols, 'reconstructed', 'steps', 'train s'),
        '|---|---|' + '---:|' * (len(cols) + 3)
    ]
    for r in results:
        g = r['gains']
        lines.append(
            row(r['variant'], r['seed'], *(f"{g[c]['net']:+.2f}"
                                           for c in cols),
                f"{g['all']['net_reconstructed']:+.2f}", r['steps'],
                f"{r['seconds']:.0f}"))
    variants = list(dict.fromkeys(r['variant'] for r in results))
    for v in variants:
        runs = [r for r in results if r['variant'] == v]
        if len(runs) > 1:
            per = [[r['gains'][c]['net'] for r in runs] for c in cols
                   ] + [[r['gains']['all']['net_reconstructed'] for r in runs]]
            lines.append(
                row(v, 'mean (worst)',
                    *(f'{np.mean(p):+.2f} ({min(p):+.2f})' for p in per), '',
                    ''))
    flow = results[0]['gains']
    lines.append(
        row('bicubic + flow interpolation', '-',
            *(f"{flow[c]['flow']:+.2f}" for c in cols), '', 0, 0))
    return '\n'.join(lines)


def score_checkpoint(args, cfg, test_clips) -> list:
    """Score a trained model on the held-out clips; print the table."""
    from sfvsr_plugin.apis import init_model
    from sfvsr_plugin.apis.errors import exit_on_user_error
    from sfvsr_plugin.evaluation.motion import gains_by_motion, inserted_scores
    with exit_on_user_error():
        model = init_model(cfg, args.checkpoint)
    rows = inserted_scores(test_clips, getattr(model, 'generator', model))
    results = [
        dict(
            variant=f'checkpoint {args.checkpoint}',
            seed='-',
            steps='-',
            seconds=0,
            rows=rows,
            gains=gains_by_motion(rows))
    ]
    print(markdown(results, args.motions))
    if args.out:
        write_json(args, results)
    return results


def write_json(args, results) -> None:
    """Every number and the arguments, complete or not at all."""
    from sfvsr_plugin.outputs import atomic_output
    with atomic_output(args.out) as tmp:
        with open(tmp, 'w') as f:
            json.dump(dict(args=vars(args), results=results), f, indent=1)


def main(argv=None):
    args = parse_args(argv)
    import torch
    from mmengine.logging import print_log

    from sfvsr_plugin.apis.errors import (exit_on_user_error, read_config,
                                          require_config_keys)
    from sfvsr_plugin.datasets import SyntheticMotionDataset
    from sfvsr_plugin.evaluation.motion import (motion_probe, probe_clip,
                                                variant_cfg)
    from sfvsr_plugin.outputs import check_output

    with exit_on_user_error():
        if args.out:
            check_output(args.out, overwrite=args.overwrite)
        cfg = read_config(args.config)
        require_config_keys(cfg, args.config, ['model'], 'the probe')
    if args.threads:
        torch.set_num_threads(args.threads)
    model = cfg.model
    generator = model.get('generator', model).to_dict()
    channels_last = bool(model.get('channels_last', False))
    if args.lr_mult is None:
        paramwise = cfg.get('optim_wrapper', {}).get('paramwise_cfg', {})
        lr_mult = {
            k: v['lr_mult']
            for k, v in paramwise.get('custom_keys', {}).items()
            if 'lr_mult' in v
        }
    else:
        lr_mult = dict(args.lr_mult)
    train_set = SyntheticMotionDataset(
        num_clips=100000,
        motions=args.motions,
        gt_size=(args.gt_size, args.gt_size),
        max_shift=args.max_shift,
        seed=0)
    held_out = SyntheticMotionDataset(
        num_clips=args.test_clips,
        motions=args.motions,
        gt_size=(args.test_size, args.test_size),
        max_shift=args.max_shift,
        seed=1000,
        test_mode=True)
    test_clips = [
        probe_clip(held_out.get_data_info(i)) for i in range(len(held_out))
    ]
    if args.checkpoint:
        return score_checkpoint(args, cfg, test_clips)
    results = []
    for variant in args.variants:
        for seed in args.seeds:
            print_log(
                f'{variant}, seed {seed}: {args.steps} steps of '
                f'{args.batch_size} clips', 'current')
            out = motion_probe(
                variant_cfg(generator, variant),
                train_set,
                test_clips,
                args.steps,
                batch_size=args.batch_size,
                seed=seed,
                lr=args.lr,
                channels_last=channels_last,
                log=lambda msg: print_log(f'  {msg}', 'current'),
                lr_mult=lr_mult)
            out.pop('net')
            results.append(
                dict(variant=variant, seed=seed, steps=args.steps, **out))
            gains = out['gains']['all']
            print_log(
                f'{variant}, seed {seed}: inserted frames '
                f"{gains['net']:+.2f} dB over blending (flow interpolation "
                f"{gains['flow']:+.2f}) in {out['seconds']:.0f} s", 'current')
    table = markdown(results, args.motions)
    print(table)
    if args.out:
        write_json(args, results)
    return results


if __name__ == '__main__':
    sys.exit(0 if main() is not None else 1)
