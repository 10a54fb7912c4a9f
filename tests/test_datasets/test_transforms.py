import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmagic.registry import DATASETS, MODELS, TRANSFORMS
from mmengine.dataset import pseudo_collate

from sfvsr_plugin.datasets import matlab_downsample
from sfvsr_plugin.evaluation.metrics import frame_subset
from .conftest import pipeline


def sample(mode='stvsr', n=7, gt=True, lr=True):
    res = dict(key='clip')
    if lr:
        res['img_path'] = [f'lr/{i}.png' for i in range(n)]
    if gt:
        res['gt_path'] = [f'gt/{i}.png' for i in range(n)]
    return TRANSFORMS.build(dict(type='OddFrameSampling', mode=mode))(res)


def test_odd_frame_sampling_stvsr_picks_even_lr_paths_and_all_gt():
    res = sample()
    assert res['img_path'] == ['lr/0.png', 'lr/2.png', 'lr/4.png', 'lr/6.png']
    assert res['gt_path'] == [f'gt/{i}.png' for i in range(7)]
    assert res['input_frame_indices'] == [0, 2, 4, 6]
    assert res['inserted_frame_indices'] == [1, 3, 5]
    assert (res['num_input_frames'], res['num_output_frames']) == (4, 7)


def test_odd_frame_sampling_even_clip_drops_last_gt_frame():
    res = sample(n=34)  # Vid4 city
    assert len(res['gt_path']) == 33 and res['gt_path'][-1] == 'gt/32.png'
    assert res['img_path'][-1] == 'lr/32.png' and len(res['img_path']) == 17


def test_odd_frame_sampling_svsr_tvsr_and_lr_only():
    res = sample('svsr')
    assert len(res['img_path']) == 7 and res['inserted_frame_indices'] == []
    assert res['input_frame_indices'] == list(range(7))
    res = sample('tvsr', n=3)
    assert res['img_path'] == ['lr/0.png', 'lr/2.png']
    assert res['gt_path'] == 'gt/1.png'  # one image, not a list
    assert res['inserted_frame_indices'] == [1]
    res = sample(n=5, gt=False)  # users' LR footage: all of it is input
    assert len(res['img_path']) == 5
    assert res['input_frame_indices'] == [0, 2, 4, 6, 8]
    assert res['num_output_frames'] == 9


def test_odd_frame_sampling_errors_name_clip_and_rule():
    t = TRANSFORMS.build(dict(type='OddFrameSampling'))
    with pytest.raises(ValueError, match='clip c7 has 6 input.*7 GT'):
        t(dict(key='c7', img_path=['a'] * 6, gt_path=['b'] * 7))
    with pytest.raises(ValueError, match='T-VSR needs triplets.*clip x'):
        TRANSFORMS.build(dict(type='OddFrameSampling', mode='tvsr'))(
            dict(key='x', img_path=['a'] * 7, gt_path=['b'] * 7))
    with pytest.raises(ValueError, match='mode must be one of'):
        TRANSFORMS.build(dict(type='OddFrameSampling', mode='vsr'))


def write_coded_clip(root, clip, n=7, lr_size=(16, 8), seed=0):
    """GT made of 4x4 blocks equal to the LR pixels: GT == repeat(LR)."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        lr = rng.integers(0, 256, (lr_size[1], lr_size[0], 3), np.uint8)
        gt = lr.repeat(4, 0).repeat(4, 1)
        for tree, img in (('sequences_BIx4', lr), ('sequences', gt)):
            path = osp.join(root, tree, clip, f'im{i + 1}.png')
            os.makedirs(osp.dirname(path), exist_ok=True)
            cv2.imwrite(path, img)


@pytest.fixture
def coded_root(tmp_path):
    root = str(tmp_path)
    for j, clip in enumerate(['00001/0001', '00001/0002']):
        write_coded_clip(root, clip, seed=j)
    with open(osp.join(root, 'list.txt'), 'w') as f:
        f.write('00001/0001\n00001/0002\n')
    return root


def test_augmentations_keep_lr_gt_aligned_in_space_and_time(coded_root):
    aug = [
        dict(type='PairedRandomCrop', gt_patch_size=32),
        dict(type='Flip', keys=['img', 'gt'], direction='horizontal'),
        dict(type='Flip', keys=['img', 'gt'], direction='vertical'),
        dict(type='RandomTransposeHW', keys=['img', 'gt']),
        dict(type='TemporalReverse', keys=['img', 'gt']),
    ]
    ds = DATASETS.build(
        dict(
            type='STVSRVimeo90KDataset',
            data_root=coded_root,
            ann_file='list.txt',
            pipeline=pipeline(extra=aug)))
    # the unaugmented GT frames, to find which frame each output is
    full = DATASETS.build(
        dict(
            type='STVSRVimeo90KDataset',
            data_root=coded_root,
            ann_file='list.txt',
            data_prefix=dict(gt='sequences'),
            pipeline=[dict(type='LoadClipFrames', key='gt')]))[0]['gt']
    seen = set()
    np.random.seed(0)
    for _ in range(24):
        out = ds[0]
        lr, gt = out['inputs'], out['data_samples'].gt_img
        meta = out['data_samples'].metainfo
        assert lr.shape == (4, 3, 8, 8) and gt.shape == (7, 3, 32, 32)
        assert meta['input_frame_indices'] == [0, 2, 4, 6]
        for j, i in enumerate(meta['input_frame_indices']):
            up = lr[j].repeat_interleave(4, 1).repeat_interleave(4, 2)
            assert torch.equal(up, gt[i])  # same region, same frame
        # which source frame is output 0? reversal maps it to frame 6
        first = gt[0].permute(1, 2, 0).numpy()
        src = [k for k in range(7) if _contains(full[k], first)]
        seen.add(src[0])
    assert seen == {0, 6}  # both orders happened, indices stayed even


def _contains(frame, patch):
    """Whether ``patch`` is a crop of ``frame`` up to flips/transposition."""
    for cand in (patch, patch.transpose(1, 0, 2)):
        for f in (cand, cand[::-1], cand[:, ::-1], cand[::-1, ::-1]):
            h, w = f.shape[:2]
            for y in range(0, frame.shape[0] - h + 1, 4):
                for x in range(0, frame.shape[1] - w + 1, 4):
                    if np.array_equal(frame[y:y + h, x:x + w], f):
                        return True
    return False


def test_packed_indices_reach_metainfo_metric_and_batch(vimeo_root):
    ds = DATASETS.build(
        dict(
            type='STVSRVimeo90KDataset',
            data_root=vimeo_root,
            ann_file='sep_trainlist.txt',
            pipeline=pipeline()))
    sample0 = ds[0]['data_samples']
    assert sample0.metainfo['inserted_frame_indices'] == [1, 3, 5]
    assert sample0.metainfo['key'] == '00001/0001'
    as_dict = sample0.to_dict()
    assert frame_subset(as_dict, 7, 'reconstructed') == [0, 2, 4, 6]
    preprocessor = MODELS.build(
        dict(type='DataPreprocessor', mean=[0.] * 3, std=[255.] * 3))
    batch = preprocessor(pseudo_collate([ds[0], ds[1]]), training=True)
    assert batch['inputs'].shape == (2, 4, 3, 8, 16)
    assert batch['data_samples'].gt_img.shape == (2, 7, 3, 32, 64)
    assert batch['inputs'].max() <= 1 and batch['inputs'].dtype == \
        torch.float32


def test_load_clip_frames_errors_name_the_file(tmp_path):
    good = tmp_path / 'good.png'
    cv2.imwrite(str(good), np.zeros((8, 8, 3), np.uint8))
    data = good.read_bytes()
    (tmp_path / 'cut.png').write_bytes(data[:len(data) // 2])
    (tmp_path / 'junk.png').write_bytes(b'not an image' * 10)
    load = TRANSFORMS.build(dict(type='LoadClipFrames', key='img'))
    assert load(dict(img_path=[str(good)]))['img'][0].shape == (8, 8, 3)
    with pytest.raises(FileNotFoundError, match='missing frame.*gone.png'):
        load(dict(key='c1', img_path=[str(good), str(tmp_path / 'gone.png')]))
    with pytest.raises(ValueError, match='truncated.*cut.png.*clip c2'):
        load(dict(key='c2', img_path=[str(tmp_path / 'cut.png')]))
    with pytest.raises(ValueError, match='junk.png'):
        load(dict(key='c3', img_path=[str(tmp_path / 'junk.png')]))


def test_check_lr_scale_names_frames_and_rule():
    check = TRANSFORMS.build(dict(type='CheckLRScale', scale=4))
    gt = [np.zeros((32, 64, 3), np.uint8)] * 2
    ok = check(dict(img=[np.zeros((8, 16, 3))] * 2, gt=gt))
    assert ok['scale'] == 4
    with pytest.raises(ValueError, match=r'lr/0.png.*15x8.*exactly 1/4'):
        check(
            dict(
                key='c',
                img=[np.zeros((8, 15, 3))] * 2,
                img_path=['lr/0.png', 'lr/1.png'],
                gt=gt,
                gt_path=['gt/0.png', 'gt/1.png']))
    with pytest.raises(ValueError, match='lr/1.png.*one size'):
        check(
            dict(
                key='c',
                img=[np.zeros((8, 16, 3)),
                     np.zeros((4, 16, 3))],
                img_path=['lr/0.png', 'lr/1.png'],
                gt=gt))


def test_make_lr_from_gt_matches_stored_lr_and_refuses_bad_sizes(vimeo_root):
    kw = dict(
        type='STVSRVimeo90KDataset',
        data_root=vimeo_root,
        ann_file='sep_testlist.txt',
        check_published=False)
    stored = DATASETS.build(dict(kw, pipeline=pipeline()))[2]
    made = DATASETS.build(
        dict(
            kw, data_prefix=dict(gt='sequences'),
            pipeline=pipeline(lr=False)))[2]
    assert made['inputs'].shape == (4, 3, 8, 16)
    assert torch.equal(made['inputs'], stored['inputs'])
    assert torch.equal(made['data_samples'].gt_img,
                       stored['data_samples'].gt_img)
    make = TRANSFORMS.build(dict(type='MakeLRFromGT', scale=4))
    with pytest.raises(ValueError, match='gt/1.png.*not divisible by'):
        make(
            dict(
                gt=[
                    np.zeros((32, 64, 3), np.uint8),
                    np.zeros((30, 64, 3), np.uint8)
                ],
                gt_path=['gt/0.png', 'gt/1.png']))


def test_matlab_downsample_is_mmagic_matlab_like_resize():
    img = np.random.default_rng(0).integers(0, 256, (32, 64, 3), np.uint8)
    ref = TRANSFORMS.build(
        dict(type='MATLABLikeResize', keys=['img'],
             scale=0.25))(dict(img=img.astype(np.float64)))['img']
    out = matlab_downsample(img, 4)
    assert out.shape == (8, 16, 3) and out.dtype == np.uint8
    assert np.abs(out.astype(float) - ref).max() <= 0.5 + 1e-6


def test_load_clip_frames_caches_decoded_frames_and_hands_out_copies(
        vimeo_root):
    paths = [
        osp.join(vimeo_root, 'sequences', '00001/0001', f'im{i}.png')
        for i in (1, 2)
    ]
    load = TRANSFORMS.build(
        dict(type='LoadClipFrames', key='gt', cache_decoded=True))
    decoded = []
    decode = load._decode
    load._decode = lambda f: decoded.append(f) or decode(f)
    first = load(dict(gt_path=list(paths)))['gt']
    first[0][:] = 0  # a transform working in place must not reach the cache
    second = load(dict(gt_path=list(paths)))['gt']
    assert decoded == paths  # each file decoded once
    expected = cv2.imread(paths[0])
    np.testing.assert_array_equal(second[0], expected)
    assert second[0] is not load._decoded[paths[0]]


def _moving_square_clip(frames=7, lr_size=(16, 24), scale=4, square_at=(8, 0)):
    """A still noise background with one square moving in its LR rows
    ``square_at[0]..+8`` (GT rows x4): blending fails only there."""
    rng = np.random.default_rng(0)
    h, w = lr_size[0] * scale, lr_size[1] * scale
    background = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
    gt = []
    for k in range(frames):
        frame = background.copy()
        top, left = square_at[0] * scale, square_at[1] * scale + 6 * k
        frame[top:top + 8 * scale, left:left + 12] = 255
        gt.append(frame)
    lr = [f[::scale, ::scale] for f in gt]
    return dict(img=lr, gt=gt, scale=scale)


def test_blending_error_is_zero_on_still_frames_and_marks_motion():
    from sfvsr_plugin.datasets.transforms import blending_error
    clip = _moving_square_clip()
    error = blending_error(clip['gt'])
    assert error.shape == clip['gt'][0].shape[:2]
    assert error[:32].max() == 0  # the square never enters rows 0-31
    assert error[32:].max() > 0
    still = blending_error([clip['gt'][0]] * 3)
    assert still.max() == 0


@pytest.mark.parametrize('kind',
                         ['MotionPairedCrop', 'BaselineErrorPairedCrop'])
def test_scored_crop_with_one_candidate_is_paired_random_crop(kind):
    crops = {}
    for name, cfg in (('random', dict(type='PairedRandomCrop')),
                      ('scored', dict(type=kind, num_candidates=1))):
        crop = TRANSFORMS.build(dict(cfg, gt_patch_size=32))
        np.random.seed(3)
        crops[name] = [crop(_moving_square_clip()) for _ in range(5)]
    for a, b in zip(crops['random'], crops['scored']):
        for key in ('img', 'gt'):
            assert len(a[key]) == len(b[key]) == 7
            for x, y in zip(a[key], b[key]):
                np.testing.assert_array_equal(x, y)


def _flat_clip_with_square(frames=7, lr_size=(16, 24), scale=4, step=6):
    """A flat grey clip (bicubic is exact on it) with one white square in
    LR rows 8-15 moving right by ``step`` GT pixels per frame."""
    h, w = lr_size[0] * scale, lr_size[1] * scale
    gt = []
    for k in range(frames):
        frame = np.full((h, w, 3), 100, np.uint8)
        frame[8 * scale:16 * scale, 8 + step * k:8 + step * k + 16] = 255
        gt.append(frame)
    lr = [
        cv2.resize(f, (lr_size[1], lr_size[0]), interpolation=cv2.INTER_AREA)
        for f in gt[::2]
    ]
    return dict(img=lr, gt=gt, scale=scale)


def test_baseline_error_is_zero_where_bicubic_and_blending_are_right():
    from sfvsr_plugin.datasets.transforms import baseline_error
    clip = _flat_clip_with_square()
    error = baseline_error(clip['img'], clip['gt'], 4)
    assert error.shape == (64, 96)
    # flat and still above the square (bicubic's reach is 2 LR pixels)
    assert error[:20].max() < 1e-3
    assert error[32:64].max() > 50
    # a still square: only bicubic's blur of its edges, no ghosts of motion
    still = _flat_clip_with_square(step=0)
    still_error = baseline_error(still['img'], still['gt'], 4)
    assert still_error.sum() < 0.5 * error.sum()
    # S-VSR (as many GT frames as LR ones): every GT frame is bicubic, and
    # the inserted ones' ghosts are gone
    svsr = baseline_error(clip['img'], clip['gt'][::2], 4)
    assert svsr.sum() < error.sum()
    with pytest.raises(ValueError, match='2t-1 .* or t .* got 5'):
        baseline_error(clip['img'], clip['gt'][:5], 4)


def test_baseline_error_crop_picks_what_the_baseline_gets_wrong():
    from sfvsr_plugin.datasets.transforms import baseline_error
    crop = TRANSFORMS.build(
        dict(
            type='BaselineErrorPairedCrop',
            gt_patch_size=32,
            num_candidates=16))
    random_crop = TRANSFORMS.build(
        dict(type='PairedRandomCrop', gt_patch_size=32))
    np.random.seed(0)
    scores = {}
    for name, transform in (('chosen', crop), ('random', random_crop)):
        scores[name] = []
        for _ in range(20):
            out = transform(_flat_clip_with_square())
            scores[name].append(
                baseline_error(out['img'], out['gt'], 4).mean())
    assert min(scores['chosen']) > 0  # 16 draws always find the square
    assert np.mean(scores['chosen']) > 1.5 * np.mean(scores['random'])
    # LR and GT patches stay aligned
    clip = _flat_clip_with_square()
    out = crop(dict(clip))
    assert out['img'][0].shape == (8, 8, 3)
    assert out['gt'][0].shape == (32, 32, 3)
    for lr, gt in zip(out['img'], out['gt'][::2]):
        np.testing.assert_array_equal(
            lr, cv2.resize(gt, (8, 8), interpolation=cv2.INTER_AREA))
    # one frame pair (S-VSR of one frame) works too
    single = crop(dict(img=clip['img'][0], gt=clip['gt'][0], scale=4))
    assert single['gt'].shape == (32, 32, 3)


def test_scored_crop_caches_the_scores_of_a_clip_by_its_paths(monkeypatch):
    from sfvsr_plugin.datasets.transforms import crop as crop_module
    calls = []
    real = crop_module.baseline_error
    monkeypatch.setattr(crop_module, 'baseline_error',
                        lambda *a: calls.append(1) or real(*a))
    crops = {}
    for cache in (False, True):
        crop = TRANSFORMS.build(
            dict(
                type='BaselineErrorPairedCrop',
                gt_patch_size=32,
                cache_scores=cache))
        np.random.seed(5)
        calls.clear()
        crops[cache] = []
        for i in range(6):
            clip = _flat_clip_with_square(step=6 + i % 2)
            clip['gt_path'] = [f'clip{i % 2}/im{k}.png' for k in range(7)]
            crops[cache].append(crop(clip))
        assert len(calls) == (2 if cache else 6)
    # the same crops either way: the cache changes no draw
    for a, b in zip(crops[False], crops[True]):
        for x, y in zip(a['gt'], b['gt']):
            np.testing.assert_array_equal(x, y)


def test_motion_paired_crop_picks_the_moving_part_and_keeps_alignment():
    from sfvsr_plugin.datasets.transforms import blending_error
    crop = TRANSFORMS.build(
        dict(type='MotionPairedCrop', gt_patch_size=32, num_candidates=16))
    random_crop = TRANSFORMS.build(
        dict(type='PairedRandomCrop', gt_patch_size=32))
    np.random.seed(0)
    moving = [
        blending_error(crop(_moving_square_clip())['gt']).mean()
        for _ in range(20)
    ]
    at_random = [
        blending_error(random_crop(_moving_square_clip())['gt']).mean()
        for _ in range(20)
    ]
    assert min(moving) > 0  # 16 draws always find the square
    assert np.mean(moving) > 1.5 * np.mean(at_random)
    out = crop(_moving_square_clip())
    assert out['img'][0].shape == (8, 8, 3)
    assert out['gt'][0].shape == (32, 32, 3)
    for lr, gt in zip(out['img'], out['gt']):  # LR is GT[::4] here
        np.testing.assert_array_equal(lr, gt[::4, ::4])


def test_motion_paired_crop_refuses_single_frames_and_bad_candidates():
    crop = TRANSFORMS.build(dict(type='MotionPairedCrop', gt_patch_size=32))
    clip = _moving_square_clip()
    with pytest.raises(ValueError, match='at least 3 frames'):
        crop(dict(img=clip['img'][0], gt=clip['gt'][0], scale=4))
    with pytest.raises(ValueError, match='num_candidates=0'):
        TRANSFORMS.build(
            dict(type='MotionPairedCrop', gt_patch_size=32, num_candidates=0))
