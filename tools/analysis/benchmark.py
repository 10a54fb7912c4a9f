"""Params, FLOPs, latency and peak memory of SFNet inference and training.

Usage:
    python tools/analysis/benchmark.py [--config CONFIG] [--mid-channels 64]
        [--frames 8 32 128] [--sizes 112x64 320x180] [--capacity 8]
        [--device cpu|cuda] [--precisions fp32 bf16] [--deform-impl torch]
        [--out-dir work_dirs/benchmark] [--quick]
        [--video-lengths 100 400 --segment-length 16 --overlap 4
         --video-size 64x48] [--train [--train-steps 5]
         [--train-cases demo paper]]

Model rows: one forward pass of t LR frames (``(1, t, 3, h, w)`` in, 2t-1
frames at the model's scale out) for every ``--frames`` x ``--sizes``, with
the unbounded store (``capacity=all``, the paper) and the bounded one
(``--capacity``). The paper's timing input, 4 frames of 112x64, is always a
row. Models are built as ``tools/inference.py`` builds them
(``sfvsr_plugin.apis.init_model``); ``--quick`` measures the tests' tiny
SFNet (``sfvsr_plugin.testing.TINY_SFNET``).

Video rows (``--video-lengths``): the segmented pipeline of
``tools/inference.py`` (``sfvsr_plugin.apis.restore_video``) on a synthetic
video of each length, frames generated lazily and the outputs consumed, to
show that peak memory does not grow with the length of the video.

Every measurement runs in a fresh child process (forked from this one after
the imports). Peak memory on CPU is the child's peak resident set (VmHWM,
reset through /proc/self/clear_refs after a warm-up); ``added`` is that peak
minus the resident size before the measured run. On CUDA it is
``torch.cuda.max_memory_allocated`` (after ``reset_peak_memory_stats``),
timing synchronises the device, and a forward row times the second run of
its size. ``--precisions`` measures every row under each precision
(``fp32``, or ``bf16`` / ``fp16`` autocast as ``tools/inference.py --bf16``
runs it; fp16 on CUDA and not for training, which would need a gradient
scaler). ``--deform-impl torch`` runs AF's
deformable convs through ``deform_conv.py`` (``grid_sample``) instead of
mmcv's op, which ``auto`` picks on CUDA. FLOPs are counted by
``sfvsr_plugin.utils.count_flops``, as in ``model_complexity.py`` (aten ops
plus mmcv's deformable convs, one multiply-add = 2 FLOPs).

Training rows (``--train``): training steps of the editor (the config's
own loss and optimizer: forward, backward, step) on random batches, for the
demo config (``configs/sfnet/sfnet_demo_bigbuckbunny.py``: 16 channels, 4
clips of 16x16 LR patches) and the paper config (64 channels, 6 clips of
32x32 LR patches; ``--train-cases`` picks), each in three forms, so one
run shows before and after: one conv call per module
(``sfvsr_plugin.testing.unbatched``, the implementation before the
batching), SFNet's batched convs, and batched convs with the weights
channels-last (the editor's ``channels_last=True``), whatever the
config itself sets. The three alternate step by step in one process for
``--train-steps`` rounds after 2 warm-up steps each, and each reports its
median step time (robust to a machine whose speed drifts); peak memory
comes from a run of each alone.

The table is printed as markdown and written to ``OUT_DIR/benchmark.md`` and
``.csv``; the plot to ``OUT_DIR/benchmark.png``.
"""
import argparse
import csv
import multiprocessing as mp
import os
import os.path as osp
import sys
import time

#: 4 LR frames of 112x64: the paper's timing input (Table 1).
PAPER_ROW = (4, (112, 64))
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: (variant, what the table calls it) of the training rows, before to after.
TRAIN_VARIANTS = (('unbatched', 'one per module'), ('batched', 'batched'),
                  ('channels_last', 'batched, channels-last'))
#: (name, config, LR patch side) of the training rows; batch sizes are the
#: configs' own.
TRAIN_CASES = (
    ('demo', 'configs/sfnet/sfnet_demo_bigbuckbunny.py', 16),
    ('paper', 'configs/sfnet/sfnet_4xb6-600k_vimeo90k-bi.py', 32),
)

#: Settings of ``--quick`` (a smoke test of the tiny SFNet).
QUICK = dict(
    frames=[2, 6],
    sizes=['16x12'],
    capacity=2,
    video_lengths=[8, 16],
    segment_length=4,
    overlap=1,
    video_size='16x12',
    threads=1)


def generator_cfg(args):
    """The SFNet config measured (without its capacity)."""
    if args.quick:
        from sfvsr_plugin.testing import tiny_sfnet_cfg
        cfg = tiny_sfnet_cfg()
    elif args.config:
        from mmengine.config import Config
        model = Config.fromfile(args.config).model
        cfg = model.get('generator', model).to_dict()
    else:
        cfg = dict(type='SFNet')
    if args.mid_channels is not None:
        cfg['mid_channels'] = args.mid_channels
        dfetch = cfg.get('distant_fetch') or None
        if dfetch is not None and 'key_channels' in dfetch:
            cfg['distant_fetch'] = dict(dfetch, key_channels=args.mid_channels)
    return cfg


def parse_size(text):
    try:
        w, h = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'size must be WxH, e.g. 112x64, got {text!r}') from None
    return w, h


def build(cfg, capacity, device, deform_impl='auto'):
    """The SFNet of generator config ``cfg`` as inference builds it.

    Args:
        cfg (dict): Generator config.
        capacity (int, optional): Container capacity; None reads all stored
            states (the paper).
        device (str): Where to run.
        deform_impl (str): 'auto' (as configured) or 'torch' (every
            deformable conv through ``deform_conv.py``).

    Returns:
        nn.Module: The SFNet in eval mode, seeded weights.
    """
    import torch
    from mmengine.config import Config

    from sfvsr_plugin.apis import init_model
    torch.manual_seed(0)
    net = init_model(
        Config(dict(model=cfg)),
        device=device,
        capacity='all' if capacity is None else capacity)
    return use_deform_impl(net, deform_impl)


def use_deform_impl(net, deform_impl):
    """``net`` with its deformable convs on ``deform_impl`` ('auto': as
    built; 'torch': ``export.set_deform_impl``)."""
    if deform_impl != 'auto':
        from sfvsr_plugin.apis.export import set_deform_impl
        set_deform_impl(net, deform_impl)
    return net


def num_outputs(net, frames):
    """Output frames of ``net`` for ``frames`` input frames."""
    return 2 * frames - 1 if net.interpolate else frames


def trim_heap():
    """Give the heap's free pages back to the OS (glibc), so that memory a
    measured run takes shows up in its resident size even in a process that
    had freed memory before (the allocator would reuse it unseen)."""
    try:
        import ctypes
        ctypes.CDLL('libc.so.6').malloc_trim(0)
    except (OSError, AttributeError):
        pass


class Peak:
    """Peak memory of what runs between ``start()`` and ``stop()``."""

    def __init__(self, device):
        self.cuda = str(device).startswith('cuda')

    def sync(self):
        if self.cuda:
            import torch
            torch.cuda.synchronize()

    def start(self):
        import torch
        self.sync()
        if self.cuda:
            torch.cuda.reset_peak_memory_stats()
            self.base = torch.cuda.memory_allocated()
        else:
            from sfvsr_plugin.utils import reset_peak, status_kib
            trim_heap()
            reset_peak()
            self.base = status_kib('VmRSS') * 1024

    def stop(self):
        """Returns ``(peak, added)`` in MiB."""
        import torch
        self.sync()
        if self.cuda:
            peak = torch.cuda.max_memory_allocated()
        else:
            from sfvsr_plugin.utils import status_kib
            peak = status_kib('VmHWM') * 1024
        return peak / 2**20, max(0, peak - self.base) / 2**20


def measure_forward(cfg,
                    capacity,
                    frames,
                    size,
                    device,
                    flops,
                    threads,
                    precision='fp32',
                    deform_impl='auto'):
    """One forward pass of ``frames`` LR frames of ``size`` (child)."""
    import torch

    from sfvsr_plugin.apis import autocast_context
    if threads:
        torch.set_num_threads(threads)
    net = build(cfg, capacity, device, deform_impl)
    w, h = size
    params = sum(p.numel() for p in net.parameters())
    peak = Peak(device)
    with torch.no_grad(), autocast_context(precision, device):
        net(torch.rand(1, 2, 3, 8, 8, device=device))  # load the kernels
        lqs = torch.rand(1, frames, 3, h, w, device=device)
        if peak.cuda:
            # CUDA picks kernels and workspaces per shape: time the second
            # run of this size (a run costs little there, unlike on a CPU)
            del lqs
            net(torch.rand(1, frames, 3, h, w, device=device))
            lqs = torch.rand(1, frames, 3, h, w, device=device)
        peak.start()
        tic = time.perf_counter()
        out = net(lqs)
        peak.sync()
        latency = time.perf_counter() - tic
        peak_mib, added_mib = peak.stop()
        scale = net.upscale_factor
        assert out.shape == (1, num_outputs(net, frames), 3, scale * h,
                             scale * w), out.shape
        del out
    result = dict(
        params_m=params / 1e6,
        latency_s=latency,
        peak_mib=peak_mib,
        added_mib=added_mib,
        gflops=float('nan'))
    if flops:
        from sfvsr_plugin.utils import count_flops
        result['gflops'] = count_flops(net.cpu(), frames, h, w)[0] / 1e9
    return result


def measure_video(cfg,
                  capacity,
                  length,
                  size,
                  segment_length,
                  overlap,
                  device,
                  threads,
                  precision='fp32',
                  deform_impl='auto'):
    """The segmented pipeline on a synthetic video of ``length`` frames."""
    import numpy as np
    import torch

    from sfvsr_plugin.apis import restore_video
    if threads:
        torch.set_num_threads(threads)
    net = build(cfg, capacity, device, deform_impl)
    w, h = size

    def frames(n, seed=0):
        rng = np.random.default_rng(seed)
        for _ in range(n):
            yield rng.integers(0, 256, (h, w, 3), dtype=np.uint8)

    for _ in restore_video(
            net, frames(3), segment_length, overlap, precision=precision):
        pass  # load the kernels
    peak = Peak(device)
    peak.start()
    tic = time.perf_counter()
    count, checksum = 0, 0
    for out in restore_video(
            net, frames(length), segment_length, overlap, precision=precision):
        count += 1
        checksum += int(out[0, 0, 0])
    peak.sync()
    elapsed = time.perf_counter() - tic
    peak_mib, added_mib = peak.stop()
    assert count == num_outputs(net, length), count
    return dict(
        latency_s=elapsed,
        fps_out=count / elapsed,
        peak_mib=peak_mib,
        added_mib=added_mib)


def measure_train(config,
                  patch,
                  variants,
                  steps,
                  device,
                  threads,
                  precision='fp32',
                  deform_impl='auto'):
    """Training steps of the editor of ``config`` on random batches.

    ``variants`` is a list of 'unbatched', 'batched' and 'channels_last'
    (batched, weights channels-last); each has a model of its own, all
    from the same seed. With several, their steps alternate (one of each
    per round), so that a machine whose speed drifts (shared cores) slows
    all of them alike; each gets the median of its step times. Peak memory
    is only meaningful with one variant. Under ``precision`` 'bf16' the
    forward pass runs in autocast, the backward pass and the step outside
    it, as ``AmpOptimWrapper`` runs them.
    """
    import contextlib
    import statistics

    import torch
    from mmagic.structures import DataSample
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper

    from sfvsr_plugin.apis import autocast_context, init_model
    from sfvsr_plugin.testing import unbatched
    if threads:
        torch.set_num_threads(threads)
    cfg = Config.fromfile(osp.join(REPO, config))
    batch = cfg.train_dataloader.batch_size
    models, optims = {}, {}
    for variant in variants:
        cfg.model.channels_last = variant == 'channels_last'
        torch.manual_seed(0)
        models[variant] = use_deform_impl(
            init_model(cfg, device=device).train(), deform_impl)
        # the config's own optimizer (AdaMax for the paper, Adam for the demo)
        optims[variant] = build_optim_wrapper(models[variant],
                                              cfg.optim_wrapper).optimizer
    net, frames = models[variants[0]].generator, 4  # frames 1, 3, 5, 7
    hr = net.upscale_factor * patch
    lqs = torch.rand(batch, frames, 3, patch, patch, device=device)
    gt = DataSample(
        gt_img=torch.rand(
            batch, num_outputs(net, frames), 3, hr, hr, device=device))
    peak = Peak(device)

    def step(variant):
        with (unbatched()
              if variant == 'unbatched' else contextlib.nullcontext()):
            with autocast_context(precision, device):
                losses = models[variant].forward_train(lqs, gt)
            optims[variant].zero_grad()
            sum(losses.values()).backward()
            optims[variant].step()

    for variant in variants:  # warm-up
        step(variant)
        step(variant)
    times = {v: [] for v in variants}
    peak.start()
    for _ in range(steps):
        for variant in variants:
            peak.sync()
            tic = time.perf_counter()
            step(variant)
            peak.sync()
            times[variant].append(time.perf_counter() - tic)
    peak_mib, added_mib = peak.stop()
    result = dict(batch=batch, peak_mib=peak_mib, added_mib=added_mib)
    for variant, ts in times.items():
        result[variant] = statistics.median(ts)
    return result


def _child(conn, fn, kwargs):
    try:
        conn.send(('ok', fn(**kwargs)))
    except BaseException as e:  # report, do not hang the parent
        conn.send(('error', f'{type(e).__name__}: {e}'))
    finally:
        conn.close()


def in_child(fn, **kwargs):
    """Run ``fn(**kwargs)`` in a fresh forked process; its result dict."""
    ctx = mp.get_context('fork')
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, kwargs))
    proc.start()
    child.close()
    try:
        status, value = parent.recv()
    except EOFError:
        status, value = 'error', 'child died (out of memory?)'
    proc.join()
    if status != 'ok':
        raise RuntimeError(f'{fn.__name__}({kwargs}) failed: {value}')
    return value


def markdown(rows, columns):
    lines = [
        '| ' + ' | '.join(columns) + ' |',
        '|' + '|'.join('---:' for _ in columns) + '|'
    ]
    for row in rows:
        cells = []
        for col in columns:
            v = row.get(col, '')
            cells.append(f'{v:.3f}' if isinstance(v, float) else str(v))
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def plot(model_rows, video_rows, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    panels = 2 * bool(model_rows) + bool(video_rows)
    fig, axes = plt.subplots(1, panels, figsize=(5 * panels, 4), squeeze=False)
    axes = list(axes[0])
    if model_rows:
        groups = {}
        for r in model_rows:
            groups.setdefault((r['size'], r['store'], r['precision']),
                              []).append(r)
        for (size, store, precision), rs in sorted(groups.items()):
            rs = sorted(rs, key=lambda r: r['frames'])
            x = [r['frames'] for r in rs]
            label = f'{size}, store {store}' + ('' if precision == 'fp32' else
                                                f', {precision}')
            axes[0].plot(x, [r['latency_s'] for r in rs], 'o-', label=label)
            axes[1].plot(x, [r['added_mib'] for r in rs], 'o-', label=label)
        for ax, name in zip(axes, ('latency (s)', 'peak memory added (MiB)')):
            ax.set_xscale('log', base=2)
            ax.set_xlabel('input frames (one forward pass)')
            ax.set_ylabel(name)
            ax.legend(fontsize=7)
    if video_rows:
        ax = axes[-1]
        groups = {}
        for r in video_rows:
            groups.setdefault((r['store'], r['precision']), []).append(r)
        for (store, precision), rs in sorted(groups.items()):
            ax.plot([r['frames'] for r in rs], [r['added_mib'] for r in rs],
                    'o-',
                    label=f'segmented, store {store}' +
                    ('' if precision == 'fp32' else f', {precision}'))
        ax.set_xlabel('input frames (video length)')
        ax.set_ylabel('peak memory added (MiB)')
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument(
        '--config', help='config whose (generator) model is measured')
    parser.add_argument(
        '--mid-channels',
        type=int,
        default=None,
        help="feature channels (default: the config's, 64)")
    parser.add_argument(
        '--frames',
        type=int,
        nargs='+',
        default=[8, 32, 128],
        help='input frames of the model rows')
    parser.add_argument(
        '--sizes',
        type=parse_size,
        nargs='+',
        default=[(112, 64), (320, 180)],
        help='LR sizes WxH of the model rows')
    parser.add_argument(
        '--capacity',
        type=int,
        default=8,
        help='capacity of the bounded store')
    parser.add_argument('--device', default='cpu', help='cpu or cuda')
    parser.add_argument(
        '--precisions',
        nargs='+',
        choices=['fp32', 'fp16', 'bf16'],
        default=['fp32'],
        help='measure every row under each: fp32, or bf16 / fp16 autocast '
        '(fp16: CUDA, not with --train)')
    parser.add_argument(
        '--deform-impl',
        choices=['auto', 'torch'],
        default='auto',
        help="AF's deformable convs: 'auto' (mmcv's op on CUDA, "
        "deform_conv.py's on CPU) or 'torch' (deform_conv.py's everywhere)")
    parser.add_argument(
        '--threads', type=int, default=None, help='torch threads per child')
    parser.add_argument(
        '--no-flops', action='store_true', help='skip counting FLOPs')
    parser.add_argument(
        '--video-lengths',
        type=int,
        nargs='*',
        default=[],
        help='video rows: lengths of synthetic videos (e.g. 100 400)')
    parser.add_argument('--segment-length', type=int, default=16)
    parser.add_argument('--overlap', type=int, default=4)
    parser.add_argument(
        '--video-size',
        type=parse_size,
        default=(64, 48),
        help='LR size WxH of the video rows')
    parser.add_argument(
        '--skip-model-rows',
        action='store_true',
        help='no model rows (only the video or training rows)')
    parser.add_argument(
        '--train',
        action='store_true',
        help='training rows: steps/s and peak memory of the demo and the '
        'paper config: one conv call per module, batched convs, batched '
        'channels-last')
    parser.add_argument(
        '--train-cases',
        nargs='+',
        choices=[name for name, _, _ in TRAIN_CASES],
        default=[name for name, _, _ in TRAIN_CASES],
        help='which configs the training rows measure (default: all; a '
        'step of the paper config takes ~30 s on 2 CPU cores)')
    parser.add_argument(
        '--train-steps',
        type=int,
        default=5,
        help='timed training steps of each variant')
    parser.add_argument('--out-dir', default='work_dirs/benchmark')
    parser.add_argument(
        '--quick',
        action='store_true',
        help='the tests\' tiny SFNet and small sizes (a smoke test): ' +
        ', '.join(f'{k}={v}' for k, v in QUICK.items()))
    args = parser.parse_args(argv)
    if args.quick:
        for key, value in QUICK.items():
            if key in ('sizes', 'video_size'):
                value = ([parse_size(v) for v in value] if isinstance(
                    value, list) else parse_size(value))
            setattr(args, key, value)
    for precision in args.precisions:
        if precision == 'fp16' and not args.device.startswith('cuda'):
            parser.error(f'--precisions fp16 needs --device cuda, got '
                         f'{args.device}; use bf16 on a CPU')
        if precision == 'fp16' and args.train:
            parser.error('--precisions fp16 with --train: fp16 training '
                         'needs a gradient scaler; measure training in fp32 '
                         'or bf16')
    return args


def main(argv=None):
    args = parse_args(argv)
    import sfvsr_plugin  # noqa: F401  (imported once, before forking)
    import sfvsr_plugin.apis  # noqa: F401
    cfg = generator_cfg(args)
    stores = [('all', None), (str(args.capacity), args.capacity)]
    model_rows, video_rows = [], []
    cases = [] if args.skip_model_rows else [PAPER_ROW] + [
        (t, s) for s in args.sizes for t in args.frames if (t, s) != PAPER_ROW
    ]
    impl = dict(device=args.device, deform_impl=args.deform_impl)
    for frames, (w, h) in cases:
        for store, capacity in stores:
            for precision in args.precisions:
                res = in_child(
                    measure_forward,
                    cfg=cfg,
                    capacity=capacity,
                    frames=frames,
                    size=(w, h),
                    # FLOPs do not depend on the precision
                    flops=not args.no_flops and precision == 'fp32',
                    threads=args.threads,
                    precision=precision,
                    **impl)
                row = dict(
                    frames=frames,
                    size=f'{w}x{h}',
                    store=store,
                    paper=(frames, (w, h)) == PAPER_ROW,
                    precision=precision,
                    **res)
                model_rows.append(row)
                print(
                    f'forward {frames:4d} x {w}x{h} store {store:>4} '
                    f'{precision}: {res["latency_s"]:.3f} s, peak '
                    f'{res["peak_mib"]:.0f} MiB (+{res["added_mib"]:.0f})',
                    file=sys.stderr)
    vw, vh = args.video_size
    for store, capacity in stores if args.video_lengths else []:
        for length in args.video_lengths:
            for precision in args.precisions:
                res = in_child(
                    measure_video,
                    cfg=cfg,
                    capacity=capacity,
                    length=length,
                    size=(vw, vh),
                    segment_length=args.segment_length,
                    overlap=args.overlap,
                    threads=args.threads,
                    precision=precision,
                    **impl)
                video_rows.append(
                    dict(
                        frames=length,
                        size=f'{vw}x{vh}',
                        store=store,
                        segment=f'{args.segment_length}/{args.overlap}',
                        precision=precision,
                        **res))
                print(
                    f'video {length:5d} x {vw}x{vh} store {store:>4} '
                    f'{precision}: {res["latency_s"]:.1f} s, peak '
                    f'{res["peak_mib"]:.0f} MiB (+{res["added_mib"]:.0f})',
                    file=sys.stderr)

    train_rows = []
    train_cases = [
        case for case in TRAIN_CASES
        if args.train and case[0] in args.train_cases
    ]
    for name, config, patch in train_cases:
        for precision in args.precisions:
            common = dict(
                config=config,
                patch=patch,
                threads=args.threads,
                precision=precision,
                **impl)
            # speed: all variants alternating in one process
            speed = in_child(
                measure_train,
                variants=[variant for variant, _ in TRAIN_VARIANTS],
                steps=args.train_steps,
                **common)
            for variant, convs in TRAIN_VARIANTS:
                # memory: each variant alone
                mem = in_child(
                    measure_train, variants=[variant], steps=1, **common)
                train_rows.append(
                    dict(
                        config=name,
                        convs=convs,
                        batch=speed['batch'],
                        lr_patch=f'{patch}x{patch}',
                        precision=precision,
                        s_per_step=speed[variant],
                        steps_per_s=1 / speed[variant],
                        peak_mib=mem['peak_mib'],
                        added_mib=mem['added_mib']))
                print(
                    f'train {name} {precision} ({convs}): '
                    f'{speed[variant]:.3f} s/step (median), peak '
                    f'{mem["peak_mib"]:.0f} MiB',
                    file=sys.stderr)

    os.makedirs(args.out_dir, exist_ok=True)
    device = args.device
    if device.startswith('cuda'):
        import torch
        device += f' ({torch.cuda.get_device_name()})'
    mem = 'max_memory_allocated' if args.device.startswith('cuda') else \
        'VmHWM of the child'
    text = [
        f'# SFNet inference benchmark\n\nmodel: {cfg.get("type")} '
        f'mid_channels={cfg.get("mid_channels", 64)}'
        f'{" (quick)" if args.quick else ""}, device: {device}, '
        f'deformable convs: {args.deform_impl}, '
        f'peak memory: {mem} (MiB; added = over the resident size before '
        'the run)\n'
    ]
    if model_rows:
        text.append(
            '## One forward pass of t LR frames\n\n' +
            markdown(model_rows, [
                'frames', 'size', 'store', 'paper', 'precision', 'params_m',
                'gflops', 'latency_s', 'peak_mib', 'added_mib'
            ]) + '\n')
    if train_rows:
        text.append(
            '## Training steps (4 LR frames in, 7 out, the config\'s own loss '
            'and optimizer)'
            '\n\n' + markdown(train_rows, [
                'config', 'convs', 'batch', 'lr_patch', 'precision',
                's_per_step', 'steps_per_s', 'peak_mib', 'added_mib'
            ]) + '\n')
        for name, _, _ in train_cases:
            for precision in args.precisions:
                before, batched, channels_last = (
                    r['s_per_step'] for r in train_rows
                    if r['config'] == name and r['precision'] == precision)
                label = name if precision == 'fp32' else f'{name}, {precision}'
                text.append(
                    f'{label}: batched convs {before / batched:.2f}x the '
                    'steps per second of one call per module, '
                    f'channels-last {batched / channels_last:.2f}x '
                    f'those ({before / channels_last:.2f}x in all)\n')
    if video_rows:
        text.append(f'## Segmented pipeline (segment/overlap '
                    f'{args.segment_length}/{args.overlap} input frames)\n\n' +
                    markdown(video_rows, [
                        'frames', 'size', 'store', 'segment', 'precision',
                        'latency_s', 'fps_out', 'peak_mib', 'added_mib'
                    ]) + '\n')
        for store, _ in stores:
            for precision in args.precisions:
                rs = [
                    r for r in video_rows
                    if r['store'] == store and r['precision'] == precision
                ]
                ratio_peak = max(r['peak_mib'] for r in rs) / max(
                    1e-9, min(r['peak_mib'] for r in rs))
                ratio_added = max(r['added_mib'] for r in rs) / max(
                    1e-9, min(r['added_mib'] for r in rs))
                label = f'store {store}' + ('' if precision == 'fp32' else
                                            f', {precision}')
                text.append(f'{label}: peak memory max/min over lengths '
                            f'{ratio_peak:.2f}x (added: {ratio_added:.2f}x)'
                            '\n')
    report = '\n'.join(text)
    print(report)
    with open(osp.join(args.out_dir, 'benchmark.md'), 'w') as f:
        f.write(report)
    with open(osp.join(args.out_dir, 'benchmark.csv'), 'w', newline='') as f:
        keys = [
            'kind', 'frames', 'size', 'store', 'paper', 'segment', 'precision',
            'params_m', 'gflops', 'latency_s', 'fps_out', 'config', 'convs',
            'batch', 'lr_patch', 's_per_step', 'steps_per_s', 'peak_mib',
            'added_mib'
        ]
        writer = csv.DictWriter(f, keys)
        writer.writeheader()
        for kind, rows in (('forward', model_rows), ('video', video_rows),
                           ('train', train_rows)):
            for row in rows:
                writer.writerow(dict(row, kind=kind))
    if model_rows or video_rows:
        plot(model_rows, video_rows, osp.join(args.out_dir, 'benchmark.png'))
    print(f'written to {args.out_dir}/benchmark.{{md,csv,png}}')
    return model_rows, video_rows


if __name__ == '__main__':
    main()
