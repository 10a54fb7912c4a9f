"""Per-sample checks that LR frames are exactly 1/scale of their GT."""
from mmagic.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


@TRANSFORMS.register_module()
class CheckLRScale(BaseTransform):
    """Raise a clear error unless every LR frame is 1/``scale`` of the GT.

    All frames of a clip must also share one size. Put it after loading and
    before cropping (``PairedRandomCrop`` would fail with a less precise
    message, and a whole-clip test sample would fail deep in the net).

    Args:
        scale (int): GT size / LR size. Default: 4.
        lq_key (str): Key of the LR frames ``(h, w, c)``. Default: 'img'.
        gt_key (str): Key of the GT frames ``(scale*h, scale*w, c)``.
            Default: 'gt'.
    """

    def __init__(self, scale: int = 4, lq_key: str = 'img', gt_key='gt'):
        self.scale = scale
        self.lq_key = lq_key
        self.gt_key = gt_key

    def _same_size(self, results, key, frames):
        paths = _as_list(results.get(f'{key}_path') or ['?'] * len(frames))
        h, w = frames[0].shape[:2]
        for frame, path in zip(frames, paths):
            if frame.shape[:2] != (h, w):
                raise ValueError(
                    f"{key} frame {path!r} of clip {results.get('key', '?')}"
                    f' is {frame.shape[1]}x{frame.shape[0]} (w x h) but the '
                    f'clip\'s first frame is {w}x{h}: all frames of a clip '
                    'must have one size')
        return paths

    def transform(self, results: dict) -> dict:
        """Check sizes; ``results`` is returned unchanged.

        Args:
            results (dict): With loaded ``lq_key`` and ``gt_key`` frames.

        Returns:
            dict: ``results`` with ``scale`` set to ``self.scale``.
        """
        lqs = _as_list(results[self.lq_key])
        gts = _as_list(results[self.gt_key])
        lq_paths = self._same_size(results, self.lq_key, lqs)
        gt_paths = self._same_size(results, self.gt_key, gts)
        (h, w), (gh, gw) = lqs[0].shape[:2], gts[0].shape[:2]
        if (gh, gw) != (h * self.scale, w * self.scale):
            raise ValueError(
                f'LR frame {lq_paths[0]!r} is {w}x{h} (w x h) but GT frame '
                f'{gt_paths[0]!r} is {gw}x{gh}: LR must be exactly 1/'
                f"{self.scale} of its GT (clip {results.get('key', '?')})")
        results['scale'] = self.scale
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale={self.scale}, '
                f'lq_key={self.lq_key!r}, gt_key={self.gt_key!r})')
