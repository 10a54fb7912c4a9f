"""Write the MATLAB-like bicubic x4 LR mirror of a GT tree, once.

Example::

    python tools/dataset_converters/make_lr.py \
        data/vimeo_septuplet/sequences data/vimeo_septuplet/sequences_BIx4
    python tools/dataset_converters/make_lr.py data/Vid4/GT data/Vid4/BIx4
"""
import argparse
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('gt_root', help='GT tree (any depth of folders)')
    parser.add_argument('lr_root', help='LR tree to write (same names)')
    parser.add_argument('--scale', type=int, default=4)
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='write into a non-empty LR tree (never into the GT tree)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from sfvsr_plugin.datasets import make_lr_tree
    try:
        n = make_lr_tree(
            args.gt_root,
            args.lr_root,
            scale=args.scale,
            overwrite=args.overwrite)
    except (ValueError, FileNotFoundError) as err:
        print(f'make_lr: error: {err}', file=sys.stderr)
        return 1
    print(f'make_lr: wrote {n} frames to {args.lr_root}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
