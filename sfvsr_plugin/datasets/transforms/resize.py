"""LR frames made on the fly by MATLAB-like bicubic downsampling."""
import numpy as np
from mmagic.datasets.transforms import MATLABLikeResize
from mmagic.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


def matlab_downsample(img: np.ndarray, scale: int = 4) -> np.ndarray:
    """MATLAB ``imresize(img, 1/scale, 'bicubic')`` via MMagic, as uint8.

    The same function writes the LR trees (``make_lr.py``) and makes LR on
    the fly (:class:`MakeLRFromGT`), so both give identical frames.

    Args:
        img (np.ndarray): ``(h, w, c)`` uint8 frame; ``h`` and ``w`` must be
            divisible by ``scale``.
        scale (int): Downsampling factor. Default: 4.

    Returns:
        np.ndarray: ``(h // scale, w // scale, c)`` uint8 frame.
    """
    h, w = img.shape[:2]
    if h % scale or w % scale:
        raise ValueError(f'frame size {w}x{h} (w x h) is not divisible by '
                         f'the scale {scale}')
    resize = MATLABLikeResize(keys=['img'], scale=1 / scale)
    out = resize._resize(img.astype(np.float64))
    if out.shape[:2] != (h // scale, w // scale):  # float rounding of 1/scale
        resize = MATLABLikeResize(
            keys=['img'], output_shape=(h // scale, w // scale))
        out = resize._resize(img.astype(np.float64))
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


@TRANSFORMS.register_module()
class MakeLRFromGT(BaseTransform):
    """Make the LR input frames from the loaded GT frames.

    For datasets with GT only (``data_prefix=dict(gt=...)``). It takes the
    GT frames at ``input_frame_indices`` (written by
    :class:`OddFrameSampling`; all frames without it) and downsamples them
    with MMagic's MATLAB-like bicubic resize, rounded to uint8 like the
    stored LR PNGs. It sets ``scale`` (MMagic's ``MATLABLikeResize`` would
    set it to ``1/scale``, which ``PairedRandomCrop`` misreads).

    Args:
        scale (int): Downsampling factor. Default: 4.
        gt_key (str): Key of the GT frames ``(H, W, c)``. Default: 'gt'.
        lq_key (str): Key written with the LR frames ``(H/scale, W/scale,
            c)``. Default: 'img'.
    """

    def __init__(self, scale: int = 4, gt_key: str = 'gt', lq_key='img'):
        self.scale = scale
        self.gt_key = gt_key
        self.lq_key = lq_key

    def transform(self, results: dict) -> dict:
        """Downsample the selected GT frames into ``lq_key``.

        Args:
            results (dict): With loaded ``gt_key`` frames.

        Returns:
            dict: ``results`` with ``lq_key``, ``{lq_key}_path`` and
            ``scale``.
        """
        gts = results[self.gt_key]
        paths = results.get(f'{self.gt_key}_path')
        if isinstance(gts, (list, tuple)):
            indices = results.get('input_frame_indices', range(len(gts)))
            frames = [gts[i] for i in indices]
            paths = [paths[i] for i in indices] if paths else None
        else:
            frames = [gts]
        lqs = []
        for i, frame in enumerate(frames):
            try:
                lqs.append(matlab_downsample(frame, self.scale))
            except ValueError as err:
                name = paths[i] if isinstance(paths, list) else paths
                raise ValueError(
                    f'cannot make LR from GT frame {name!r} of clip '
                    f"{results.get('key', '?')}: {err}") from err
        results[self.lq_key] = lqs
        results[f'{self.lq_key}_path'] = paths
        results['scale'] = self.scale
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(scale={self.scale})'
