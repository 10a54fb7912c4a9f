"""The tiny SFNet of the tests, the quick benchmark and the docs.

The paper's architecture (Fig. 3: every module, both containers) at 8
channels and one block per stage, so a forward pass on a few 16x16 frames
takes milliseconds on a CPU. Build it with
``MODELS.build(tiny_sfnet_cfg())``, or put it over a config's generator
(``model = dict(generator=tiny_sfnet_cfg())``), which keeps what the
config sets beyond it (scale, containers, capacity).
"""
import copy

#: Generator config of the tiny SFNet.
TINY_SFNET = dict(
    type='SFNet',
    mid_channels=8,
    feature_extractor=dict(type='SFFeatureExtractor', num_blocks=1),
    adjacent_fetch=dict(
        type='AdjacentFetch', deform_groups=2, max_residue_magnitude=10),
    distant_fetch=dict(type='DistantFetch', key_channels=8),
    dynamic_selection=dict(type='DynamicSelection', num_blocks=1),
    head=dict(type='FusionReconstructionHead', num_blocks=1))


def tiny_sfnet_cfg(**overrides) -> dict:
    """A copy of :data:`TINY_SFNET` with top-level keys replaced.

    Args:
        **overrides: SFNet arguments, e.g. ``interpolate=False``.

    Returns:
        dict: A generator config, safe to change.
    """
    cfg = copy.deepcopy(TINY_SFNET)
    cfg.update(overrides)
    return cfg
