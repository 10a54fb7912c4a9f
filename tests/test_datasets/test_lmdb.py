import os.path as osp

import pytest
import torch
from mmagic.registry import DATASETS

from sfvsr_plugin.datasets import make_lmdb, read_lmdb_meta
from .conftest import pipeline


@pytest.fixture(scope='module')
def lmdb_vimeo(vimeo_root, tmp_path_factory):
    """LMDBs of the stand-in, next to a symlinked copy of its trees."""
    root = tmp_path_factory.mktemp('vimeo_lmdb')
    for name in ('sep_trainlist.txt', 'sequences', 'sequences_BIx4'):
        (root / name).symlink_to(osp.join(vimeo_root, name))
    for tree in ('sequences', 'sequences_BIx4'):
        make_lmdb(str(root / tree), log=None)
    return str(root)


def test_meta_info_lines_and_keys(lmdb_vimeo):
    with open(osp.join(lmdb_vimeo, 'sequences.lmdb', 'meta_info.txt')) as f:
        first = f.readline().strip()
    assert first == '00001/0001/im1.png (32,64,3) 1'
    keys = read_lmdb_meta(osp.join(lmdb_vimeo, 'sequences_BIx4.lmdb'))
    assert len(keys) == 42 and '00002/0002/im7' in keys


def test_lmdb_and_folders_give_identical_tensors(lmdb_vimeo):
    kw = dict(
        type='STVSRVimeo90KDataset',
        data_root=lmdb_vimeo,
        ann_file='sep_trainlist.txt',
        pipeline=pipeline())
    folders = DATASETS.build(kw)
    lmdb = DATASETS.build(dict(kw, backend_args=dict(backend='lmdb')))
    assert lmdb.get_data_info(0)['gt_path'][1] == '00001/0001/im2'
    for i in (0, 5):
        a, b = folders[i], lmdb[i]
        assert torch.equal(a['inputs'], b['inputs'])
        assert torch.equal(a['data_samples'].gt_img, b['data_samples'].gt_img)


def test_lmdb_missing_clip_and_key_are_named(lmdb_vimeo, tmp_path):
    with open(tmp_path / 'bad.txt', 'w') as f:
        f.write('00001/0001\n00003/0001\n')
    with pytest.raises(
            FileNotFoundError,
            match='clip 00003/0001 .* does not exist in LMDB'):
        DATASETS.build(
            dict(
                type='STVSRVimeo90KDataset',
                data_root=lmdb_vimeo,
                ann_file=str(tmp_path / 'bad.txt'),
                backend_args=dict(backend='lmdb')))
    ds = DATASETS.build(
        dict(
            type='STVSRVimeo90KDataset',
            data_root=lmdb_vimeo,
            ann_file=str(tmp_path / 'bad.txt'),
            check_files=False,
            backend_args=dict(backend='lmdb'),
            pipeline=pipeline()))
    with pytest.raises(
            FileNotFoundError,
            match="missing frame LMDB key '00003/0001/im1'"):
        ds[1]
