"""Common base of the clip datasets: folders or LMDB, checked at build."""
import os
import os.path as osp
from typing import Dict, List, Optional

from mmengine.dataset import BaseDataset
from mmengine.fileio import list_from_file

#: File extensions read as frames (by the datasets and by inference on a
#: folder of frames): what OpenCV decodes.
IMG_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp',
                  '.ppm', '.pgm')
#: The tasks: space-time (4 LR frames in, 7 HR out), space-only (all LR
#: frames in) and time-only (full-resolution frames 1 and 3 in, 2 out).
MODES = ('stvsr', 'svsr', 'tvsr')


class IncompleteDatasetError(ValueError):
    """A published test set has other clips or frames than published."""


def read_lmdb_meta(db_path: str) -> Dict[str, str]:
    """Keys of an LMDB made by ``make_lmdb.py``, from its ``meta_info.txt``.

    Args:
        db_path (str): The ``.lmdb`` folder.

    Returns:
        dict: LMDB key (``00001/0266/im1``) -> file name it was made from
        (``00001/0266/im1.png``).
    """
    meta = osp.join(db_path, 'meta_info.txt')
    if not osp.isfile(meta):
        raise FileNotFoundError(
            f'LMDB {db_path} has no meta_info.txt; make it with '
            'tools/dataset_converters/make_lmdb.py')
    keys = {}
    for line in list_from_file(meta):
        if line.strip():
            name = line.split(' ')[0]
            keys[osp.splitext(name)[0]] = name
    return keys


class ClipDataset(BaseDataset):
    """Base of the datasets whose samples are clips (lists of frame paths).

    A sample (``data_info``) has ``key`` (the sample's name), ``clip`` (the
    clip it belongs to: windows of one clip share it), ``img_path`` and
    ``gt_path`` (lists of all frame paths of the clip, or window),
    ``scale``, ``frame_offset`` (first frame of a window within its clip),
    and with LMDB ``img_backend_args`` / ``gt_backend_args``. The pipeline
    selects the frames to load (:class:`OddFrameSampling`).

    Storage is chosen by ``backend_args``: ``None`` reads the folders
    ``data_root/data_prefix[k]``; ``dict(backend='lmdb')`` reads the LMDBs
    ``data_root/data_prefix[k] + '.lmdb'`` made by ``make_lmdb.py`` (or
    ``data_prefix[k]`` itself if it ends with ``.lmdb``), whose keys are
    the frame paths relative to the tree, without extension
    (``00001/0266/im1``). That one setting switches a config between the
    two.

    Args:
        mode (str): 'stvsr', 'svsr' or 'tvsr'. Default: 'stvsr'.
        scale (int): GT size / LR size. Default: 4.
        check_files (bool): Check at build that every clip and frame exists
            (errors name the clip, the file and the rule). Default: True.
        check_published (bool): When the data is a published test set
            (Vimeo90K's ``fast_testset.txt`` ..., Vid4), check that it has
            the published number of clips (and frames) and raise
            :class:`IncompleteDatasetError` otherwise, so that an
            incomplete download is found at build time. Set it to False
            for custom lists that reuse the published names (stand-ins).
            Default: True.
        backend_args (dict, optional): See above. Default: None.
        **kwargs: Arguments of mmengine's ``BaseDataset`` (``data_root``,
            ``data_prefix``, ``ann_file``, ``pipeline``, ``test_mode``...).
    """

    def __init__(self,
                 mode: str = 'stvsr',
                 scale: int = 4,
                 check_files: bool = True,
                 check_published: bool = True,
                 backend_args: Optional[dict] = None,
                 **kwargs):
        if mode not in MODES:
            raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
        self.mode = mode
        self.scale = scale
        self.check_files = check_files
        self.check_published = check_published
        self.backend_args = backend_args.copy() if backend_args else None
        self.use_lmdb = bool(backend_args) and \
            backend_args.get('backend') == 'lmdb'
        if backend_args and not self.use_lmdb:
            raise ValueError('backend_args must be None (folders) or '
                             f"dict(backend='lmdb'), got {backend_args}")
        self._lmdb_keys: Dict[str, Dict[str, str]] = {}
        super().__init__(**kwargs)

    # storage ---------------------------------------------------------------
    def db_path(self, prefix_key: str) -> str:
        """The LMDB folder of ``data_prefix[prefix_key]``."""
        path = self.data_prefix[prefix_key].rstrip('/\\')
        return path if path.endswith('.lmdb') else path + '.lmdb'

    def lmdb_keys(self, prefix_key: str) -> Dict[str, str]:
        """Keys of the LMDB of ``prefix_key`` (see :func:`read_lmdb_meta`)."""
        if prefix_key not in self._lmdb_keys:
            self._lmdb_keys[prefix_key] = read_lmdb_meta(
                self.db_path(prefix_key))
        return self._lmdb_keys[prefix_key]

    def where(self, prefix_key: str) -> str:
        """Human-readable name of the tree of ``prefix_key``."""
        if self.use_lmdb:
            return f'LMDB {self.db_path(prefix_key)}'
        return self.data_prefix[prefix_key]

    def list_clip(self, prefix_key: str, clip: str) -> Optional[List[str]]:
        """Sorted frame names (with extension) of a clip; None if absent."""
        if self.use_lmdb:
            names = [
                osp.basename(name)
                for key, name in self.lmdb_keys(prefix_key).items()
                if osp.dirname(key) == clip
            ]
            return sorted(names) if names else None
        folder = osp.join(self.data_prefix[prefix_key], clip)
        if not osp.isdir(folder):
            return None
        return sorted(
            f for f in os.listdir(folder)
            if f.lower().endswith(IMG_EXTENSIONS))

    def frame_path(self, prefix_key: str, clip: str, name: str) -> str:
        """Path (folders) or LMDB key of frame ``name`` of ``clip``."""
        if self.use_lmdb:
            return '/'.join(p for p in (clip, osp.splitext(name)[0]) if p)
        return osp.join(self.data_prefix[prefix_key], clip, name)

    def make_info(self,
                  key: str,
                  clip: str,
                  names: List[str],
                  offset: int = 0,
                  clip_name: Optional[str] = None) -> dict:
        """The data info of a sample made of frames ``names`` of ``clip``.

        ``clip_name`` names the clip in the metrics (default: ``key``).
        """
        info = dict(
            key=key,
            clip=clip_name or key,
            scale=self.scale,
            frame_offset=offset)
        for k in self.data_prefix:
            info[f'{k}_path'] = [self.frame_path(k, clip, n) for n in names]
            if self.use_lmdb:
                info[f'{k}_backend_args'] = dict(
                    self.backend_args, db_path=self.db_path(k))
        return info

    def refuse_unpublished(self, what: str, found, expected) -> None:
        """Raise :class:`IncompleteDatasetError` for a published set."""
        raise IncompleteDatasetError(
            f'{what} has {found}, but the published set has {expected}: '
            'complete the download (docs/dataset_prepare.md), or pass '
            'check_published=False to the dataset to use it as it is')

    def read_ann(self) -> List[List[str]]:
        """Non-empty lines of the annotation file, split on whitespace."""
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'annotation file {self.ann_file} does not exist')
        return [
            line.split() for line in list_from_file(self.ann_file)
            if line.strip()
        ]
