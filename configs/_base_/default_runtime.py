# MMagic's runtime with the plugin imported and checkpoints in the work dir.
_base_ = 'mmagic::_base_/default_runtime.py'

default_scope = 'mmagic'
custom_imports = dict(imports=['sfvsr_plugin'], allow_failed_imports=False)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=100),
    # out_dir=None: checkpoints go to the work dir (mmagic's base writes them
    # to ./work_dirs/<basename of the work dir> relative to the cwd).
    checkpoint=dict(
        type='CheckpointHook',
        interval=5000,
        out_dir=None,
        by_epoch=False,
        max_keep_ckpts=10,
        save_best=None))

# Validation writes LR | SFNet | GT comparison frames through MMagic's
# visualizer; add dict(type='TensorboardVisBackend') to see them there.
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='ConcatImageVisualizer',
    vis_backends=vis_backends,
    fn_key='key',
    img_keys=['input', 'pred_img', 'gt_img'],
    bgr2rgb=True)
custom_hooks = [dict(type='BasicVisualizationHook', interval=1)]

randomness = dict(seed=0, deterministic=False)
