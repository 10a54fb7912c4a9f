import os
import os.path as osp
import shutil

import pytest
from mmagic.registry import DATASETS

from sfvsr_plugin.datasets import IncompleteDatasetError, holdout_lines
from .conftest import pipeline


def build(root, ann='sep_trainlist.txt', **kw):
    kw.setdefault('check_published', False)  # stand-ins: fewer clips
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


@pytest.mark.parametrize('ann, size', [('fast_testset.txt', 1225),
                                       ('medium_testset.txt', 4977),
                                       ('slow_testset.txt', 1613),
                                       ('sep_testlist.txt', 7824)])
def test_published_test_lists_must_be_complete(vimeo_root, ann, size):
    with pytest.raises(
            IncompleteDatasetError,
            match=f'list file .*{ann} has .* clips, but the published set has '
            f'{size}: complete the download .* check_published=False'):
        build(vimeo_root, ann, check_published=True)
    assert len(build(vimeo_root, ann, check_published=False)) >= 1
    # other lists are the user's: no size to check
    assert len(build(vimeo_root, 'sep_trainlist.txt',
                     check_published=True)) == 6


def test_published_size_is_accepted(tmp_path, vimeo_root):
    root = str(tmp_path / 'vimeo')
    shutil.copytree(vimeo_root, root)
    with open(osp.join(root, 'slow_testset.txt')) as f:
        clips = f.read().split()
    with open(osp.join(root, 'slow_testset.txt'), 'w') as f:
        f.write('\n'.join(clips[i % len(clips)] for i in range(1613)))
    assert len(build(root, 'slow_testset.txt', check_published=True)) == 1613


def test_holdout_splits_the_training_list_for_validation(vimeo_root):
    assert holdout_lines(64612, 100)[:2] == [99, 199]
    assert len(holdout_lines(64612, 100)) == 646
    keys = {
        split:
        [d['key'] for d in build(vimeo_root, holdout=split, holdout_every=3)]
        for split in ('train', 'val', None)
    }
    assert keys['val'] == [keys[None][2], keys[None][5]]
    assert keys['train'] == [k for k in keys[None] if k not in keys['val']]
    # fixed: the same split on every build
    assert [
        d['key'] for d in build(vimeo_root, holdout='val', holdout_every=3)
    ] == keys['val']
    with pytest.raises(ValueError, match='names no clip .*holdout_every=100'):
        build(vimeo_root, holdout='val')
    with pytest.raises(ValueError, match='holdout must be'):
        build(vimeo_root, holdout='test')
