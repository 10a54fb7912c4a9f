"""Selection of input and ground-truth frames for ST-VSR, S-VSR and T-VSR."""
from typing import List

from mmagic.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..base import MODES

#: Keys a pipeline's ``PackInputs(meta_keys=...)`` must keep so that the
#: metrics (``FramePSNR(frames='inserted')``, ...) and the visualizer find
#: them in the data sample's metainfo. MMagic's ``PackInputs`` drops keys it
#: does not know (``key`` included) unless they are listed in ``meta_keys``.
#: ``clip`` and ``frame_offset`` let the metrics merge the windows of a clip
#: (each GT frame scored once, clips weighted equally).
STVSR_META_KEYS = [
    'key', 'clip', 'input_frame_indices', 'inserted_frame_indices',
    'frame_offset'
]


@TRANSFORMS.register_module()
class OddFrameSampling(BaseTransform):
    """Choose which frames are inputs and which are ground truth.

    It works on the paths (``img_path``, ``gt_path``), before loading, so
    unused LR frames are never read; when the frames are already loaded
    (``img`` / ``gt`` present) they are selected alike.

    Modes, for a clip whose GT has ``n`` frames:

    - ``'stvsr'``: the clip is cut to ``T = n`` (odd ``n``) or ``n - 1``
      frames; inputs are the LR frames ``0, 2, ..., T - 1`` (``t = (T+1)/2``
      of them) and GT all ``T`` frames. Without GT (users' footage) all LR
      frames are inputs and the output has ``2t - 1`` frames.
    - ``'svsr'``: all LR frames in, all GT frames out.
    - ``'tvsr'``: a triplet at full resolution: frames 0 and 2 are the
      input, frame 1 (one image, not a list) the GT.

    Added keys: ``input_frame_indices`` (output indices that have an input
    frame), ``inserted_frame_indices`` (output indices the net
    interpolates), ``num_input_frames``, ``num_output_frames``.

    Args:
        mode (str): 'stvsr', 'svsr' or 'tvsr'. Default: 'stvsr'.
        lq_key (str): Key of the input frames. Default: 'img'.
        gt_key (str): Key of the GT frames. Default: 'gt'.
    """

    def __init__(self,
                 mode: str = 'stvsr',
                 lq_key: str = 'img',
                 gt_key: str = 'gt'):
        if mode not in MODES:
            raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
        self.mode = mode
        self.lq_key = lq_key
        self.gt_key = gt_key

    def _lengths(self, results: dict, key: str):
        """Number of frames under ``key`` (paths or images), or None."""
        for k in (f'{key}_path', key):
            value = results.get(k)
            if value is not None:
                if not isinstance(value, (list, tuple)):
                    raise ValueError(
                        f'OddFrameSampling needs a list of frames in '
                        f"{k!r} of clip {results.get('key', '?')}, got one "
                        f'{type(value).__name__}')
                return len(value)
        return None

    def _select(self, results: dict, key: str, indices) -> None:
        for k in (f'{key}_path', key):
            value = results.get(k)
            if value is None:
                continue
            if isinstance(indices, int):
                results[k] = value[indices]
            else:
                results[k] = [value[i] for i in indices]

    def transform(self, results: dict) -> dict:
        """Select frames and write the index bookkeeping.

        Args:
            results (dict): With ``img_path`` and/or ``gt_path`` (lists of
                frame paths, or of loaded frames under ``img`` / ``gt``).

        Returns:
            dict: ``results`` with the selected frames and the new keys.
        """
        clip = results.get('key', '?')
        n_lq = self._lengths(results, self.lq_key)
        n_gt = self._lengths(results, self.gt_key)
        if n_lq is None and n_gt is None:
            raise KeyError(f'clip {clip} has neither {self.lq_key!r} nor '
                           f'{self.gt_key!r} frames')
        if n_lq is not None and n_gt is not None and n_lq != n_gt:
            raise ValueError(
                f'clip {clip} has {n_lq} input ({self.lq_key}) frames but '
                f'{n_gt} GT frames: every GT frame needs its LR frame '
                '(mirror trees with the same frame names)')
        n = n_gt if n_gt is not None else n_lq
        if n == 0:
            raise ValueError(f'clip {clip} has no frames')

        if self.mode == 'svsr':
            inputs: List[int] = list(range(n))
            num_out = n
            self._select(results, self.lq_key, inputs)
        elif self.mode == 'tvsr':
            if n != 3:
                raise ValueError(
                    f'T-VSR needs triplets, but clip {clip} has {n} frames')
            if n_gt is None:
                raise ValueError(f'T-VSR clip {clip} has no GT frames')
            inputs, num_out = [0, 2], 3
            self._select(results, self.lq_key, inputs)
            self._select(results, self.gt_key, 1)
        elif n_gt is None:  # stvsr, LR only: all of it is input
            inputs = list(range(0, 2 * n - 1, 2))
            num_out = 2 * n - 1
        else:  # stvsr
            num_out = n if n % 2 else n - 1
            inputs = list(range(0, num_out, 2))
            self._select(results, self.lq_key, inputs)
            self._select(results, self.gt_key, range(num_out))

        results['input_frame_indices'] = inputs
        results['inserted_frame_indices'] = [
            i for i in range(num_out) if i not in set(inputs)
        ]
        results['num_input_frames'] = len(inputs)
        results['num_output_frames'] = num_out
        results.setdefault('frame_offset', 0)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(mode={self.mode!r}, '
                f'lq_key={self.lq_key!r}, gt_key={self.gt_key!r})')
