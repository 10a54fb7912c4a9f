# SFNet with MMagic's ResidualBlocksWithInputConv (BasicVSR / BasicVSR++'s
# feature extractor) as FE; everything else is the paper's recipe
# (../sfnet/sfnet_4xb6-600k_vimeo90k-bi.py). MMagic does not register the
# class, so it is named by its import path, and SFNet's `mid_channels` is
# passed as the `out_channels` it takes (PartAdapter). With 5 blocks it is
# the architecture of SFNet's own FE (conv + LeakyReLU(0.1) + 5 x MMagic's
# ResidualBlockNoBN), so the parameter count is the paper model's; raise
# num_blocks for a deeper FE (BasicVSR's backbone uses 30). docs/mixing.md.
_base_ = '../sfnet/sfnet_4xb6-600k_vimeo90k-bi.py'

experiment_name = 'sfnet_resblocks-fe_4xb6-600k_vimeo90k-bi'
work_dir = f'./work_dirs/{experiment_name}'

model = dict(
    generator=dict(
        feature_extractor=dict(
            _delete_=True,
            type='PartAdapter',
            part=dict(
                type='mmagic.models.editors.basicvsr.basicvsr_net.'
                'ResidualBlocksWithInputConv',
                num_blocks=5),
            rename=dict(mid_channels='out_channels'))))
