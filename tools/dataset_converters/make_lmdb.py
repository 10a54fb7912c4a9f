"""Pack trees of frames into LMDBs (keys ``00001/0266/im1``) + meta_info.txt.

Each tree ``X`` becomes ``X.lmdb`` next to it, which is where the datasets
look with ``backend_args=dict(backend='lmdb')``. Example::

    python tools/dataset_converters/make_lmdb.py \
        data/vimeo_septuplet/sequences data/vimeo_septuplet/sequences_BIx4
    python tools/dataset_converters/make_lmdb.py data/Vid4/GT data/Vid4/BIx4
"""
import argparse
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('trees', nargs='+', help='folders of frames')
    parser.add_argument(
        '--out',
        nargs='+',
        default=None,
        help='LMDB folders to write (default: <tree>.lmdb)')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='write into existing, non-empty LMDB folders')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    outs = args.out or [None] * len(args.trees)
    if len(outs) != len(args.trees):
        print('make_lmdb: error: give one --out per tree', file=sys.stderr)
        return 1
    from sfvsr_plugin.datasets import make_lmdb
    for tree, out in zip(args.trees, outs):
        try:
            path = make_lmdb(tree, out, overwrite=args.overwrite)
        except (ValueError, FileNotFoundError) as err:
            print(f'make_lmdb: error: {err}', file=sys.stderr)
            return 1
        print(f'make_lmdb: {tree} -> {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
