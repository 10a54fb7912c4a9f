import os.path as osp

from mmagic.registry import DATASETS

from sfvsr_plugin.testing import make_frames_stand_in, video_to_frames
from .conftest import pipeline


def test_lr_folder_is_one_clip_all_frames_in(tmp_path):
    make_frames_stand_in(str(tmp_path / 'my_clip'), num_frames=5)
    ds = DATASETS.build(
        dict(
            type='STVSRFramesDataset',
            data_root=str(tmp_path),
            data_prefix=dict(img='my_clip'),
            pipeline=[
                dict(type='OddFrameSampling'),
                dict(type='LoadClipFrames', key='img'),
                dict(
                    type='PackInputs',
                    meta_keys=['key', 'inserted_frame_indices'])
            ]))
    assert len(ds) == 1
    out = ds[0]
    assert out['inputs'].shape == (5, 3, 8, 16)
    assert out['data_samples'].metainfo['key'] == 'my_clip'
    assert out['data_samples'].metainfo['inserted_frame_indices'] == [
        1, 3, 5, 7
    ]


def test_video_file_to_folder_of_clips_with_gt_only(tmp_path):
    paths = video_to_frames(
        'carphone', str(tmp_path / 'gt' / 'car'), size=(32, 16), max_frames=9)
    assert len(paths) == 9 and osp.basename(paths[-1]) == '00000008.png'
    make_frames_stand_in(
        str(tmp_path / 'gt' / 'bunny'), 3, (32, 16), 'bigbuckbunny')
    ds = DATASETS.build(
        dict(
            type='STVSRFramesDataset',
            data_root=str(tmp_path),
            data_prefix=dict(gt='gt'),
            window=dict(num_input_frames=2, stride=2),
            pipeline=pipeline(lr=False)))
    assert [ds.get_data_info(i)['key'] for i in range(len(ds))] == [
        'bunny/0000', 'car/0000', 'car/0002', 'car/0004', 'car/0006'
    ]
    out = ds[4]
    assert out['inputs'].shape == (2, 3, 4, 8)
    assert out['data_samples'].gt_img.shape == (3, 3, 16, 32)


def test_symlinked_clip_folders_are_clips(tmp_path):
    """A tree of per-clip links (a subset of a dataset) reads as the clips
    it links to (issue 22)."""
    for name in ('a', 'b'):
        make_frames_stand_in(str(tmp_path / 'store' / name), num_frames=3)
    (tmp_path / 'subset').mkdir()
    (tmp_path / 'subset' / 'b').symlink_to(tmp_path / 'store' / 'b')
    ds = DATASETS.build(
        dict(
            type='STVSRFramesDataset',
            data_root=str(tmp_path),
            data_prefix=dict(img='subset'),
            pipeline=[
                dict(type='OddFrameSampling'),
                dict(type='LoadClipFrames', key='img'),
                dict(type='PackInputs', meta_keys=['key'])
            ]))
    assert len(ds) == 1
    out = ds[0]
    assert out['data_samples'].metainfo['key'] == 'b'
    assert out['inputs'].shape == (3, 3, 8, 16)
