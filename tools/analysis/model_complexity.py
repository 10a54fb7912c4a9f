"""Parameters and FLOPs of SFNet, and the memory of the distant fetch.

Usage:
    python tools/analysis/model_complexity.py [CONFIG] [--frames 4]
        [--shape 64 112] [--df-frames 32] [--df-shape 180 320]
        [--cfg-options KEY=VALUE ...]

Without CONFIG the default SFNet (the paper's model) is measured; with an
editor config, its generator (any net that takes ``(n, t, c, h, w)``
frames: SFNet, the configs/mixing/ nets, MMagic's BasicVSR++ or CAIN).
FLOPs are counted on the paper's timing input, 4 LR frames of 112x64
(Table 1; ``--frames 2 --shape 256 448`` is a Vimeo90K triplet for an
interpolator), by
``sfvsr_plugin.utils.count_flops``: ``torch.utils.flop_counter`` for all
aten ops plus the modulated deformable convs of mmcv, which that counter
cannot see (2*k*k*c_in*c_out per output position). One multiply-add = 2
FLOPs.

The distant-fetch memory check runs eq. 5 at 1/8 resolution against
``--df-frames`` stored states, once with the fused attention SDPA and once
with the explicit affinity matrix, each in a fresh process, and prints the
peak resident memory each one added.
"""
import argparse
import json
import os
import subprocess
import sys
from collections import OrderedDict

import torch
from mmengine.config import DictAction


def build_model(config, cfg_options=None):
    from mmagic.registry import MODELS

    import sfvsr_plugin  # noqa: F401
    if config is None:
        return MODELS.build(dict(type='SFNet'))
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmagic'))
    model_cfg = cfg.model
    # an editor config: measure its generator
    return MODELS.build(model_cfg.get('generator', model_cfg))


def count_params(model):
    groups = OrderedDict()
    for name, p in model.named_parameters():
        key = '.'.join(name.split('.')[:2])
        groups[key] = groups.get(key, 0) + p.numel()
    return sum(groups.values()), groups


def measure_df_memory(frames, h, w, fused):
    """Peak memory eq. 5 adds at 1/8 of an ``h x w`` frame (this process).
    """
    from sfvsr_plugin.models import DistantFetch
    from sfvsr_plugin.utils import reset_peak, status_kib
    torch.manual_seed(0)
    df = DistantFetch(mid_channels=64, key_channels=64).eval()
    h8, w8 = -(-h // 8), -(-w // 8)
    q = torch.randn(1, 64, h8, w8)
    k = torch.randn(1, frames, 64, h8, w8)
    v = torch.randn(1, frames, 64, h8, w8)
    with torch.no_grad():
        # load the kernels before measuring
        df.attend(q[..., :1, :1], k[..., :1, :1], v[..., :1, :1], fused)
        reset_peak()
        base = status_kib('VmRSS')
        df.attend(q, k, v, fused=fused)
        peak = status_kib('VmHWM')
    return dict(
        positions=h8 * w8,
        keys=frames * h8 * w8,
        added_mib=max(0, peak - base) / 1024,
        affinity_mib=h8 * w8 * frames * h8 * w8 * 4 / 2**20)


def distant_fetch_memory(frames, h, w):
    """Fused and reference eq. 5, each in a fresh process."""
    results = {}
    for fused in (True, False):
        out = subprocess.run([
            sys.executable, __file__, '--df-child',
            f'{frames},{h},{w},{int(fused)}'
        ],
                             capture_output=True,
                             text=True,
                             check=True,
                             env=dict(os.environ, OMP_NUM_THREADS='1'))
        results['fused' if fused else 'reference'] = json.loads(
            out.stdout.strip().splitlines()[-1])
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?', help='config file (optional)')
    parser.add_argument('--frames', type=int, default=4, help='input frames')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=[64, 112],
        metavar=('H', 'W'),
        help='LR frame size')
    parser.add_argument(
        '--df-frames',
        type=int,
        default=32,
        help='stored states for the distant-fetch check')
    parser.add_argument(
        '--df-shape',
        type=int,
        nargs=2,
        default=[180, 320],
        metavar=('H', 'W'),
        help='LR size for that check')
    parser.add_argument(
        '--no-df',
        action='store_true',
        help='skip the distant-fetch memory check')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config keys, e.g. model.generator.memory=None')
    parser.add_argument('--df-child', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.df_child:  # one measurement, in its own process
        frames, h, w, fused = map(int, args.df_child.split(','))
        print(json.dumps(measure_df_memory(frames, h, w, bool(fused))))
        return

    model = build_model(args.config, args.cfg_options).eval()
    name = type(model).__name__
    total, groups = count_params(model)
    paper = ' (paper, Table 1: 16.4 M)' if name == 'SFNet' else ''
    print(f'{name} parameters: {total / 1e6:.2f} M{paper}')
    for key, n in groups.items():
        print(f'  {key:45s} {n / 1e6:7.3f} M')
    h, w = args.shape
    from sfvsr_plugin.utils import count_flops

    # what the net returns, whatever it is (ST-VSR, S-VSR, an interpolator)
    shapes = []
    handle = model.register_forward_hook(
        lambda module, inputs, output: shapes.append(tuple(output.shape)))
    try:
        flops, dcn = count_flops(model, args.frames, h, w)
    finally:
        handle.remove()
    out = shapes[0]
    frames_out = f'{out[1]} frames' if len(out) == 5 else '1 frame'
    print(f'FLOPs for {args.frames} input frames of {w}x{h} -> '
          f'{frames_out} of {out[-1]}x{out[-2]}: '
          f'{flops / 1e9:.1f} GFLOPs ({dcn / 1e9:.1f} in deformable convs)')
    if not args.no_df:
        dh, dw = args.df_shape
        res = distant_fetch_memory(args.df_frames, dh, dw)
        f, r = res['fused'], res['reference']
        print(f'Distant fetch, {args.df_frames} stored states of a {dw}x{dh} '
              f'LR frame at 1/8 resolution ({f["positions"]} query positions '
              f'x {f["keys"]} keys; affinity matrix {f["affinity_mib"]:.1f} '
              'MiB):')
        print(
            f'  fused SDPA peak memory added:       {f["added_mib"]:8.1f} MiB')
        print(
            f'  matmul-softmax peak memory added:   {r["added_mib"]:8.1f} MiB')


if __name__ == '__main__':
    main()
