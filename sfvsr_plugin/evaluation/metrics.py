"""PSNR / SSIM over all, inserted or reconstructed frames, published protocol.

The published ST-VSR test scripts (ZSM's ``test.py``, reused by TMNet, RSTT
and SFNet) score a clip as follows, and so do :class:`FramePSNR` and
:class:`FrameSSIM`:

1. every output frame is rounded to uint8 (``tensor2img``) before scoring;
2. every GT frame of a clip is scored exactly once: when a clip is cut into
   overlapping windows (Vid4, or a whole clip plus a pass that covers its
   tail), a frame is scored from the first window, in start order, that
   covers it, and later windows only add the frames not yet scored;
3. the scores of a clip's frames are averaged into the clip's score, and
   the clips' scores are averaged with equal weight.

Samples of one clip are recognised by ``clip`` (the clip's name) and placed
by ``frame_offset`` (the clip index of their first output frame) in the
sample's metainfo; both are written by the datasets and must be kept by
``PackInputs(meta_keys=...)`` (``STVSR_META_KEYS``).
"""
import math
import os.path as osp
import warnings
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmagic.evaluation.metrics import PSNR, SSIM
from mmagic.evaluation.metrics.metrics_utils import obtain_data
from mmagic.registry import METRICS

FRAME_SUBSETS = ('all', 'inserted', 'reconstructed')


def frame_subset(sample: dict, num_frames: int, frames: str) -> List[int]:
    """Indices of the output frames a metric averages over.

    ``inserted`` frames are those the network interpolated (no LR input),
    ``reconstructed`` those it super-resolved from an LR input. The data
    pipeline records them in the sample's metainfo
    (``inserted_frame_indices``, ``input_frame_indices``); without that
    bookkeeping, ST-VSR's layout is assumed: odd indices are inserted.
    """
    if frames == 'all':
        return list(range(num_frames))
    key = 'inserted_frame_indices' if frames == 'inserted' else \
        'input_frame_indices'
    indices = sample.get(key)
    if indices is None:
        parity = 1 if frames == 'inserted' else 0
        indices = range(parity, num_frames, 2)
    indices = [int(i) for i in indices]
    bad = [i for i in indices if not 0 <= i < num_frames]
    if bad:
        raise ValueError(f'{key} {indices} of sample '
                         f"{sample.get('key', '?')} fall outside its "
                         f'{num_frames} output frames')
    return indices


def _is_float(x) -> bool:
    dtype = x.dtype
    return dtype.is_floating_point if hasattr(dtype, 'is_floating_point') \
        else np.issubdtype(dtype, np.floating)


def clip_and_offset(sample: dict):
    """The clip a sample belongs to and the clip index of its first frame.

    Args:
        sample (dict): A data sample (as a dict) with ``key`` and, for
            windows of a clip, ``clip`` and ``frame_offset``.

    Returns:
        tuple[str, int]: ``(clip, frame_offset)``.
    """
    offset = int(sample.get('frame_offset', 0) or 0)
    clip = sample.get('clip')
    if clip is None:
        if offset:
            raise ValueError(
                f"sample {sample.get('key', '?')} is a window (frame_offset "
                f"{offset}) but has no 'clip' in its metainfo, so its frames "
                "cannot be merged with its clip's: add 'clip' to "
                'PackInputs(meta_keys=...) (sfvsr_plugin STVSR_META_KEYS)')
        clip = sample.get('key', '?')
    return str(clip), offset


def merge_frame_scores(results: Sequence[dict]) -> Dict[str, Dict[int, float]]:
    """Scores per clip and frame, each GT frame once (first window wins).

    Args:
        results (list[dict]): One entry per sample, with ``clip``,
            ``offset`` (clip index of the sample's first output frame),
            ``num_frames`` (its output frames) and ``scores`` (output index
            within the sample -> score, for the frames of the metric's
            subset only).

    Returns:
        dict: clip -> {clip frame index -> score}, for the frames of the
        subset whose first covering window scored them. Clips without such
        frames are absent.
    """
    by_clip: Dict[str, List[dict]] = {}
    for res in results:
        by_clip.setdefault(res['clip'], []).append(res)
    merged = {}
    for clip, windows in by_clip.items():
        windows = sorted(windows, key=lambda r: r['offset'])
        covered = set()
        frames = {}
        for win in windows:
            for i in range(win['num_frames']):
                frame = win['offset'] + i
                if frame in covered:
                    continue  # scored (or deliberately not) by a window before
                covered.add(frame)
                if i in win['scores']:
                    frames[frame] = win['scores'][i]
        if frames:
            merged[clip] = dict(sorted(frames.items()))
    return merged


class _FrameSubsetMixin:
    """Scores a subset of a clip's frames with the published protocol.

    See the module docstring for the protocol. The number of samples the
    metric expects is the dataset's (set by MMagic's ``prepare``), so that
    mmengine's ``collect_results`` keeps every rank's samples: every sample
    adds exactly one result, also when none of its frames is in the subset.

    After ``evaluate``, ``frame_scores`` holds the scores the average was
    made of: ``dict(clips={clip: score}, frames={clip: {frame: score}})``
    (on the main process; ``tools/test.py --out`` writes them).

    Args:
        frames (str): 'all', 'inserted' or 'reconstructed'. The metric is
            reported as e.g. ``PSNR`` / ``PSNR-inserted``
            (``<prefix>/PSNR-inserted`` with a prefix).
        quantize (bool): Round the prediction to integers (uint8 values,
            after MMagic's clamp to [0, 255]) before scoring, as the
            published test scripts do (ZSM's ``tensor2img``). Default: True.
        **kwargs: Arguments of MMagic's metric (``convert_to='Y'`` for the
            Y channel, ``None`` for RGB; ``crop_border``, ``prefix``, ...).
    """

    def __init__(self, frames: str = 'all', quantize: bool = True, **kwargs):
        if frames not in FRAME_SUBSETS:
            raise ValueError(f'frames must be one of {FRAME_SUBSETS}, got '
                             f'{frames!r}')
        super().__init__(**kwargs)
        self.frames = frames
        self.quantize = quantize
        self.frame_scores: Optional[dict] = None
        if frames != 'all':
            self.metric = f'{type(self).metric}-{frames}'

    def process(self, data_batch: Sequence[dict],
                data_samples: Sequence[dict]) -> None:
        for data in data_samples:
            gt = obtain_data(data, self.gt_key, self.device)
            pred = obtain_data(data['output'], self.pred_key, self.device)
            if gt.shape != pred.shape:
                raise ValueError(
                    f"prediction {tuple(pred.shape)} and GT "
                    f"{tuple(gt.shape)} of sample {data.get('key', '?')} "
                    'differ in shape')
            if self.quantize and _is_float(pred):
                pred = pred.round()  # half to even, as numpy's in ZSM
            clip, offset = clip_and_offset(data)
            if gt.ndim <= 3:  # one image: it is both all and its own subset
                gt, pred = gt[None], pred[None]
                indices = [0]
            else:
                indices = frame_subset(data, gt.shape[0], self.frames)
            scores = {
                i: float(self.process_image(gt[i], pred[i], None))
                for i in indices
            }
            self.results.append(
                dict(
                    clip=clip,
                    offset=offset,
                    num_frames=int(gt.shape[0]),
                    scores=scores))

    def compute_metrics(self, results: List[dict]) -> dict:
        """Mean over clips of the mean over each clip's scored frames."""
        frames = merge_frame_scores(results)
        clips = {
            clip: sum(scores.values()) / len(scores)
            for clip, scores in frames.items()
        }
        self.frame_scores = dict(clips=clips, frames=frames)
        if not clips:
            warnings.warn(f'{self.metric}: no sample has frames of the subset '
                          f'{self.frames!r}; reporting nan')
            return {self.metric: math.nan}
        value = sum(clips.values()) / len(clips)
        return {self.metric: value * self.scaling}


@METRICS.register_module()
class FramePSNR(_FrameSubsetMixin, PSNR):
    """MMagic's ``PSNR`` over all / inserted / reconstructed frames."""
    metric = 'PSNR'


@METRICS.register_module()
class FrameSSIM(_FrameSubsetMixin, SSIM):
    """MMagic's ``SSIM`` over all / inserted / reconstructed frames."""
    metric = 'SSIM'


def frame_scores_path(out: str) -> str:
    """Where ``tools/test.py --out FILE`` puts the per-clip and per-frame
    scores: ``<FILE without extension>_frames.json``."""
    return osp.splitext(out)[0] + '_frames.json'


def collect_frame_scores(evaluators) -> dict:
    """Per-clip and per-frame scores of the Frame* metrics of evaluators.

    Args:
        evaluators: An evaluator or a list of them (MMagic's MultiTestLoop's
            ``evaluators``), after ``evaluate``.

    Returns:
        dict: ``<prefix>/<metric>`` -> ``dict(clips=..., frames=...)`` as in
        :class:`_FrameSubsetMixin`; frame indices are 0-based within the
        clip.
    """
    if not isinstance(evaluators, (list, tuple)):
        evaluators = [evaluators]
    out = {}
    for evaluator in evaluators:
        for metric in getattr(evaluator, 'metrics', None) or []:
            scores = getattr(metric, 'frame_scores', None)
            if scores is None:
                continue
            name = f'{metric.prefix}/{metric.metric}' if metric.prefix \
                else metric.metric
            out[name] = scores
    return out
