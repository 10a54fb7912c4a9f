# SFNet in T-VSR mode as the generator of MMagic's BasicInterpolator editor
# (the editor of CAIN and FLAVR), on MMagic's own CAIN recipe: Vimeo90K
# triplets through MMagic's BasicFramesDataset and pipelines, MMagic's MAE,
# PSNR and SSIM, so the numbers compare with CAIN's and FLAVR's. Only the
# editor (BasicInterpolator instead of CAIN, which adds a CAIN-only padding
# argument) and the generator change.
_base_ = 'mmagic::cain/cain_g1b32_1xb5_vimeo90k-triplet.py'

default_scope = 'mmagic'
custom_imports = dict(imports=['sfvsr_plugin'], allow_failed_imports=False)

experiment_name = 'sfnet-tvsr_basicinterpolator_vimeo90k-triplet'
work_dir = f'./work_dirs/{experiment_name}'

model = dict(
    type='BasicInterpolator',
    generator=dict(
        _delete_=True,
        # (n, 2, c, h, w) -> SFNet -> (n, 3, c, h, w) -> the middle frame
        type='SFNetInterpolator',
        # the paper's SFNet (configs/_base_/models/sfnet.py), T-VSR mode
        sfnet=dict(
            type='SFNet',
            mid_channels=64,
            upscale_factor=1,
            interpolate=True,
            feature_extractor=dict(type='SFFeatureExtractor', num_blocks=5),
            adjacent_fetch=dict(
                type='AdjacentFetch',
                deform_groups=8,
                max_residue_magnitude=10),
            distant_fetch=dict(type='DistantFetch', key_channels=64),
            dynamic_selection=dict(type='DynamicSelection', num_blocks=12),
            head=dict(type='FusionReconstructionHead', num_blocks=2))))
