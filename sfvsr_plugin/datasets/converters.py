"""Writers of LR trees and LMDBs (``tools/dataset_converters``)."""
import os
import os.path as osp
import struct
from typing import Callable, List, Optional

import cv2
import numpy as np

from .base import IMG_EXTENSIONS
from .transforms.resize import matlab_downsample


def list_frames(root: str) -> List[str]:
    """Image files under ``root``, relative, ``/``-separated, sorted."""
    if not osp.isdir(root):
        raise FileNotFoundError(f'folder {root} does not exist')
    found = []
    for folder, _, files in os.walk(root):
        for f in files:
            if f.lower().endswith(IMG_EXTENSIONS):
                rel = osp.relpath(osp.join(folder, f), root)
                found.append(rel.replace(os.sep, '/'))
    if not found:
        raise FileNotFoundError(f'no image files under {root}')
    return sorted(found)


def _read(path: str) -> np.ndarray:
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ValueError(f'cannot read image {path}: unreadable or truncated')
    return img


def make_lr_tree(gt_root: str,
                 lr_root: str,
                 scale: int = 4,
                 log: Optional[Callable[[str], None]] = print,
                 log_every: int = 500) -> int:
    """Write the MATLAB-like bicubic x``scale`` LR mirror of a GT tree.

    Every image under ``gt_root`` is written, downsampled, to the same
    relative path under ``lr_root`` (PNG, same name), with
    :func:`matlab_downsample`, as on-the-fly LR (:class:`MakeLRFromGT`).
    All sizes are checked before anything is written.

    Args:
        gt_root (str): GT tree, e.g. ``data/vimeo_septuplet/sequences``.
        lr_root (str): LR tree written, e.g. ``.../sequences_BIx4``.
        scale (int): Downsampling factor. Default: 4.
        log (callable, optional): Progress output. Default: ``print``.
        log_every (int): Frames between progress lines. Default: 500.

    Returns:
        int: Number of frames written.
    """
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
        if not cv2.imwrite(dst, matlab_downsample(_read(src), scale)):
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
              batch: int = 1000) -> str:
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

    Returns:
        str: ``db_path``.
    """
    import lmdb
    src_root = src_root.rstrip('/\\')
    db_path = db_path or src_root + '.lmdb'
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
