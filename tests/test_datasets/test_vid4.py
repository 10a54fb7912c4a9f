import os
import os.path as osp
import shutil

import pytest
from mmagic.registry import DATASETS

from sfvsr_plugin.datasets import IncompleteDatasetError, window_starts
from .conftest import pipeline


def build(root, **kw):
    return DATASETS.build(dict(type='STVSRVid4Dataset', data_root=root, **kw))


def test_window_starts_zsm_protocol():
    assert window_starts(41, 7, 6) == [0, 6, 12, 18, 24, 30, 34]
    assert window_starts(34, 7, 6) == [0, 6, 12, 18, 24, 27]
    assert window_starts(49, 7, 6) == [0, 6, 12, 18, 24, 30, 36, 42]
    assert window_starts(7, 7, 6) == [0]
    with pytest.raises(ValueError, match='5 frames is shorter'):
        window_starts(5, 7, 6)


def test_whole_clips_use_even_frames_in_and_odd_length_gt(vid4_root):
    ds = build(vid4_root, pipeline=pipeline())
    assert [ds.get_data_info(i)['key'] for i in range(len(ds))
            ] == ['calendar', 'city', 'city/0001', 'foliage', 'walk']
    out = ds[1]  # city, 34 frames
    assert out['inputs'].shape == (17, 3, 8, 16)
    assert out['data_samples'].gt_img.shape == (33, 3, 32, 64)
    meta = out['data_samples'].metainfo
    assert meta['input_frame_indices'] == list(range(0, 33, 2))
    assert meta['img_path'][-1].endswith('00000032.png')
    assert meta['clip'] == 'city' and meta['frame_offset'] == 0
    assert ds[0]['data_samples'].gt_img.shape[0] == 41
    # city's last frame: a second pass on frames 1..33 (inputs 1, 3, ..., 33)
    tail = ds[2]['data_samples'].metainfo
    assert tail['clip'] == 'city' and tail['frame_offset'] == 1
    assert tail['img_path'][0].endswith('00000001.png')
    assert tail['img_path'][-1].endswith('00000033.png')
    assert ds[2]['data_samples'].gt_img.shape == (33, 3, 32, 64)
    # S-VSR scores every frame in one pass
    assert len(build(vid4_root, mode='svsr', pipeline=pipeline('svsr'))) == 4


def test_windows_of_4_inputs_7_outputs(vid4_root):
    ds = build(
        vid4_root,
        window=dict(num_input_frames=4, stride=6),
        pipeline=pipeline())
    keys = [ds.get_data_info(i)['key'] for i in range(len(ds))]
    assert keys[:7] == [
        f'calendar/{s:04d}' for s in (0, 6, 12, 18, 24, 30, 34)
    ]
    assert len(ds) == 7 + 6 + 8 + 8  # 47 frames: ... 36, 40
    info = ds.get_data_info(6)
    assert info['frame_offset'] == 34
    assert info['gt_path'][0].endswith('00000034.png')
    assert info['gt_path'][-1].endswith('00000040.png')
    out = ds[6]
    assert out['inputs'].shape == (4, 3, 8, 16)
    assert out['data_samples'].gt_img.shape == (7, 3, 32, 64)
    assert out['data_samples'].metainfo['img_path'][1].endswith('00000036.png')


def test_meta_file_counts_and_mirror_trees_are_checked(vid4_root, tmp_path):
    root = str(tmp_path / 'vid4')
    shutil.copytree(vid4_root, root)
    with open(osp.join(root, 'meta.txt'), 'w') as f:
        f.write('calendar 41\ncity 35\n')
    with pytest.raises(
            ValueError, match='city .* has 34 frames but '
            'meta.txt says 35'):
        build(root, ann_file='meta.txt')
    assert len(build(root, ann_file='meta_info_Vid4_GT.txt')) == 5
    os.remove(osp.join(root, 'BIx4', 'walk', '00000010.png'))
    with pytest.raises(
            ValueError,
            match='walk has 46 frames in .*BIx4 but 47 in '
            '.*GT; missing there: 00000010.png'):
        build(root)
    with open(osp.join(root, 'meta.txt'), 'w') as f:
        f.write('calendar\nbicycle\n')
    with pytest.raises(FileNotFoundError, match='clip bicycle does not'):
        build(root, ann_file='meta.txt')


def test_vid4_must_be_the_published_clips(vid4_root, tmp_path):
    assert len(build(vid4_root, check_published=True)) == 5
    root = str(tmp_path / 'vid4')
    shutil.copytree(vid4_root, root)
    for tree in ('GT', 'BIx4'):
        os.remove(osp.join(root, tree, 'foliage', '00000048.png'))
    with pytest.raises(
            IncompleteDatasetError,
            match='Vid4 clip foliage in .*GT has 48 frames, but the '
            'published set has 49: .*check_published=False'):
        build(root)
    assert len(build(root, check_published=False)) == 6  # + foliage tail
    shutil.rmtree(osp.join(root, 'GT', 'walk'))
    shutil.rmtree(osp.join(root, 'BIx4', 'walk'))
    with pytest.raises(IncompleteDatasetError, match="clips .*'foliage'\\]"):
        build(root)
