"""Stand-in datasets made once per test session (treat them read-only)."""

import pytest

from sfvsr_plugin.datasets import (make_vid4_stand_in,
                                   make_vimeo_septuplet_stand_in,
                                   make_vimeo_triplet_stand_in)


@pytest.fixture(scope='session')
def vimeo_root(tmp_path_factory):
    """Vimeo septuplets: 6 clips, GT 64x32, LR 16x8."""
    root = str(tmp_path_factory.mktemp('vimeo_septuplet'))
    make_vimeo_septuplet_stand_in(root, num_clips=6, gt_size=(64, 32))
    return root


@pytest.fixture(scope='session')
def vid4_root(tmp_path_factory):
    """Vid4 with the real clip lengths (41, 34, 49, 47), GT 64x32."""
    root = str(tmp_path_factory.mktemp('vid4'))
    make_vid4_stand_in(root, gt_size=(64, 32), source='carphone')
    return root


@pytest.fixture(scope='session')
def triplet_root(tmp_path_factory):
    """Vimeo triplets: 4 clips of 64x32."""
    root = str(tmp_path_factory.mktemp('vimeo_triplet'))
    make_vimeo_triplet_stand_in(root, num_clips=4, gt_size=(64, 32))
    return root


def pipeline(mode='stvsr', lr=True, extra=()):
    """Test pipeline: sampling, loading, checks, ``extra``, packing."""
    steps = [dict(type='OddFrameSampling', mode=mode)]
    if lr:
        steps.append(dict(type='LoadClipFrames', key='img'))
    steps.append(dict(type='LoadClipFrames', key='gt'))
    if not lr:
        steps.append(dict(type='MakeLRFromGT', scale=4))
    steps.append(dict(type='CheckLRScale', scale=1 if mode == 'tvsr' else 4))
    steps.extend(extra)
    steps.append(
        dict(
            type='PackInputs',
            meta_keys=[
                'key', 'input_frame_indices', 'inserted_frame_indices',
                'frame_offset'
            ]))
    return steps
