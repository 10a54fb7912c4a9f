import pytest
import torch

import sfvsr_plugin  # noqa: F401  (registers components)
from sfvsr_plugin.testing import (make_vid4_stand_in,
                                  make_vimeo_septuplet_stand_in,
                                  make_vimeo_triplet_stand_in)


@pytest.fixture(autouse=True)
def _seed_and_scope():
    """Every test runs seeded and in mmagic's scope, as a config would."""
    from mmengine.registry import DefaultScope
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmagic'):
        yield


@pytest.fixture(autouse=True)
def _restore_checkpoint_globals():
    """Globals a test allows for checkpoints do not leak into later tests."""
    from sfvsr_plugin import checkpoint
    saved = list(checkpoint.USER_ALLOWED_GLOBALS)
    yield
    checkpoint.USER_ALLOWED_GLOBALS[:] = saved


# Stand-in datasets made once per test session (treat them read-only).
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
