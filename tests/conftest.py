import pytest
import torch

import sfvsr_plugin  # noqa: F401  (registers components)


@pytest.fixture(autouse=True)
def _seed_and_scope():
    """Every test runs seeded and in mmagic's scope, as a config would."""
    from mmengine.registry import DefaultScope
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmagic'):
        yield


def tiny_sfnet_cfg(**overrides):
    """SFNet at test size: same architecture, 8 channels."""
    cfg = dict(
        type='SFNet',
        mid_channels=8,
        feature_extractor=dict(type='SFFeatureExtractor', num_blocks=1),
        adjacent_fetch=dict(
            type='AdjacentFetch', deform_groups=2, max_residue_magnitude=10),
        distant_fetch=dict(type='DistantFetch', key_channels=8),
        dynamic_selection=dict(type='DynamicSelection', num_blocks=1),
        head=dict(type='FusionReconstructionHead', num_blocks=1))
    cfg.update(overrides)
    return cfg
