# A user's config: MMagic's own runtime base, the plugin by custom_imports.
_base_ = 'mmagic::_base_/default_runtime.py'

default_scope = 'mmagic'
custom_imports = dict(imports=['sfvsr_plugin'], allow_failed_imports=False)

model = dict(
    type='SFNet',
    mid_channels=8,
    feature_extractor=dict(type='SFFeatureExtractor', num_blocks=1),
    adjacent_fetch=dict(type='AdjacentFetch', deform_groups=2),
    distant_fetch=dict(type='DistantFetch', key_channels=8),
    dynamic_selection=dict(type='DynamicSelection', num_blocks=1),
    head=dict(type='FusionReconstructionHead', num_blocks=1))
