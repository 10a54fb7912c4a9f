import os.path as osp
import runpy

import cv2
import numpy as np
import pytest

from sfvsr_plugin.datasets import matlab_downsample

TOOLS = osp.join(
    osp.dirname(__file__), '..', '..', 'tools', 'dataset_converters')


def tool(name):
    return runpy.run_path(osp.join(TOOLS, f'{name}.py'), run_name='tool')


def test_make_lr_writes_mirror_tree(tmp_path, capsys):
    rng = np.random.default_rng(0)
    frames = {}
    for rel in ('a/0001/im1.png', 'a/0001/im2.png', 'b/0003/im1.png'):
        frames[rel] = rng.integers(0, 256, (32, 64, 3), np.uint8)
        path = tmp_path / 'gt' / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), frames[rel])
    rc = tool('make_lr')['main']([str(tmp_path / 'gt'), str(tmp_path / 'lr')])
    assert rc == 0
    assert 'make_lr: 3/3 frames' in capsys.readouterr().out
    for rel, gt in frames.items():
        lr = cv2.imread(str(tmp_path / 'lr' / rel))
        assert np.array_equal(lr, matlab_downsample(gt, 4))


def test_make_lr_refuses_sizes_not_divisible_by_4(tmp_path, capsys):
    (tmp_path / 'gt' / 'c').mkdir(parents=True)
    cv2.imwrite(str(tmp_path / 'gt/c/1.png'), np.zeros((32, 64, 3)))
    cv2.imwrite(str(tmp_path / 'gt/c/2.png'), np.zeros((30, 64, 3)))
    rc = tool('make_lr')['main']([str(tmp_path / 'gt'), str(tmp_path / 'lr')])
    err = capsys.readouterr().err
    assert rc == 1
    assert 'c/2.png is 64x30 (w x h), not divisible by 4' in err
    assert not (tmp_path / 'lr').exists()  # checked before writing


def test_make_lr_never_writes_into_its_gt_tree(tmp_path, capsys):
    gt = tmp_path / 'gt'
    (gt / 'c').mkdir(parents=True)
    cv2.imwrite(str(gt / 'c' / '1.png'), np.full((32, 64, 3), 7, np.uint8))
    before = (gt / 'c' / '1.png').read_bytes()
    for lr, words in ((gt, 'is the input'), (gt / 'BIx4', 'lies inside'),
                      (gt / 'c', 'lies inside'), (tmp_path, 'contains')):
        for extra in ([], ['--overwrite']):
            rc = tool('make_lr')['main']([str(gt), str(lr)] + extra)
            err = capsys.readouterr().err.strip()
            assert rc == 1 and len(err.splitlines()) == 1
            assert err.startswith('make_lr: error: output folder') and \
                words in err, err
    assert sorted(p.name for p in gt.rglob('*')) == ['1.png', 'c']
    assert (gt / 'c' / '1.png').read_bytes() == before
    # an LR tree already there is kept unless --overwrite
    rc = tool('make_lr')['main']([str(gt), str(tmp_path / 'lr')])
    assert rc == 0
    rc = tool('make_lr')['main']([str(gt), str(tmp_path / 'lr')])
    assert rc == 1 and 'is not empty: pass' in capsys.readouterr().err
    rc = tool('make_lr')['main'](
        [str(gt), str(tmp_path / 'lr'), '--overwrite'])
    assert rc == 0 and [p.name for p in (tmp_path / 'lr').rglob('*')
                        ] == ['c', '1.png']


def test_make_lr_follows_symlinked_clip_folders(tmp_path, capsys):
    """A tree of per-clip links (a subset of a dataset) is a tree of clips."""
    for clip in ('a', 'b'):
        (tmp_path / 'store' / clip).mkdir(parents=True)
        cv2.imwrite(
            str(tmp_path / 'store' / clip / 'im1.png'),
            np.full((8, 16, 3), 9, np.uint8))
        (tmp_path / 'subset').mkdir(exist_ok=True)
        (tmp_path / 'subset' / clip).symlink_to(tmp_path / 'store' / clip)
    rc = tool('make_lr')['main'](
        [str(tmp_path / 'subset'),
         str(tmp_path / 'lr')])
    assert rc == 0, capsys.readouterr().err
    for clip in ('a', 'b'):
        lr = cv2.imread(str(tmp_path / 'lr' / clip / 'im1.png'))
        assert lr.shape == (2, 4, 3) and (lr == 9).all()


def test_make_stand_in_and_make_lmdb_clis(tmp_path, capsys):
    out = tmp_path / 'vimeo'
    rc = tool('make_stand_in')['main']([
        'septuplet',
        str(out), '--num-clips', '3', '--gt-size', '32', '16', '--source',
        'carphone'
    ])
    assert rc == 0
    assert (out / 'medium_testset.txt').read_text() == '00001/0002\n'
    lr = cv2.imread(str(out / 'sequences_BIx4/00001/0003/im7.png'))
    assert lr.shape == (4, 8, 3)
    rc = tool('make_lmdb')['main'](
        [str(out / 'sequences'),
         str(out / 'sequences_BIx4')])
    assert rc == 0
    meta = (out / 'sequences_BIx4.lmdb' / 'meta_info.txt').read_text()
    assert meta.splitlines()[-1] == '00001/0003/im7.png (4,8,3) 1'
    assert 'make_lmdb: 21/21 frames' in capsys.readouterr().out


def test_stand_in_rejects_bad_sizes(tmp_path):
    from sfvsr_plugin.testing import make_vimeo_septuplet_stand_in
    with pytest.raises(ValueError, match='not divisible by 4'):
        make_vimeo_septuplet_stand_in(str(tmp_path), gt_size=(30, 16))


def test_write_vimeo_septuplets(tmp_path):
    from sfvsr_plugin.datasets import write_vimeo_septuplets
    rng = np.random.default_rng(0)
    clips = {
        name: rng.integers(0, 256, (7, 16, 24, 3), np.uint8)
        for name in ('00001/0001', '00001/0002')
    }
    lists = {
        'sep_trainlist.txt': ['00001/0001', '00001/0002'],
        'slow_testset.txt': ['00001/0002']
    }
    write_vimeo_septuplets(str(tmp_path), clips, lists)
    for name, frames in clips.items():
        for i, gt in enumerate(frames, 1):
            got = cv2.imread(str(tmp_path / 'sequences' / name / f'im{i}.png'))
            np.testing.assert_array_equal(got[..., ::-1], gt)  # RGB frames
            lr = cv2.imread(
                str(tmp_path / 'sequences_BIx4' / name / f'im{i}.png'))
            np.testing.assert_array_equal(lr[..., ::-1],
                                          matlab_downsample(gt, 4))
    assert (tmp_path / 'sep_trainlist.txt').read_text() == \
        '00001/0001\n00001/0002\n'
    assert (tmp_path / 'slow_testset.txt').read_text() == '00001/0002\n'
    # scale 2, GT only: no LR tree
    write_vimeo_septuplets(
        str(tmp_path / 'gt_only'), clips, {}, scale=2, make_lr=False)
    assert sorted(p.name for p in (tmp_path / 'gt_only').iterdir()) == \
        ['sequences']


def test_write_vimeo_septuplets_refuses_before_writing(tmp_path):
    from sfvsr_plugin.datasets import write_vimeo_septuplets
    good = np.zeros((7, 16, 24, 3), np.uint8)

    def refusal(clips, lists=None):
        with pytest.raises(ValueError) as e:
            write_vimeo_septuplets(str(tmp_path / 'out'), clips, lists or {})
        assert not (tmp_path / 'out').exists()
        return str(e.value)

    assert refusal(dict(a=good[:6])) == \
        'clip a has 6 frames, a septuplet has 7'
    assert refusal(dict(a=good, b=good[:, :14])) == \
        'clip b: a GT frame of 24x14 (w x h) is not divisible by 4'
    lists = {'sep_testlist.txt': ['a', 'c']}
    assert refusal(dict(a=good), lists) == \
        'sep_testlist.txt lists clips that are not written: c'
