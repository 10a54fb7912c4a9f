"""Speed and quality of SFNet under fp32, bf16 and fp16 autocast, and in
the channels-last memory format.

    python tools/analysis/precision.py CONFIG CHECKPOINT DATA_ROOT
        [--list sep_testlist.txt] [--precisions fp32 bf16] [--repeats 3]
        [--device cpu] [--threads 2] [--channels-last]

DATA_ROOT holds Vimeo90K septuplets (``sequences/<clip>/im1..7.png`` GT,
``sequences_BIx4/...`` LR; the demo writes them under
``demo_out/data/bbb_septuplet``). Each listed septuplet is restored from its
LR frames 1, 3, 5, 7 (ST-VSR: 7 frames out) through
:func:`sfvsr_plugin.apis.restore_video` with each precision; the table gives
the median seconds per septuplet over ``--repeats`` passes (after a warm-up
pass), wall and CPU time of this process (CPU time is what a busy
machine distorts least; on CUDA only wall time means anything), the
speed-up in CPU time over the first precision, the Y-PSNR against the GT
(all 7 frames, no border crop) and the PSNR of the output against the first
precision's (uint8 RGB). With ``--channels-last`` every precision is
measured again with the net in the channels-last memory format (after all
the default-layout rows, since the conversion is in place).
"""
import argparse
import os.path as osp
import statistics
import sys
import time


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='fp32 vs bf16/fp16 autocast: speed and PSNR',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('data_root', help='Vimeo90K septuplet layout')
    parser.add_argument(
        '--list', default='sep_testlist.txt', help='clips, in data_root')
    parser.add_argument(
        '--precisions',
        nargs='+',
        default=['fp32', 'bf16'],
        choices=['fp32', 'bf16', 'fp16'],
        help='the first is the reference')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--threads', type=int, default=None, help='torch threads (CPU)')
    parser.add_argument(
        '--channels-last',
        action='store_true',
        help='also measure each precision in the channels-last format')
    return parser.parse_args(argv)


def read_septuplet(root, clip):
    """LR inputs (frames 1, 3, 5, 7) and the 7 GT frames, RGB uint8."""
    import cv2

    def read(folder, i):
        path = osp.join(root, folder, clip, f'im{i}.png')
        img = cv2.imread(path)
        if img is None:
            sys.exit(f'error: {path}: cannot read this frame; is '
                     f'{root} a septuplet data root?')
        return img[..., ::-1]

    return ([read('sequences_BIx4', i) for i in (1, 3, 5, 7)],
            [read('sequences', i) for i in range(1, 8)])


def main(argv=None):
    args = parse_args(argv)
    import numpy as np
    import torch
    from mmagic.evaluation.metrics.psnr import psnr

    from sfvsr_plugin.apis import autocast_context, init_model, restore_video

    if args.threads:
        torch.set_num_threads(args.threads)
    for precision in args.precisions:
        try:
            autocast_context(precision, args.device)
        except ValueError as e:
            sys.exit(f'error: --precisions {precision}: {e}')
    list_file = osp.join(args.data_root, args.list)
    if not osp.isfile(list_file):
        sys.exit(f'error: clip list {list_file} not found: give --list')
    with open(list_file) as f:
        clips = [line.strip() for line in f if line.strip()]
    model = init_model(args.config, args.checkpoint, args.device)
    data = [read_septuplet(args.data_root, clip) for clip in clips]

    def restore(lqs, precision, channels_last):
        return np.stack(
            list(
                restore_video(
                    model,
                    lqs,
                    segment_length=None,
                    precision=precision,
                    channels_last=channels_last)))

    # the default layout first: the channels-last conversion is in place
    variants = [(p, False) for p in args.precisions]
    if args.channels_last:
        variants += [(p, True) for p in args.precisions]
    rows = []
    reference = None
    for precision, channels_last in variants:
        outputs = [restore(lqs, precision, channels_last)
                   for lqs, _ in data]  # warm-up
        seconds, cpu_seconds = [], []
        for _ in range(args.repeats):
            for lqs, _ in data:
                start, cpu_start = time.perf_counter(), time.process_time()
                restore(lqs, precision, channels_last)
                seconds.append(time.perf_counter() - start)
                cpu_seconds.append(time.process_time() - cpu_start)
        y_psnr = np.mean([
            psnr(out, gt, convert_to='Y')
            for outs, (_, gts) in zip(outputs, data)
            for out, gt in zip(outs, gts)
        ])
        if reference is None:
            reference = outputs
        vs_ref = [
            psnr(out, ref) for outs, refs in zip(outputs, reference)
            for out, ref in zip(outs, refs)
        ]
        rows.append(
            dict(
                precision=precision +
                (', channels-last' if channels_last else ''),
                s_per_septuplet=statistics.median(seconds),
                cpu_s_per_septuplet=statistics.median(cpu_seconds),
                y_psnr=y_psnr,
                psnr_vs_ref=min(vs_ref)))
    base = rows[0]['cpu_s_per_septuplet']
    print(f'{len(clips)} septuplets of {args.data_root} ({args.list}), '
          f'device {args.device}, {torch.get_num_threads()} threads, '
          f'{args.repeats} repeats')
    print(f'| precision | s/septuplet | CPU s/septuplet | speed-up (CPU s) '
          f'| Y-PSNR vs GT | PSNR vs {args.precisions[0]} (worst frame) |')
    print('|---|---:|---:|---:|---:|---:|')
    for row in rows:
        print(f"| {row['precision']} | {row['s_per_septuplet']:.3f} | "
              f"{row['cpu_s_per_septuplet']:.3f} | "
              f"{base / row['cpu_s_per_septuplet']:.2f}x | "
              f"{row['y_psnr']:.3f} | {row['psnr_vs_ref']:.2f} |")
    return rows


if __name__ == '__main__':
    main()
