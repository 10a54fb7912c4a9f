import os
import os.path as osp
import shutil

import pytest
from mmagic.registry import DATASETS

from .conftest import pipeline


def build(root, ann='sep_trainlist.txt', **kw):
    return DATASETS.build(
        dict(type='STVSRVimeo90KDataset', data_root=root, ann_file=ann, **kw))


def test_septuplet_samples_list_all_frames_and_load_odd_ones(vimeo_root):
    ds = build(vimeo_root, pipeline=pipeline())
    assert len(ds) == 6
    info = ds.get_data_info(0)
    assert info['key'] == '00001/0001'
    assert info['gt_path'][-1] == osp.join(vimeo_root, 'sequences',
                                           '00001/0001', 'im7.png')
    assert info['img_path'][0].endswith(
        osp.join('sequences_BIx4', '00001/0001', 'im1.png'))
    out = ds[0]
    assert out['inputs'].shape == (4, 3, 8, 16)
    assert out['data_samples'].gt_img.shape == (7, 3, 32, 64)
    assert out['data_samples'].metainfo['img_path'][1].endswith('im3.png')


def test_subset_lists_are_ann_files(vimeo_root):
    keys = {
        s: [d['key'] for d in build(vimeo_root, f'{s}_testset.txt')]
        for s in ('fast', 'medium', 'slow')
    }
    assert keys['fast'] == ['00001/0001', '00001/0004']
    assert sum(map(len, keys.values())) == 6


def test_svsr_and_tvsr_shapes(vimeo_root, triplet_root):
    out = build(vimeo_root, mode='svsr', pipeline=pipeline('svsr'))[0]
    assert out['inputs'].shape == (7, 3, 8, 16)
    assert out['data_samples'].gt_img.shape == (7, 3, 32, 64)
    ds = build(
        triplet_root,
        'tri_testlist.txt',
        data_prefix=dict(img='sequences', gt='sequences'),
        mode='tvsr',
        pipeline=pipeline('tvsr'))
    out = ds[1]
    assert out['inputs'].shape == (2, 3, 32, 64)  # im1, im3 full size
    assert out['data_samples'].gt_img.shape == (3, 32, 64)  # im2
    assert out['data_samples'].metainfo['gt_path'].endswith('im2.png')


@pytest.fixture
def broken_root(vimeo_root, tmp_path):
    root = str(tmp_path / 'vimeo')
    shutil.copytree(vimeo_root, root)
    return root


def test_missing_clip_is_named_with_its_list_file(broken_root):
    with open(osp.join(broken_root, 'bad.txt'), 'w') as f:
        f.write('00001/0001\n00009/0999\n')
    with pytest.raises(
            FileNotFoundError,
            match='clip 00009/0999 listed in bad.txt does not'):
        build(broken_root, 'bad.txt')


def test_missing_and_extra_frames_are_named(broken_root):
    os.remove(osp.join(broken_root, 'sequences_BIx4/00001/0002/im7.png'))
    with pytest.raises(
            FileNotFoundError,
            match=r'00001/0002 in .*sequences_BIx4 is missing '
            r'frame\(s\) im7.png'):
        build(broken_root)
    shutil.copy(
        osp.join(broken_root, 'sequences/00001/0001/im1.png'),
        osp.join(broken_root, 'sequences/00001/0003/im8.png'))
    with pytest.raises(ValueError, match='00001/0003 .* has 8 frames'):
        build(broken_root, 'slow_testset.txt')
    # without the build-time check the clips are still listed
    assert len(build(broken_root, check_files=False)) == 6
