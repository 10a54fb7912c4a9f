"""Vimeo90K septuplets (ST-VSR, S-VSR) and triplets (T-VSR)."""
import os.path as osp
from typing import List, Optional

from mmagic.registry import DATASETS

from .base import ClipDataset


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
                 **kwargs):
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
        """One data info per clip of the list file."""
        names = [f'im{i}.png' for i in range(1, self.num_frames + 1)]
        data_list = []
        for fields in self.read_ann():
            clip = fields[0].strip('/')
            if self.check_files:
                self._check_clip(clip, names)
            data_list.append(self.make_info(clip, clip, names))
        if not data_list:
            raise ValueError(f'list file {self.ann_file} names no clip')
        return data_list
