"""Export a trained SFNet to ONNX for a fixed input shape.

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT OUT.onnx
        --frames 4 --size 64x112 [--opset 17] [--batch 1]
        [--verify VIDEO_OR_FOLDER [--repeats N] [--threads T]] [--overwrite]

The file maps ``(batch, frames, 3, h, w)`` normalised LR frames to
``(batch, 2*frames-1, 3, s*h, s*w)``; frames, size and batch are fixed in
it (docs/deployment.md). ``--verify`` runs the file with onnxruntime and
the model with PyTorch on the first frames of a clip (resized to --size)
and prints the largest absolute difference; with ``--repeats`` also the
median seconds per run of each. An existing OUT.onnx is kept unless
--overwrite is given; an OUT.onnx that is one of the inputs is refused.
"""
import argparse
import os.path as osp
import sys

from sfvsr_plugin.utils.cli import number_arg

positive_int = number_arg(int, 1)


def size_arg(value):
    from sfvsr_plugin.apis.export import parse_size
    try:
        return parse_size(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def opset_arg(value):
    from sfvsr_plugin.apis.export import MIN_OPSET
    number = positive_int(value)
    if number < MIN_OPSET:
        raise argparse.ArgumentTypeError(
            f'expected an opset >= {MIN_OPSET} (ONNX GridSample), '
            f'got {value!r}')
    return number


def parse_args(argv=None):
    from sfvsr_plugin.apis.export import DEFAULT_OPSET
    parser = argparse.ArgumentParser(
        description='Export SFNet to ONNX (fixed frames, size and batch)',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('output', help='the .onnx file to write')
    parser.add_argument(
        '--frames', type=positive_int, required=True, help='input frames t')
    parser.add_argument(
        '--size',
        type=size_arg,
        required=True,
        help='HEIGHTxWIDTH of the LR input frames, e.g. 64x112')
    parser.add_argument(
        '--batch', type=positive_int, default=1, help='clips per run')
    parser.add_argument(
        '--opset', type=opset_arg, default=DEFAULT_OPSET, help='ONNX opset')
    parser.add_argument(
        '--verify',
        metavar='VIDEO_OR_FOLDER',
        help='compare onnxruntime with PyTorch on the first frames of this '
        'clip (needs --batch 1)')
    parser.add_argument(
        '--repeats',
        type=int,
        default=0,
        help='with --verify: time this many runs of each (median)')
    parser.add_argument(
        '--threads',
        type=positive_int,
        default=None,
        help='with --verify: threads of both runtimes')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace an existing output file (never an input)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from sfvsr_plugin.apis.errors import exit_on_user_error, read_config
    from sfvsr_plugin.apis.export import (ExportError, compare_with_pytorch,
                                          export_onnx, read_clip)
    from sfvsr_plugin.apis.running import init_model
    from sfvsr_plugin.outputs import OutputError, check_output

    try:  # before anything is loaded
        check_output(
            args.output,
            [p for p in (args.config, args.checkpoint, args.verify) if p],
            overwrite=args.overwrite)
    except OutputError as err:
        sys.exit(f'error: {err}')
    folder = osp.dirname(osp.abspath(args.output))
    if not osp.isdir(folder):
        sys.exit(f'error: output folder {folder} does not exist: create it '
                 'or write the file elsewhere')
    if args.verify and args.batch != 1:
        sys.exit(f'error: --verify with --batch {args.batch}: verification '
                 'runs one clip, export with --batch 1 to verify')
    with exit_on_user_error():
        config = read_config(args.config)
        model = init_model(config, args.checkpoint, device='cpu')
        clip = (
            read_clip(model, args.verify, args.frames, args.size)
            if args.verify else None)
    try:
        export_onnx(
            model,
            args.output,
            args.frames,
            args.size,
            opset=args.opset,
            batch=args.batch,
            overwrite=args.overwrite)
    except (ExportError, OutputError) as err:
        sys.exit(f'error: {err}')
    h, w = args.size
    print(f'wrote {args.output}: input lqs ({args.batch}, {args.frames}, 3, '
          f'{h}, {w}), opset {args.opset}')
    if clip is None:
        return None
    result = compare_with_pytorch(
        model, args.output, clip, repeats=args.repeats, threads=args.threads)
    print(f'max abs difference onnxruntime vs PyTorch: '
          f'{result["max_abs_diff"]:.3g}')
    if args.repeats > 0:
        print(f'seconds per run (median of {args.repeats}, threads '
              f'{args.threads or "default"}): onnxruntime '
              f'{result["onnxruntime_s"]:.4f}, PyTorch '
              f'{result["pytorch_s"]:.4f}')
    return result


if __name__ == '__main__':
    main()
