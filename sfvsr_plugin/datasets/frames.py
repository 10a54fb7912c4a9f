"""Folders of frames as clips: Vid4 and users' own footage."""
import os
import os.path as osp
from typing import Dict, List, Optional, Tuple

from mmagic.registry import DATASETS

from .base import IMG_EXTENSIONS, ClipDataset

#: The published Vid4: its clips and their numbers of frames (171 in all).
VID4_CLIP_LENGTHS = dict(calendar=41, city=34, foliage=49, walk=47)


def window_starts(num_frames: int, window_len: int, stride: int) -> List[int]:
    """First frames of the sliding windows of the ZSM / TMNet protocol.

    Windows of ``window_len`` frames start every ``stride`` frames; if the
    last one does not reach the end of the clip, one more window, shifted
    back to end at the last frame, is added.

    Args:
        num_frames (int): Frames of the clip.
        window_len (int): Frames of a window (7 for 4 inputs in ST-VSR).
        stride (int): Step between windows (6: windows share one frame).

    Returns:
        list[int]: Start indices, e.g. ``[0, 6, ..., 30, 34]`` for 41
        frames, windows of 7, stride 6.
    """
    if num_frames < window_len:
        raise ValueError(f'a clip of {num_frames} frames is shorter than a '
                         f'window of {window_len} frames')
    if stride < 1:
        raise ValueError(f'stride must be positive, got {stride}')
    starts = list(range(0, num_frames - window_len + 1, stride))
    if starts[-1] + window_len < num_frames:
        starts.append(num_frames - window_len)
    return starts


@DATASETS.register_module()
class STVSRFramesDataset(ClipDataset):
    """Clips that are folders of frames, e.g. users' own footage.

    ``data_root/data_prefix[k]`` is either one folder of frames (one clip,
    keyed by the folder's name) or a folder of such folders (one clip per
    sub-folder). Frames are sorted by file name. With ``img`` only, the
    frames are LR inputs and all of them are used (ST-VSR outputs
    ``2t - 1`` frames); with ``gt`` only, LR frames are made in the
    pipeline (:class:`MakeLRFromGT`); with both, every GT frame needs an LR
    frame of the same name. A video file can be turned into such a folder
    with :func:`sfvsr_plugin.testing.video_to_frames`
    (``tools/dataset_converters/make_stand_in.py frames``).

    Args:
        data_root (str): Root of the folders.
        data_prefix (dict): Folders of ``img`` (LR) and/or ``gt`` frames.
            Default: ``dict(img='')``.
        ann_file (str): Optional meta file, one clip per line, optionally
            with its number of frames (MMagic's ``calendar 41``), which is
            then checked. Default: '' (all sub-folders).
        mode (str): 'stvsr', 'svsr' or 'tvsr'. Default: 'stvsr'.
        window (dict, optional): ``None``: one sample per whole clip.
            ``dict(num_input_frames=4, stride=6)``: sliding windows of
            ``2 * 4 - 1 = 7`` frames in ST-VSR (4 in S-VSR, or LR-only
            clips), every 6 frames, the last one shifted back to end at the
            clip's end (ZSM / TMNet); ``dict(num_frames=7, stride=6)`` gives
            the window length directly. Keys are ``<clip>/<start:04d>``.
        **kwargs: See :class:`ClipDataset` (``scale``, ``check_files``,
            ``backend_args``, ``pipeline``, ``test_mode``, ...).
    """

    METAINFO = dict(dataset_type='frames', task_name='stvsr')

    def __init__(self,
                 data_root: str,
                 data_prefix: dict = dict(img=''),
                 ann_file: str = '',
                 mode: str = 'stvsr',
                 window: Optional[dict] = None,
                 **kwargs):
        self.window = dict(window) if window else None
        super().__init__(
            data_root=data_root,
            data_prefix=data_prefix,
            ann_file=ann_file,
            mode=mode,
            **kwargs)

    @property
    def search_key(self) -> str:
        """The tree whose clips and frames define the samples."""
        return 'gt' if 'gt' in self.data_prefix else next(
            iter(self.data_prefix))

    def window_len(self) -> int:
        """Frames of one window (see ``window``)."""
        if 'num_frames' in self.window:
            return int(self.window['num_frames'])
        n = int(self.window['num_input_frames'])
        if self.mode == 'stvsr' and 'gt' in self.data_prefix:
            return 2 * n - 1
        return n

    def _find_clips(self) -> List[Tuple[str, Optional[int]]]:
        if self.ann_file:
            return [(f[0].strip('/'), int(f[1]) if len(f) > 1 else None)
                    for f in self.read_ann()]
        k = self.search_key
        if self.use_lmdb:
            keys = self.lmdb_keys(k)
            return [(c, None)
                    for c in sorted({osp.dirname(key)
                                     for key in keys})]
        root = self.data_prefix[k]
        if not osp.isdir(root):
            raise FileNotFoundError(f'frame folder {root} does not exist')
        entries = sorted(os.listdir(root))
        if any(e.lower().endswith(IMG_EXTENSIONS) for e in entries):
            return [('', None)]
        clips = [(e, None) for e in entries if osp.isdir(osp.join(root, e))]
        if not clips:
            raise FileNotFoundError(
                f'{root} holds neither frames nor folders of frames')
        return clips

    def _clip_frames(self, clip: str, count: Optional[int]) -> List[str]:
        ref = self.search_key
        names = self.list_clip(ref, clip)
        shown = clip or self.data_prefix[ref]
        if names is None:
            raise FileNotFoundError(
                f'clip {shown} does not exist in {self.where(ref)}')
        if not names:
            raise FileNotFoundError(
                f'clip {shown} in {self.where(ref)} has no frames')
        if count is not None and len(names) != count:
            raise ValueError(
                f'clip {shown} in {self.where(ref)} has {len(names)} frames '
                f'but {osp.basename(self.ann_file)} says {count}')
        if not self.check_files:
            return names
        for k in self.data_prefix:
            if k == ref:
                continue
            found = self.list_clip(k, clip)
            if found is None:
                raise FileNotFoundError(
                    f'clip {shown} does not exist in {self.where(k)}')
            missing = [n for n in names if n not in found]
            if missing or len(found) != len(names):
                raise ValueError(
                    f'clip {shown} has {len(found)} frames in '
                    f'{self.where(k)} but {len(names)} in {self.where(ref)}'
                    f'; missing there: {", ".join(missing[:5]) or "none"}'
                    f'{" ..." if len(missing) > 5 else ""}: the trees must '
                    'mirror each other (same frame names)')
        return names

    def load_data_list(self) -> List[dict]:
        """One data info per clip, or per window of a clip."""
        data_list = []
        clips = self._find_clips()
        frames_of = {
            clip: self._clip_frames(clip, count)
            for clip, count in clips
        }
        self.check_published_clips(frames_of)
        for clip, names in frames_of.items():
            key = clip or osp.basename(
                self.data_prefix[self.search_key].rstrip('/\\'))
            if not self.window:
                data_list += self._whole_clip_infos(key, clip, names)
                continue
            length = self.window_len()
            try:
                starts = window_starts(
                    len(names), length,
                    int(self.window.get('stride', length - 1)))
            except ValueError as err:
                raise ValueError(f'clip {key}: {err}') from err
            for s in starts:
                data_list.append(
                    self.make_info(f'{key}/{s:04d}', clip, names[s:s + length],
                                   s, key))
        return data_list

    def _whole_clip_infos(self, key: str, clip: str,
                          names: List[str]) -> List[dict]:
        """One sample for the whole clip, two when its GT has even length.

        In ST-VSR ``t`` inputs give ``2t - 1`` outputs, so with GT frames
        ``0, 2, ..., n - 2`` as inputs a clip of even length ``n`` leaves
        its last GT frame unscored. As the window protocol does for its
        last window, one more pass, shifted to end at the last frame (inputs
        ``1, 3, ..., n - 1``), covers it; the metrics score only the frames
        that the first pass did not (:func:`merge_frame_scores`).
        """
        n = len(names)
        if self.mode != 'stvsr' or 'gt' not in self.data_prefix or n % 2 \
                or n < 2:
            return [self.make_info(key, clip, names)]
        return [
            self.make_info(key, clip, names[:n - 1], 0, key),
            self.make_info(f'{key}/0001', clip, names[1:], 1, key)
        ]

    def check_published_clips(self, frames_of: Dict[str, List[str]]) -> None:
        """Hook for published sets (:class:`STVSRVid4Dataset`).

        Args:
            frames_of (dict): Clip -> its sorted frame names.
        """


@DATASETS.register_module()
class STVSRVid4Dataset(STVSRFramesDataset):
    """Vid4: ``GT/<clip>/*.png`` and ``BIx4/<clip>/*.png``.

    Clips have different lengths (calendar 41, city 34, foliage 49, walk 47
    frames). In ST-VSR the inputs are frames 0, 2, 4, ... and the GT all
    frames up to the last even-indexed one (city: 17 inputs, 33 GT frames)
    when ``window`` is None, plus, for clips of even length, a second pass
    on frames ``1 ... n - 1`` whose last frame is the only one it adds to
    the scores (key ``city/0001``); with ``window=dict(num_input_frames=4,
    stride=6)`` the clip is cut into the ZSM / TMNet windows of 4 inputs
    and 7 outputs (calendar: windows at 0, 6, ..., 30 and 34; keys
    ``calendar/0000``, ...). Either way each of the 171 GT frames is scored
    once (docs/evaluation.md).

    With ``check_published=True`` (default) the clips must be exactly the
    published four, with 41, 34, 49 and 47 frames.

    Args:
        data_root (str): Root of the Vid4 layout.
        data_prefix (dict): Default: ``dict(img='BIx4', gt='GT')``.
        ann_file (str): Optional meta file (``calendar 41`` lines).
        **kwargs: See :class:`STVSRFramesDataset`.
    """

    METAINFO = dict(dataset_type='vid4', task_name='stvsr')
    PUBLISHED_CLIPS = VID4_CLIP_LENGTHS

    def __init__(self,
                 data_root: str,
                 data_prefix: dict = dict(img='BIx4', gt='GT'),
                 ann_file: str = '',
                 **kwargs):
        super().__init__(
            data_root=data_root,
            data_prefix=data_prefix,
            ann_file=ann_file,
            **kwargs)

    def check_published_clips(self, frames_of: Dict[str, List[str]]) -> None:
        """The clips and their frame counts must be the published ones."""
        if not self.check_published:
            return
        names = sorted(frames_of)
        published = sorted(self.PUBLISHED_CLIPS)
        if names != published:
            self.refuse_unpublished(f'Vid4 in {self.where(self.search_key)}',
                                    f'clips {names}', f'{published}')
        for clip, frames in frames_of.items():
            if len(frames) != self.PUBLISHED_CLIPS[clip]:
                self.refuse_unpublished(
                    f'Vid4 clip {clip} in {self.where(self.search_key)}',
                    f'{len(frames)} frames', f'{self.PUBLISHED_CLIPS[clip]}')
