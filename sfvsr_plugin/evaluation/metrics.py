"""PSNR / SSIM over all, inserted or reconstructed frames of a clip."""
from typing import List, Sequence

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


class _FrameSubsetMixin:
    """Averages a per-image metric over a subset of a clip's frames.

    Args:
        frames (str): 'all', 'inserted' or 'reconstructed'. The metric is
            reported as e.g. ``PSNR`` / ``PSNR-inserted``
            (``<prefix>/PSNR-inserted`` with a prefix).
        **kwargs: Arguments of MMagic's metric (``convert_to='Y'``,
            ``crop_border``, ``prefix``, ...).
    """

    def __init__(self, frames: str = 'all', **kwargs):
        if frames not in FRAME_SUBSETS:
            raise ValueError(f'frames must be one of {FRAME_SUBSETS}, got '
                             f'{frames!r}')
        super().__init__(**kwargs)
        self.frames = frames
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
            if gt.ndim <= 3:  # one image: it is both all and its own subset
                result = self.process_image(gt, pred, None)
            else:
                indices = frame_subset(data, gt.shape[0], self.frames)
                if not indices:  # e.g. inserted frames of a 1-frame clip
                    continue
                result = sum(
                    self.process_image(gt[i], pred[i], None)
                    for i in indices) / len(indices)
            self.results.append({self.metric: result})

    def evaluate(self) -> dict:
        # clips without frames of this subset add nothing to the average
        self.size = len(self.results)
        return super().evaluate()


@METRICS.register_module()
class FramePSNR(_FrameSubsetMixin, PSNR):
    """MMagic's ``PSNR`` over all / inserted / reconstructed frames."""
    metric = 'PSNR'


@METRICS.register_module()
class FrameSSIM(_FrameSubsetMixin, SSIM):
    """MMagic's ``SSIM`` over all / inserted / reconstructed frames."""
    metric = 'SSIM'
