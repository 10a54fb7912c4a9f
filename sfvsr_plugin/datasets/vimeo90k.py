"""Vimeo90K septuplets (ST-VSR, S-VSR) and triplets (T-VSR)."""
import os.path as osp
from typing import List, Optional

from mmagic.registry import DATASETS

from .base import ClipDataset

#: Clips of the published Vimeo90K test lists (ZSM / TMNet's Fast, Medium,
#: Slow split of ``sep_testlist.txt``; the septuplet and triplet test lists).
PUBLISHED_LIST_SIZES = {
    'fast_testset.txt': 1225,
    'medium_testset.txt': 4977,
    'slow_testset.txt': 1613,
    'sep_testlist.txt': 7824,
    'tri_testlist.txt': 3782,
}
HOLDOUT_SPLITS = ('train', 'val')


def holdout_lines(num_lines: int, every: int) -> List[int]:
    """Lines (0-based) of a list file held out for validation.

    Every ``every``-th clip of the list, starting with the ``every``-th
    (lines ``every - 1, 2 * every - 1, ...``): 646 of the 64612 clips of
    ``sep_trainlist.txt`` for ``every=100``. It depends only on the list's
    order, so it is the same on every machine and every run.
    """
    if every < 2:
        raise ValueError(f'holdout_every must be at least 2, got {every}')
    return list(range(every - 1, num_lines, every))


@DATASETS.register_module()
class STVSRVimeo90KDataset(ClipDataset):
    """Vimeo90K clips listed in a list file, one sample per clip.

    Layout (septuplets; triplets alike with ``im1..im3`` and
    ``tri_*list.txt``)::

        data_root/
          sequences/00001/0266/im1.png ... im7.png        (GT, 448x256)
          sequences_BIx4/00001/0266/im1.png ... im7.png   (LR, 112x64)
          sep_trainlist.txt   sep_testlist.txt   (lines like 00001/0266)
          fast_testset.txt  medium_testset.txt  slow_testset.txt

    A sample has ``key`` (``00001/0266``) and ``img_path`` / ``gt_path``
    listing all frames of the clip; :class:`OddFrameSampling` picks the
    ones to load. Without ``img`` in ``data_prefix`` there are no LR paths
    and the pipeline makes them (:class:`MakeLRFromGT`).

    Args:
        data_root (str): Root of the layout above.
        ann_file (str): List file, relative to ``data_root``.
        data_prefix (dict): Trees of the LR (``img``) and GT (``gt``)
            frames. Default: ``dict(img='sequences_BIx4', gt='sequences')``.
            For T-VSR both are ``'sequences'`` (full-resolution input).
        mode (str): 'stvsr', 'svsr' or 'tvsr'. Default: 'stvsr'.
        num_frames (int, optional): Frames per clip; 3 for 'tvsr', else 7.
        check_files (bool): Check at build that every listed clip has
            exactly ``im1..im<num_frames>`` in every tree. Default: True.
        holdout (str, optional): Split a validation set off the list (it is
            meant for the training list): ``'val'`` keeps only the held-out
            clips (:func:`holdout_lines`), ``'train'`` all others, None the
            whole list. Checkpoints are selected on ``'val'``, never on the
            test sets. Default: None.
        holdout_every (int): Every how many clips one is held out.
            Default: 100 (1% of the list).
        **kwargs: See :class:`ClipDataset` (``scale``, ``backend_args``,
            ``pipeline``, ``test_mode``, ...).
    """

    METAINFO = dict(dataset_type='vimeo90k', task_name='stvsr')

    def __init__(self,
                 data_root: str,
                 ann_file: str,
                 data_prefix: dict = dict(
                     img='sequences_BIx4', gt='sequences'),
                 mode: str = 'stvsr',
                 num_frames: Optional[int] = None,
                 holdout: Optional[str] = None,
                 holdout_every: int = 100,
                 **kwargs):
        if holdout not in (None, ) + HOLDOUT_SPLITS:
            raise ValueError(f'holdout must be None or one of '
                             f'{HOLDOUT_SPLITS}, got {holdout!r}')
        self.holdout = holdout
        self.holdout_every = holdout_every
        self.num_frames = num_frames or (3 if mode == 'tvsr' else 7)
        if mode == 'tvsr':
            kwargs.setdefault('scale', 1)
        super().__init__(
            data_root=data_root,
            ann_file=ann_file,
            data_prefix=data_prefix,
            mode=mode,
            **kwargs)

    def _check_clip(self, clip: str, names: List[str]) -> None:
        list_name = osp.basename(self.ann_file)
        for k in self.data_prefix:
            found = self.list_clip(k, clip)
            if found is None:
                raise FileNotFoundError(
                    f'clip {clip} listed in {list_name} does not exist in '
                    f'{self.where(k)}')
            missing = [n for n in names if n not in found]
            if missing:
                raise FileNotFoundError(
                    f'clip {clip} in {self.where(k)} is missing frame(s) '
                    f'{", ".join(missing)}: a Vimeo clip has exactly '
                    f'{names[0]} ... {names[-1]}')
            if len(found) != len(names):
                raise ValueError(
                    f'clip {clip} in {self.where(k)} has {len(found)} frames '
                    f'({", ".join(found)}), expected {len(names)} '
                    f'({names[0]} ... {names[-1]})')

    def load_data_list(self) -> List[dict]:
        """One data info per clip of the list file (or of its split)."""
        names = [f'im{i}.png' for i in range(1, self.num_frames + 1)]
        lines = self.read_ann()
        list_name = osp.basename(self.ann_file)
        expected = PUBLISHED_LIST_SIZES.get(list_name)
        if self.check_published and expected and len(lines) != expected:
            self.refuse_unpublished(f'list file {self.ann_file}',
                                    f'{len(lines)} clips', f'{expected}')
        if self.holdout:
            held = set(holdout_lines(len(lines), self.holdout_every))
            lines = [
                f for i, f in enumerate(lines)
                if (i in held) == (self.holdout == 'val')
            ]
        data_list = []
        for fields in lines:
            clip = fields[0].strip('/')
            if self.check_files:
                self._check_clip(clip, names)
            data_list.append(self.make_info(clip, clip, names))
        if not data_list:
            split = f' (holdout={self.holdout!r}, holdout_every=' \
                f'{self.holdout_every})' if self.holdout else ''
            raise ValueError(f'list file {self.ann_file} names no clip{split}')
        return data_list
