# Paper, "Implementation Details": AdaMax, lr 1e-3 decayed to 1e-7 by a
# cosine schedule over 600k iterations.
max_iters = 600_000
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=5000)
val_cfg = dict(type='MultiValLoop')
test_cfg = dict(type='MultiTestLoop')

optim_wrapper = dict(
    constructor='DefaultOptimWrapperConstructor',
    type='OptimWrapper',
    optimizer=dict(type='Adamax', lr=1e-3, betas=(0.9, 0.999)))

param_scheduler = dict(
    type='CosineAnnealingLR', by_epoch=False, T_max=max_iters, eta_min=1e-7)
