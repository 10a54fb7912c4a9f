"""Writers of datasets: Vimeo-layout septuplets, LR trees and LMDBs.

Used by ``tools/dataset_converters``, ``tools/demo.py`` and the stand-in
datasets of :mod:`sfvsr_plugin.testing`.
"""
import os
import os.path as osp
import struct
from typing import Callable, List, Mapping, Optional, Sequence

import cv2
import numpy as np

from ..outputs import atomic_output, check_output
from .base import IMG_EXTENSIONS
from .transforms.resize import matlab_downsample


def list_frames(root: str) -> List[str]:
    """Image files under ``root``, relative, ``/``-separated, sorted.

    Symbolic links to folders are followed (a tree of per-clip links is a
    tree of clips); hidden files (unfinished writes) are skipped."""
    if not osp.isdir(root):
        raise FileNotFoundError(f'folder {root} does not exist')
    found = []
    for folder, _, files in os.walk(root, followlinks=True):
        for f in files:
            if f.lower().endswith(IMG_EXTENSIONS) and not f.startswith('.'):
                rel = osp.relpath(osp.join(folder, f), root)
                found.append(rel.replace(os.sep, '/'))
    if not found:
        raise FileNotFoundError(f'no image files under {root}')
    return sorted(found)


def write_rgb(path: str, frame: np.ndarray) -> None:
    """Write an ``(h, w, 3)`` uint8 RGB frame to an image file.

    The folder is created if needed; the extension picks the format.

    Raises:
        OSError: OpenCV could not write the file.
    """
    os.makedirs(osp.dirname(path), exist_ok=True)
    if not cv2.imwrite(path, np.ascontiguousarray(frame[..., ::-1])):
        raise OSError(f'cannot write {path}')


def write_gt_and_lr(frames: Sequence[np.ndarray],
                    names: Sequence[str],
                    gt_dir: str,
                    lr_dir: Optional[str] = None,
                    scale: int = 4) -> None:
    """Write GT frames and, optionally, their MATLAB-like bicubic LR.

    Args:
        frames (sequence[np.ndarray]): ``(h, w, 3)`` uint8 RGB GT frames.
        names (sequence[str]): File name of each frame (``'im1.png'``).
        gt_dir (str): Folder of the GT frames.
        lr_dir (str, optional): Folder of the LR frames (same names), made
            by :func:`matlab_downsample`; None writes no LR.
        scale (int): Downsampling factor. Default: 4.
    """
    for frame, name in zip(frames, names):
        write_rgb(osp.join(gt_dir, name), frame)
        if lr_dir is not None:
            write_rgb(osp.join(lr_dir, name), matlab_downsample(frame, scale))


def write_vimeo_septuplets(root: str,
                           clips: Mapping[str, Sequence[np.ndarray]],
                           lists: Mapping[str, Sequence[str]],
                           scale: int = 4,
                           make_lr: bool = True) -> None:
    """Write septuplets in the Vimeo90K layout, GT and bicubic LR.

    Writes ``sequences/<clip>/im1.png .. im7.png`` (GT), with ``make_lr``
    also ``sequences_BIx<scale>/<clip>/im1.png ..`` (MATLAB-like bicubic, the
    LR of ``make_lr.py`` and of :class:`MakeLRFromGT`), and every list file
    of ``lists``, one clip a line. Everything is checked before anything is
    written.

    Args:
        root (str): Folder written (``data_root`` of the dataset).
        clips (dict): Clip name (``'00001/0001'``) -> its 7 GT frames, a
            ``(7, h, w, 3)`` uint8 RGB array or 7 ``(h, w, 3)`` ones, ``h``
            and ``w`` divisible by ``scale``.
        lists (dict): List file name (``'sep_trainlist.txt'``) -> the clip
            names it lists, all of them in ``clips``.
        scale (int): LR downsampling factor. Default: 4.
        make_lr (bool): Write the LR tree. Default: True.

    Raises:
        ValueError: A clip without 7 frames, a frame size not divisible by
            ``scale``, or a listed clip not in ``clips``.
    """
    for name, frames in clips.items():
        if len(frames) != 7:
            raise ValueError(
                f'clip {name} has {len(frames)} frames, a septuplet has 7')
        for frame in frames if make_lr else ():
            h, w = frame.shape[:2]
            if h % scale or w % scale:
                raise ValueError(f'clip {name}: a GT frame of {w}x{h} (w x h) '
                                 f'is not divisible by {scale}')
    for list_file, names in lists.items():
        missing = [n for n in names if n not in clips]
        if missing:
            raise ValueError(f'{list_file} lists clips that are not written: '
                             f'{", ".join(missing)}')
    frame_names = [f'im{i}.png' for i in range(1, 8)]
    for name, frames in clips.items():
        lr_dir = osp.join(root, f'sequences_BIx{scale}', name) \
            if make_lr else None
        write_gt_and_lr(frames, frame_names, osp.join(root, 'sequences', name),
                        lr_dir, scale)
    for list_file, names in lists.items():
        with open(osp.join(root, list_file), 'w') as f:
            f.writelines(f'{n}\n' for n in names)


def _read(path: str) -> np.ndarray:
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ValueError(f'cannot read image {path}: unreadable or truncated')
    return img


def make_lr_tree(gt_root: str,
                 lr_root: str,
                 scale: int = 4,
                 log: Optional[Callable[[str], None]] = print,
                 log_every: int = 500,
                 overwrite: bool = False) -> int:
    """Write the MATLAB-like bicubic x``scale`` LR mirror of a GT tree.

    Every image under ``gt_root`` is written, downsampled, to the same
    relative path under ``lr_root`` (PNG, same name), with
    :func:`matlab_downsample`, as on-the-fly LR (:class:`MakeLRFromGT`).
    All sizes and the output are checked before anything is written, and
    each frame takes its name only when it is complete.

    Args:
        gt_root (str): GT tree, e.g. ``data/vimeo_septuplet/sequences``.
        lr_root (str): LR tree written, e.g. ``.../sequences_BIx4``.
        scale (int): Downsampling factor. Default: 4.
        log (callable, optional): Progress output. Default: ``print``.
        log_every (int): Frames between progress lines. Default: 500.
        overwrite (bool): Write into a non-empty ``lr_root``. Default: False.

    Returns:
        int: Number of frames written.

    Raises:
        OutputError: ``lr_root`` is, contains or lies inside ``gt_root``, or
            is not empty and ``overwrite`` is False.
        ValueError: A GT frame whose size is not a multiple of ``scale``.
    """
    check_output(
        lr_root, [gt_root],
        overwrite=overwrite,
        folder=True,
        option='overwrite=True (--overwrite)')
    names = list_frames(gt_root)
    for name in names:  # refuse bad sizes before writing anything
        path = osp.join(gt_root, name)
        h, w = _image_size(path)
        if h % scale or w % scale:
            raise ValueError(
                f'GT frame {path} is {w}x{h} (w x h), not divisible by '
                f'{scale}: crop the GT frames to a multiple of {scale} first')
    for i, name in enumerate(names, 1):
        src = osp.join(gt_root, name)
        dst = osp.join(lr_root, osp.splitext(name)[0] + '.png')
        os.makedirs(osp.dirname(dst), exist_ok=True)
        with atomic_output(dst) as tmp:
            if not cv2.imwrite(tmp, matlab_downsample(_read(src), scale)):
                raise OSError(f'cannot write {dst}')
        if log and (i % log_every == 0 or i == len(names)):
            log(f'make_lr: {i}/{len(names)} frames -> {lr_root}')
    return len(names)


def _png_header(data: bytes):
    """(h, w, c) from a PNG's IHDR chunk, or None if not a PNG."""
    if data[:8] != b'\x89PNG\r\n\x1a\n' or len(data) < 26:
        return None
    w, h = struct.unpack('>II', data[16:24])
    channels = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}.get(data[25], 3)
    return h, w, channels


def _image_size(path: str):
    with open(path, 'rb') as f:
        head = _png_header(f.read(26))
    if head is not None:
        return head[:2]
    return _read(path).shape[:2]


def make_lmdb(src_root: str,
              db_path: Optional[str] = None,
              log: Optional[Callable[[str], None]] = print,
              log_every: int = 5000,
              batch: int = 1000,
              overwrite: bool = False) -> str:
    """Pack a tree of frames into an LMDB with a ``meta_info.txt``.

    Keys are the paths relative to ``src_root`` without extension
    (``00001/0266/im1``), values the files' bytes unchanged (so decoding
    gives exactly the frames of the folder). ``meta_info.txt`` in the LMDB
    folder has a line ``00001/0266/im1.png (256,448,3) 1`` per frame
    (BasicSR / MMagic convention: name, (h,w,c), compression level).

    Args:
        src_root (str): Tree of frames, e.g. ``data/Vid4/GT``.
        db_path (str, optional): LMDB folder written. Default:
            ``src_root + '.lmdb'`` (what the datasets look for with
            ``backend_args=dict(backend='lmdb')``).
        log (callable, optional): Progress output. Default: ``print``.
        log_every (int): Frames between progress lines. Default: 5000.
        batch (int): Frames per write transaction. Default: 1000.
        overwrite (bool): Write into a non-empty ``db_path``. Default: False.

    Returns:
        str: ``db_path``.

    Raises:
        OutputError: ``db_path`` is, contains or lies inside ``src_root``,
            or is not empty and ``overwrite`` is False.
    """
    import lmdb
    src_root = src_root.rstrip('/\\')
    db_path = db_path or src_root + '.lmdb'
    check_output(
        db_path, [src_root],
        overwrite=overwrite,
        folder=True,
        option='overwrite=True (--overwrite)')
    names = list_frames(src_root)
    total = sum(osp.getsize(osp.join(src_root, n)) for n in names)
    env = lmdb.open(db_path, map_size=int(total * 1.5) + (64 << 20))
    lines = []
    txn = env.begin(write=True)
    for i, name in enumerate(names, 1):
        path = osp.join(src_root, name)
        with open(path, 'rb') as f:
            data = f.read()
        shape = _png_header(data) or _read(path).shape
        if len(shape) == 2:
            shape = (*shape, 1)
        txn.put(osp.splitext(name)[0].encode('ascii'), data)
        lines.append(f'{name} ({shape[0]},{shape[1]},{shape[2]}) 1\n')
        if i % batch == 0:
            txn.commit()
            txn = env.begin(write=True)
        if log and (i % log_every == 0 or i == len(names)):
            log(f'make_lmdb: {i}/{len(names)} frames -> {db_path}')
    txn.commit()
    env.close()
    with open(osp.join(db_path, 'meta_info.txt'), 'w') as f:
        f.writelines(lines)
    return db_path
