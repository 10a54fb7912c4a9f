"""Training crops that favour the parts of a clip the net can learn from."""
from typing import Dict, List, Optional, Tuple

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


def baseline_error(lq: List[np.ndarray], gt: List[np.ndarray],
                   scale: int) -> np.ndarray:
    """Per-pixel error of bicubic + blending, where an untrained SFNet
    starts, over all GT frames.

    Each GT frame is compared with its baseline
    (``sfvsr_plugin.evaluation.bicubic_baselines``): the bicubic x
    ``scale`` of its LR frame, and for an inserted frame (ST-VSR: ``2t-1``
    GT frames for ``t`` LR ones) the blend of its two bicubic neighbours.
    With as many GT frames as LR ones (S-VSR) every frame is bicubic.
    ``|gt - baseline|`` is summed over the channels and averaged over the
    frames: large on texture and edges that bicubic blurs and where the clip
    moves, zero on flat, still areas.

    Args:
        lq (list[np.ndarray]): ``t`` LR frames ``(h, w, c)`` in [0, 255].
        gt (list[np.ndarray]): ``2t-1`` or ``t`` GT frames
            ``(scale*h, scale*w, c)``.
        scale (int): Spatial scale.

    Returns:
        np.ndarray: ``(scale*h, scale*w)`` float32 map.
    """
    from sfvsr_plugin.evaluation import BLENDING, bicubic_baselines
    if len(gt) not in (len(lq), 2 * len(lq) - 1):
        raise ValueError(
            f'baseline_error needs 2t-1 (ST-VSR) or t (S-VSR) GT frames for '
            f't={len(lq)} LR frames, got {len(gt)}')
    baseline = bicubic_baselines(np.stack(lq), scale)[BLENDING]
    if len(gt) == len(lq):
        baseline = baseline[::2]
    frames = np.stack(gt).astype(np.float32)
    if frames.shape != baseline.shape:
        raise ValueError(
            f'GT frames of shape {frames.shape[1:]} are not x{scale} of the '
            f'LR frames {np.shape(lq[0])}')
    return np.abs(frames - baseline).sum(axis=-1).mean(axis=0)


class ScoredPairedCrop(PairedRandomCrop):
    """MMagic's ``PairedRandomCrop`` that keeps the best of several draws.

    It draws ``num_candidates`` random crop positions (as
    ``PairedRandomCrop`` draws one) and keeps the one whose GT patch has the
    largest sum of a per-pixel score (``score_map``, given by a subclass),
    read from a summed-area table in O(1) per draw. With
    ``num_candidates=1`` it is ``PairedRandomCrop``, draw for draw.

    Args:
        gt_patch_size (int): Side of the GT patch.
        num_candidates (int): Random positions to choose from. Default: 4.
        cache_scores (bool): Keep the summed-area table of every clip
            (per process, keyed by its GT paths), for a small dataset read
            many times (the demo's): the score is then computed once per
            clip. Only where nothing random happens to the frames before the
            crop. Default: False.
        lq_key (str): Key of the LR frames. Default: 'img'.
        gt_key (str): Key of the GT frames. Default: 'gt'.
    """

    #: What the kept patch is, in words, for reports (``tools/demo.py``).
    prefers = 'the highest score'

    def __init__(self,
                 gt_patch_size: int,
                 num_candidates: int = 4,
                 cache_scores: bool = False,
                 lq_key: str = 'img',
                 gt_key: str = 'gt'):
        super().__init__(gt_patch_size, lq_key=lq_key, gt_key=gt_key)
        if not isinstance(num_candidates, int) or num_candidates < 1:
            raise ValueError(
                f'num_candidates={num_candidates!r}: must be an int >= 1')
        self.num_candidates = num_candidates
        self.cache_scores = cache_scores
        self._tables: Dict[Tuple[str, ...], np.ndarray] = {}

    def score_map(self, results: dict) -> np.ndarray:
        """Per-pixel score ``(h_gt, w_gt)`` of the uncropped GT frames."""
        raise NotImplementedError

    def _summed_area_table(self, results: dict) -> np.ndarray:
        paths = results.get(f'{self.gt_key}_path')
        key: Optional[Tuple[str, ...]] = None
        if self.cache_scores and paths is not None:
            key = tuple(paths) if isinstance(paths, list) else (paths, )
            if key in self._tables:
                return self._tables[key]
        table = np.pad(
            self.score_map(results).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
        if key is not None:
            self._tables[key] = table
        return table

    def transform(self, results: dict) -> dict:
        scale = results['scale']
        lq_patch = self.gt_patch_size // scale
        lq, gt = results[self.lq_key], results[self.gt_key]
        first_lq = lq[0] if isinstance(lq, list) else lq
        h_lq, w_lq = first_lq.shape[:2]
        if h_lq < lq_patch or w_lq < lq_patch:
            # PairedRandomCrop's own check names the files
            return super().transform(results)
        table = self._summed_area_table(results)
        best, best_score = None, -1.0
        s = self.gt_patch_size
        for _ in range(self.num_candidates):
            # the same draws, in the same order, as PairedRandomCrop
            top = np.random.randint(h_lq - lq_patch + 1)
            left = np.random.randint(w_lq - lq_patch + 1)
            t, l_ = top * scale, left * scale
            score = (
                table[t + s, l_ + s] - table[t, l_ + s] - table[t + s, l_] +
                table[t, l_])
            if score > best_score:
                best, best_score = (top, left), score
        top, left = best
        top_gt, left_gt = top * scale, left * scale

        def crop(frames, y, x, size):
            if isinstance(frames, list):
                return [v[y:y + size, x:x + size] for v in frames]
            return frames[y:y + size, x:x + size]

        results[self.lq_key] = crop(lq, top, left, lq_patch)
        results[self.gt_key] = crop(gt, top_gt, left_gt, s)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(gt_patch_size='
                f'{self.gt_patch_size}, num_candidates={self.num_candidates}'
                f', cache_scores={self.cache_scores}, lq_key={self.lq_key}, '
                f'gt_key={self.gt_key})')


@TRANSFORMS.register_module()
class MotionPairedCrop(ScoredPairedCrop):
    """A crop that prefers where the clip moves: of ``num_candidates``
    random positions, the one whose GT patch has the largest
    :func:`blending_error`.

    The patches where linear blending fails are the ones that teach the net
    motion. Tried for the demo: no better than random crops
    (docs/demo.md); :class:`BaselineErrorPairedCrop` scores all frames.

    Needs an ST-VSR GT clip (a list of ``T >= 3`` frames); anything else is
    refused. Arguments as :class:`ScoredPairedCrop`.
    """

    prefers = 'linear blending gets most wrong'

    def score_map(self, results: dict) -> np.ndarray:
        gt = results[self.gt_key]
        if not isinstance(gt, list) or len(gt) < 3:
            raise ValueError(
                f'MotionPairedCrop needs a GT clip of at least 3 frames in '
                f'{self.gt_key!r}, got {type(gt).__name__} of '
                f'{len(gt) if isinstance(gt, list) else 1} frame(s): use it '
                "with mode='stvsr' data, or PairedRandomCrop otherwise")
        return blending_error(gt)


@TRANSFORMS.register_module()
class BaselineErrorPairedCrop(ScoredPairedCrop):
    """A crop that prefers what bicubic + blending gets wrong: of
    ``num_candidates`` random positions, the one whose GT patch has the
    largest :func:`baseline_error`.

    SFNet starts as bicubic + blending, so these are the patches it can
    learn from: texture and edges that bicubic blurs, and motion that
    blending ghosts. A random crop of a short run (the demo's) often lands
    on flat, still areas where the baseline is already right (12% of the
    demo's random crops are within 2 grey levels of it on average). As
    SamplingAug (Wang et al., BMVC 2021), which samples training patches by
    how badly interpolation reconstructs them, with integral images; here
    for all frames of a clip, inserted ones too. The demo: +1.05 / +0.78 dB
    over bicubic + blending with 4 candidates, +0.94 / +0.69 with random
    crops (docs/demo.md).

    Works on ST-VSR clips (``2t-1`` GT frames for ``t`` LR ones), S-VSR
    clips (``t`` and ``t``) and single frame pairs. Arguments as
    :class:`ScoredPairedCrop`.
    """

    prefers = 'bicubic + blending gets most wrong'

    def score_map(self, results: dict) -> np.ndarray:
        lq, gt = results[self.lq_key], results[self.gt_key]
        if not isinstance(lq, list):
            lq, gt = [lq], [gt]
        return baseline_error(lq, gt, results['scale'])
