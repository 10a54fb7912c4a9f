"""Super-resolve a video (4x size, 2x frame rate) with a trained SFNet.

    python tools/inference.py CONFIG CHECKPOINT INPUT OUTPUT
        [--segment-length 32] [--overlap 4] [--capacity K|all]
        [--tile T] [--tile-overlap P] [--device cpu|cuda]
        [--max-frames N] [--fps FPS] [--ensemble] [--fp16|--bf16]
        [--overwrite]

INPUT is a video file or a folder of frames; OUTPUT is a video file if it
ends with .mp4/.mkv/.avi/.mov/.m4v/.webm, else a folder of ``%08d.png``.
From t input frames come 2t-1 output frames (frame rate doubled). The video
is read and written as it is processed, in overlapping segments, so memory
does not depend on its length; see docs/inference.md.

The input is never written: an OUTPUT that is, contains or lies inside
INPUT is refused, and so is an existing OUTPUT file or non-empty OUTPUT
folder unless --overwrite is given. A video file appears under its name
only when it is complete.
"""
import argparse
import os.path as osp
import pickle
import sys
import time

from sfvsr_plugin.utils.cli import number_arg


def capacity_arg(value):
    if value.lower() in ('all', 'none'):
        return 'all'
    try:
        capacity = int(value)
    except ValueError:
        capacity = 0
    if capacity < 1:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer or 'all', got {value!r}")
    return capacity


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Space-time video super-resolution with SFNet',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('input', help='video file or folder of frames')
    parser.add_argument(
        'output', help='video file (.mp4, .mkv, .avi, ...) or a folder')
    parser.add_argument(
        '--segment-length',
        type=number_arg(int, 0),
        default=32,
        help='input frames per forward pass; 0 runs the whole video at once')
    parser.add_argument(
        '--overlap',
        type=number_arg(int, 0),
        default=4,
        help='input frames shared by consecutive segments (>= 1)')
    parser.add_argument(
        '--capacity',
        type=capacity_arg,
        default=None,
        help="stored states one fetch reads (nearest first); 'all' as in "
        "the paper; default: the config's")
    parser.add_argument(
        '--tile',
        type=number_arg(int, 1),
        default=None,
        help='process frames in square tiles of this many LR pixels')
    parser.add_argument(
        '--tile-overlap',
        type=number_arg(int, 0),
        default=16,
        help='LR pixels shared by neighbouring tiles')
    parser.add_argument(
        '--device',
        default=None,
        help='cpu, cuda or cuda:N (default: cuda if available)')
    parser.add_argument(
        '--max-frames',
        type=number_arg(int, 1),
        default=None,
        help='read at most this many input frames')
    parser.add_argument(
        '--ensemble',
        action='store_true',
        default=None,
        help='test-time ensemble: average the 16 flips, transposes and '
        "time reversals (16x the time); default: the config's "
        'model.ensemble')
    precision = parser.add_mutually_exclusive_group()
    precision.add_argument(
        '--fp16',
        dest='precision',
        action='store_const',
        const='fp16',
        default='fp32',
        help='run under fp16 autocast (CUDA)')
    precision.add_argument(
        '--bf16',
        dest='precision',
        action='store_const',
        const='bf16',
        help='run under bf16 autocast (CUDA, or a CPU with AVX512-BF16/AMX)')
    parser.add_argument(
        '--channels-last',
        action='store_true',
        help='run the convolutions in the channels-last memory format '
        '(docs/inference.md: whether it pays depends on the device)')
    parser.add_argument(
        '--fps',
        type=number_arg(float, 0, strict=True),
        default=None,
        help='input frame rate (default: the video\'s; 25 for folders)')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace an existing OUTPUT file or write into a non-empty '
        'OUTPUT folder (never the input)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from sfvsr_plugin.apis.video_io import is_video_path
    from sfvsr_plugin.outputs import OutputError, check_output
    try:  # before anything is loaded or computed
        check_output(
            args.output, [args.input],
            overwrite=args.overwrite,
            folder=not is_video_path(args.output))
    except OutputError as e:
        sys.exit(f'error: {e}')
    import torch

    from sfvsr_plugin.apis import (InputError, SFVSRInferencer,
                                   autocast_context, check_segments)
    from sfvsr_plugin.apis.errors import ConfigError
    from sfvsr_plugin.checkpoint import CheckpointError

    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    if device.startswith('cuda') and not torch.cuda.is_available():
        sys.exit(f'error: --device {device}, but CUDA is not available')
    try:
        inferencer = SFVSRInferencer(
            args.config,
            args.checkpoint,
            device,
            extra_parameters=dict(
                segment_length=args.segment_length or None,
                overlap=args.overlap,
                tile=args.tile,
                tile_overlap=args.tile_overlap,
                capacity=args.capacity,
                max_frames=args.max_frames,
                fps=args.fps,
                ensemble=args.ensemble,
                precision=args.precision,
                channels_last=args.channels_last,
                progress=True,
                overwrite=args.overwrite))
    except (FileNotFoundError, pickle.UnpicklingError, CheckpointError,
            ConfigError) as e:
        # missing files; unsafe globals (UnsafeCheckpointError names them);
        # truncated files and weights of another config; broken configs or
        # configs without a model
        sys.exit(f'error: {e}')
    try:
        check_segments(args.segment_length or None, args.overlap,
                       getattr(inferencer.net, 'interpolate', True))
        autocast_context(args.precision, device)
    except ValueError as e:
        sys.exit(f'error: {e}')
    start = time.time()
    try:
        result = inferencer(video=args.input, result_out_dir=args.output)
    except (InputError, OutputError) as e:
        sys.exit(f'error: {e}')
    elapsed = time.time() - start
    count = result['num_frames']
    print(f'wrote {count} frames to {osp.abspath(args.output)} in '
          f'{elapsed:.1f} s ({count / max(elapsed, 1e-9):.2f} frames/s)')
    return count


if __name__ == '__main__':
    main()
