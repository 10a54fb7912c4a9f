"""FramePSNR / FrameSSIM follow the published protocol (docs/evaluation.md):
predictions rounded to uint8, every GT frame of a clip scored once, mean
over a clip's frames, then over clips with equal weight; one result per
sample so that multi-process evaluation keeps every clip."""
import math

import numpy as np
import pytest
import torch
from mmagic.evaluation.metrics.psnr import psnr
from mmagic.registry import DATASETS, METRICS

from sfvsr_plugin.datasets import VID4_CLIP_LENGTHS, window_starts
from sfvsr_plugin.evaluation import merge_frame_scores
from ..test_datasets.conftest import pipeline


class _Loader:
    """What a metric's ``prepare`` reads of a dataloader."""

    def __init__(self, dataset):
        self.dataset = dataset


class _Model(torch.nn.Module):
    data_preprocessor = None


def offset_of(clip_index, frame):
    """A prediction error that differs from frame to frame."""
    return 1 + (3 * clip_index + frame) % 7


def scored_samples(dataset):
    """(data sample dict, clip index) of every sample, with a prediction of
    GT + ``offset_of(clip, clip frame index)``."""
    clips = []
    for i in range(len(dataset)):
        packed = dataset[i]
        sample = packed['data_samples'].to_dict()
        clip = sample['clip']
        if clip not in clips:
            clips.append(clip)
        gt = sample['gt_img'].float()  # uint8 from the pipeline
        sample['gt_img'] = gt
        frames = torch.arange(gt.shape[0]) + sample['frame_offset']
        error = torch.tensor(
            [offset_of(clips.index(clip), int(f)) for f in frames],
            dtype=gt.dtype).view(-1, 1, 1, 1)
        sample['output'] = dict(pred_img=(gt + error).clamp(0, 255))
        yield sample


def evaluate(metric_cfg, dataset, samples=None):
    metric = METRICS.build(metric_cfg)
    metric.prepare(_Model(), _Loader(dataset))
    for sample in samples or scored_samples(dataset):
        metric.process([], [sample])
    return metric.evaluate(), metric


def expected_psnr(root, frames_of_clip):
    """Mean over clips of the mean Y-PSNR over the given frames, computed
    from the GT files directly."""
    import cv2
    clip_means = []
    for ci, (clip, frames) in enumerate(frames_of_clip.items()):
        values = []
        for f in frames:
            gt = cv2.imread(f'{root}/GT/{clip}/{f:08d}.png')[..., ::-1]
            gt = gt.astype(np.float64)
            pred = np.clip(gt + offset_of(ci, f), 0, 255)
            values.append(
                psnr(
                    gt,
                    pred,
                    convert_to='Y',
                    input_order='HWC',
                    channel_order='rgb'))
        clip_means.append(sum(values) / len(values))
    return sum(clip_means) / len(clip_means)


def owned_frames(length, starts, window_len, subset):
    """Frames of a clip scored in ``subset`` when the first window covering
    a frame scores it (ZSM's test.py)."""
    out = []
    for f in range(length):
        s = min(s for s in starts if s <= f < s + window_len)
        inserted = (f - s) % 2 == 1
        if subset == 'all' or inserted == (subset == 'inserted'):
            out.append(f)
    return out


def build_vid4(root, **kw):
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmagic'):
        return DATASETS.build(
            dict(
                type='STVSRVid4Dataset',
                data_root=root,
                pipeline=pipeline(),
                **kw))


@pytest.fixture(scope='module')
def vid4_windows(vid4_root):
    return build_vid4(vid4_root, window=dict(num_input_frames=4, stride=6))


@pytest.fixture(scope='module')
def vid4_whole(vid4_root):
    return build_vid4(vid4_root)


@pytest.mark.parametrize('subset', ['all', 'inserted', 'reconstructed'])
def test_vid4_windows_score_each_of_171_frames_once(vid4_root, vid4_windows,
                                                    subset):
    assert len(vid4_windows) == 29  # 203 window frames for 171 GT frames
    metrics, metric = evaluate(
        dict(type='FramePSNR', frames=subset, convert_to='Y'), vid4_windows)
    frames = metric.frame_scores['frames']
    expected = {
        clip: owned_frames(n, window_starts(n, 7, 6), 7, subset)
        for clip, n in VID4_CLIP_LENGTHS.items()
    }
    assert {c: sorted(f) for c, f in frames.items()} == expected
    if subset == 'all':
        assert sum(len(f) for f in frames.values()) == 171
        assert [len(frames[c]) for c in VID4_CLIP_LENGTHS] == [41, 34, 49, 47]
    name = 'PSNR' if subset == 'all' else f'PSNR-{subset}'
    assert metrics[name] == pytest.approx(
        expected_psnr(vid4_root, expected), abs=1e-9)
    # clips weigh equally: the average is the mean of the clips' scores
    clips = metric.frame_scores['clips']
    assert metrics[name] == pytest.approx(sum(clips.values()) / 4, abs=1e-12)


def test_whole_vid4_clips_score_all_171_frames(vid4_root, vid4_whole,
                                               vid4_windows):
    # city has 34 frames: 17 inputs give 33 outputs; a second pass on
    # frames 1..33 covers frame 33
    keys = [vid4_whole.get_data_info(i)['key'] for i in range(5)]
    assert keys == ['calendar', 'city', 'city/0001', 'foliage', 'walk']
    metrics, metric = evaluate(
        dict(type='FramePSNR', convert_to='Y'), vid4_whole)
    frames = metric.frame_scores['frames']
    assert {c: len(f) for c, f in frames.items()} == dict(VID4_CLIP_LENGTHS)
    everything = {c: list(range(n)) for c, n in VID4_CLIP_LENGTHS.items()}
    assert metrics['PSNR'] == pytest.approx(
        expected_psnr(vid4_root, everything), abs=1e-9)
    # both modes score the same frames, so with a prediction that does not
    # depend on the window they give the same number
    window_metrics, _ = evaluate(
        dict(type='FramePSNR', convert_to='Y'), vid4_windows)
    assert window_metrics['PSNR'] == pytest.approx(metrics['PSNR'], abs=1e-9)
    # the last frame of city is a reconstructed frame of the second pass
    rec, rec_metric = evaluate(
        dict(type='FramePSNR', frames='reconstructed', convert_to='Y'),
        vid4_whole)
    assert 33 in rec_metric.frame_scores['frames']['city']


def test_one_result_per_sample_and_size_from_the_dataset(vid4_whole):
    """A sample with no frame of the subset still adds a result: mmengine
    keeps the first ``size`` collected results, ``size`` is the dataset's."""
    metric = METRICS.build(dict(type='FramePSNR', frames='inserted'))
    metric.prepare(_Model(), _Loader(vid4_whole))
    assert metric.size == len(vid4_whole) == 5
    one_frame = dict(
        key='still',
        gt_img=torch.zeros(1, 3, 4, 4),
        input_frame_indices=[0],
        inserted_frame_indices=[],
        output=dict(pred_img=torch.ones(1, 3, 4, 4)))
    two = dict(
        key='moving',
        gt_img=torch.zeros(3, 3, 4, 4),
        input_frame_indices=[0, 2],
        inserted_frame_indices=[1],
        output=dict(pred_img=torch.full((3, 3, 4, 4), 2.)))
    metric.process([], [one_frame, two])
    assert len(metric.results) == 2
    result = metric.compute_metrics(metric.results)
    assert result['PSNR-inserted'] == pytest.approx(20 * math.log10(255 / 2))
    assert set(metric.frame_scores['clips']) == {'moving'}


def test_predictions_are_rounded_to_uint8_before_scoring():
    gt = torch.arange(48, dtype=torch.float32).view(1, 3, 4, 4) * 5
    sample = dict(key='c', gt_img=gt, output=dict(pred_img=gt + 0.6))

    def score(**kw):
        metric = METRICS.build(dict(type='FramePSNR', **kw))
        metric.process([], [dict(sample)])
        return metric.compute_metrics(metric.results)['PSNR']

    assert score() == pytest.approx(20 * math.log10(255 / 1.0))  # default
    assert score(quantize=True) == score()
    assert score(quantize=False) == pytest.approx(20 * math.log10(255 / 0.6))


def test_windows_need_their_clip_name():
    metric = METRICS.build(dict(type='FramePSNR'))
    sample = dict(
        key='calendar/0006',
        frame_offset=6,
        gt_img=torch.zeros(3, 3, 4, 4),
        output=dict(pred_img=torch.ones(3, 3, 4, 4)))
    with pytest.raises(ValueError, match="add 'clip' to"):
        metric.process([], [sample])


def test_merge_keeps_the_first_window_that_covers_a_frame():
    results = [
        # listed out of order, as ranks may return them
        dict(
            clip='a', offset=2, num_frames=3, scores={
                0: 20.,
                1: 21.,
                2: 22.
            }),
        dict(clip='a', offset=0, num_frames=3, scores={
            0: 10.,
            1: 11.
        }),
        dict(clip='b', offset=0, num_frames=1, scores={}),
    ]
    # frame 2 belongs to the window at 0, whose subset does not score it
    assert merge_frame_scores(results) == {
        'a': {
            0: 10.,
            1: 11.,
            3: 21.,
            4: 22.
        }
    }
