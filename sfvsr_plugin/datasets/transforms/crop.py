"""Training crops that favour the parts of a clip where something moves."""
from typing import List

import numpy as np
from mmagic.datasets.transforms import PairedRandomCrop
from mmagic.registry import TRANSFORMS


def blending_error(gt: List[np.ndarray]) -> np.ndarray:
    """Per-pixel error of linear blending on the inserted GT frames.

    For every odd frame ``k`` of a GT clip, ``|gt[k] - (gt[k-1] +
    gt[k+1]) / 2|`` summed over the channels and averaged over the inserted
    frames: large where the clip moves (blending leaves ghosts there), zero
    where it stands still.

    Args:
        gt (list[np.ndarray]): ``T`` frames ``(h, w, c)``, ``T >= 3``.

    Returns:
        np.ndarray: ``(h, w)`` float32 map.
    """
    frames = np.stack(gt).astype(np.float32)
    inserted = frames[1:-1:2]
    blend = (frames[0:-2:2] + frames[2::2]) / 2
    return np.abs(inserted - blend).sum(axis=-1).mean(axis=0)


@TRANSFORMS.register_module()
class MotionPairedCrop(PairedRandomCrop):
    """MMagic's ``PairedRandomCrop`` that prefers crops where the clip moves.

    It draws ``num_candidates`` random crop positions (as
    ``PairedRandomCrop`` draws one) and keeps the one whose GT patch has the
    largest :func:`blending_error`: the patches where linear blending fails
    are the ones that teach the net motion, and a short training run (the
    demo's) otherwise spends most of its steps on still background. With
    ``num_candidates=1`` it is ``PairedRandomCrop``, draw for draw.

    Needs an ST-VSR GT clip (a list of ``T >= 3`` frames); anything else is
    refused.

    Args:
        gt_patch_size (int): Side of the GT patch.
        num_candidates (int): Random positions to choose from. Default: 4.
        lq_key (str): Key of the LR frames. Default: 'img'.
        gt_key (str): Key of the GT frames. Default: 'gt'.
    """

    def __init__(self,
                 gt_patch_size: int,
                 num_candidates: int = 4,
                 lq_key: str = 'img',
                 gt_key: str = 'gt'):
        super().__init__(gt_patch_size, lq_key=lq_key, gt_key=gt_key)
        if not isinstance(num_candidates, int) or num_candidates < 1:
            raise ValueError(
                f'num_candidates={num_candidates!r}: must be an int >= 1')
        self.num_candidates = num_candidates

    def transform(self, results: dict) -> dict:
        gt = results[self.gt_key]
        if not isinstance(gt, list) or len(gt) < 3:
            raise ValueError(
                f'MotionPairedCrop needs a GT clip of at least 3 frames in '
                f'{self.gt_key!r}, got {type(gt).__name__} of '
                f'{len(gt) if isinstance(gt, list) else 1} frame(s): use it '
                "with mode='stvsr' data, or PairedRandomCrop otherwise")
        scale = results['scale']
        lq_patch = self.gt_patch_size // scale
        h_lq, w_lq = results[self.lq_key][0].shape[:2]
        if h_lq < lq_patch or w_lq < lq_patch:
            # PairedRandomCrop's own check names the files
            return super().transform(results)
        motion = blending_error(gt)
        # summed-area table: the score of any patch in O(1)
        table = np.pad(motion.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
        best, best_score = None, -1.0
        for _ in range(self.num_candidates):
            # the same draws, in the same order, as PairedRandomCrop
            top = np.random.randint(h_lq - lq_patch + 1)
            left = np.random.randint(w_lq - lq_patch + 1)
            t, l_, s = top * scale, left * scale, self.gt_patch_size
            score = (
                table[t + s, l_ + s] - table[t, l_ + s] - table[t + s, l_] +
                table[t, l_])
            if score > best_score:
                best, best_score = (top, left), score
        top, left = best
        top_gt, left_gt = top * scale, left * scale
        results[self.lq_key] = [
            v[top:top + lq_patch, left:left + lq_patch]
            for v in results[self.lq_key]
        ]
        results[self.gt_key] = [
            v[top_gt:top_gt + self.gt_patch_size,
              left_gt:left_gt + self.gt_patch_size] for v in gt
        ]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(gt_patch_size='
                f'{self.gt_patch_size}, num_candidates={self.num_candidates}'
                f', lq_key={self.lq_key}, gt_key={self.gt_key})')
