import numpy as np
import pytest
from mmagic.registry import DATASETS

from sfvsr_plugin.datasets import (HELD_OUT_IMAGES, MOTIONS, TRAIN_IMAGES,
                                   draw_motion_params, load_source_image,
                                   matlab_downsample, render_motion_clip)
from sfvsr_plugin.datasets.transforms import STVSR_META_KEYS, blending_error
from sfvsr_plugin.evaluation import BLENDING, bicubic_baselines

PIPELINE = [
    dict(type='OddFrameSampling', mode='stvsr'),
    dict(type='CheckLRScale', scale=4),
    dict(
        type='PackInputs',
        meta_keys=STVSR_META_KEYS + ['motion', 'motion_params'])
]


def build(**kw):
    return DATASETS.build(dict(type='SyntheticMotionDataset', **kw))


def clip(velocity, origin=None, image='astronaut', **kw):
    params = dict(velocity=velocity)
    if origin is not None:
        params['origin'] = origin
    return render_motion_clip(
        load_source_image(image),
        'translate',
        rng=np.random.default_rng(0),
        params=params,
        **kw)


@pytest.mark.parametrize('velocity', [(4, 0), (-3, 5), (0, -12)])
def test_integer_translation_moves_every_frame_by_the_velocity(velocity):
    frames = [f.astype(int) for f in clip(velocity)]
    vx, vy = velocity
    m = 16  # interior: away from the borders (the shift brings new pixels)
    for a, b in zip(frames, frames[1:]):
        # b(y, x) == a(y - vy, x - vx)
        moved = b[m:-m, m:-m]
        before = a[m - vy:a.shape[0] - m - vy, m - vx:a.shape[1] - m - vx]
        assert np.abs(moved - before).max() <= 1
    assert len(frames) == 7 and frames[0].shape == (64, 64, 3)


def test_drawn_motions_cover_their_ranges():
    rng = np.random.default_rng(1)
    speeds = [
        np.hypot(*draw_motion_params('translate', rng)['velocity'])
        for _ in range(200)
    ]
    assert min(speeds) < 4 < max(speeds) <= 12  # sub- and multi-pixel (LR)
    zooms = [draw_motion_params('zoom', rng)['zoom'] for _ in range(100)]
    assert 0.97 <= min(zooms) < 1 < max(zooms) <= 1.03
    assert min(abs(z - 1) for z in zooms) >= 0.005
    angles = [draw_motion_params('rotate', rng)['angle'] for _ in range(100)]
    assert all(0.5 <= abs(a) <= 2 for a in angles)
    assert min(angles) < 0 < max(angles)


def test_middle_frame_is_not_the_blend_and_blending_error_grows_with_speed():
    frames = clip((6, 0))
    assert blending_error(frames).mean() > 10  # ghosting, not an average

    def inserted_error(speed):
        gt = clip((speed, 0), origin=(200, 180))
        lq = np.stack([matlab_downsample(f) for f in gt[::2]])
        base = bicubic_baselines(lq)[BLENDING]
        return float(np.abs(base[1::2] - np.stack(gt[1::2])).mean())

    errors = [inserted_error(s) for s in (0, 2, 5, 10)]
    assert errors == sorted(errors) and errors[-1] > 2 * errors[0], errors


def test_occlusion_moves_the_foreground_over_a_still_background():
    frames, p = render_motion_clip(
        load_source_image('coffee'),
        'occlusion',
        rng=np.random.default_rng(3),
        second_image=load_source_image('gravel'),
        params=dict(
            velocity=(4, 0),
            background_velocity=(0, 0),
            fg_size=(16, 16),
            fg_center=(32, 32),
            fg_shape='rectangle'),
        return_params=True)
    frames = [f.astype(int) for f in frames]
    assert p['fg_origin'] and p['speed'] == 4
    for a, b in zip(frames, frames[1:]):
        # background rows never covered by the patch (y in [24, 40)) stay
        assert np.array_equal(a[:22], b[:22]) and np.array_equal(
            a[42:], b[42:])
    # the patch's texture moves with it: frame 4's patch is frame 3's
    # shifted by 4 px
    assert np.abs(frames[4][26:38, 30:42] - frames[3][26:38, 26:38]).max() \
        <= 1
    assert np.abs(frames[4][26:38, 30:42] - frames[3][26:38, 30:42]).mean() \
        > 5


def test_grey_sources_give_rgb_and_even_clips_work():
    frames = render_motion_clip(
        load_source_image('camera'),
        'rotate',
        num_frames=2,
        gt_size=(32, 48),
        rng=np.random.default_rng(0))
    assert len(frames) == 2 and frames[0].shape == (32, 48, 3)
    assert np.array_equal(frames[0][..., 0], frames[0][..., 2])


def test_clips_are_deterministic_per_seed_and_index():
    a, b = build(num_clips=8), build(num_clips=8)
    other = build(num_clips=8, seed=1)
    for i in (0, 3, 6):
        ia, ib = a.get_data_info(i), b.get_data_info(i)
        assert ia['key'] == ib['key'] == f"synthetic/{MOTIONS[i % 4]}/{i:05d}"
        assert all(np.array_equal(x, y) for x, y in zip(ia['gt'], ib['gt']))
        assert ia['motion_params'] == ib['motion_params']
        io = other.get_data_info(i)
        assert not np.array_equal(ia['gt'][0], io['gt'][0])
    # a subset keeps each clip as it is
    sub = build(num_clips=8, indices=[6])
    assert np.array_equal(
        sub.get_data_info(0)['gt'][3],
        a.get_data_info(6)['gt'][3])


def test_train_and_held_out_images_are_disjoint():
    assert TRAIN_IMAGES and HELD_OUT_IMAGES
    assert not set(TRAIN_IMAGES) & set(HELD_OUT_IMAGES)
    train, test = build(num_clips=40), build(num_clips=40, test_mode=True)
    used = [{d['image'] for d in ds.load_data_list()} for ds in (train, test)]
    assert used[0] <= set(TRAIN_IMAGES) and used[1] <= set(HELD_OUT_IMAGES)


def test_builds_from_config_and_packs_stvsr_samples():
    ds = build(num_clips=4, gt_size=(32, 48), pipeline=PIPELINE)
    assert len(ds) == 4 and ds.metainfo['task_name'] == 'stvsr'
    info = ds.get_data_info(0)
    assert len(info['gt']) == len(info['img']) == 7
    assert info['img'][0].shape == (8, 12, 3)
    assert np.array_equal(info['img'][2], matlab_downsample(info['gt'][2]))
    out = ds[0]
    assert out['inputs'].shape == (4, 3, 8, 12)
    assert out['data_samples'].gt_img.shape == (7, 3, 32, 48)
    meta = out['data_samples'].metainfo
    assert meta['key'] == 'synthetic/translate/00000'
    assert meta['inserted_frame_indices'] == [1, 3, 5]
    assert meta['motion'] == 'translate'
    assert 'velocity' in meta['motion_params']
    lazy = build(num_clips=3, lazy_init=True)
    assert not lazy._fully_initialized and len(lazy) == 3


def test_mixes_with_vimeo_in_a_concat_dataset(vimeo_root):
    from .conftest import pipeline
    mixed = DATASETS.build(
        dict(
            type='ConcatDataset',
            ignore_keys=['dataset_type'],
            datasets=[
                dict(
                    type='STVSRVimeo90KDataset',
                    data_root=vimeo_root,
                    ann_file='sep_trainlist.txt',
                    check_published=False,
                    pipeline=pipeline()),
                dict(
                    type='SyntheticMotionDataset',
                    num_clips=2,
                    gt_size=(32, 64),
                    pipeline=PIPELINE)
            ]))
    assert len(mixed) == 8
    assert mixed[0]['data_samples'].gt_img.shape == mixed[7][
        'data_samples'].gt_img.shape == (7, 3, 32, 64)


@pytest.mark.parametrize('kwargs, match', [
    (dict(motions=['translate', 'shear']), "'shear'"),
    (dict(gt_size=(64, 62)), r'\(64, 62\).*divisible by the scale 4'),
    (dict(images=['astronaut', 'lena']), "'lena'"),
    (dict(num_frames=1), 'num_frames=1'),
    (dict(num_clips=0), 'num_clips=0'),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        build(**kwargs)


def test_bad_render_arguments_are_named():
    img = load_source_image('brick')
    with pytest.raises(ValueError, match="'spin'"):
        render_motion_clip(img, 'spin')
    with pytest.raises(ValueError, match="'speed'"):
        render_motion_clip(img, 'translate', params=dict(speed=3))
    with pytest.raises(ValueError, match=r'origin=\(0, 0\)'):
        render_motion_clip(img, 'translate', params=dict(origin=(0, 0)))
