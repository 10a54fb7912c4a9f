# SFNet as in the paper (Fig. 3, 16.06M parameters), trained with eq. 7.
model = dict(
    type='SFVSR',
    generator=dict(
        type='SFNet',
        in_channels=3,
        mid_channels=64,
        upscale_factor=4,
        interpolate=True,
        feature_extractor=dict(type='SFFeatureExtractor', num_blocks=5),
        adjacent_fetch=dict(
            type='AdjacentFetch', deform_groups=8, max_residue_magnitude=10),
        distant_fetch=dict(type='DistantFetch', key_channels=64),
        dynamic_selection=dict(type='DynamicSelection', num_blocks=12),
        head=dict(type='FusionReconstructionHead', num_blocks=2),
        containers='both',
        container_capacity=None),
    # eq. 7: Charbonnier rho = sqrt(x^2 + w^2), w = 1e-3
    pixel_loss=dict(
        type='CharbonnierLoss', loss_weight=1.0, eps=1e-6, reduction='mean'),
    data_preprocessor=dict(
        type='DataPreprocessor', mean=[0., 0., 0.], std=[255., 255., 255.]))
