# S-VSR data (paper, Table 2): Vimeo90K septuplets, all 7 LR frames in and
# all 7 HR frames out, scored on Y; validation on the held-out 1% of
# sep_trainlist.txt (never trained on), test on the Vimeo90K test list and on
# Vid4 (whole clips). Only data keys here.
data_root = 'data/vimeo_septuplet'
vid4_root = 'data/Vid4'
backend_args = None
meta_keys = [
    'key', 'clip', 'input_frame_indices', 'inserted_frame_indices',
    'frame_offset'
]
gt_patch_size = 128
holdout_every = 100  # every 100th training clip is validation

train_pipeline = [
    dict(type='OddFrameSampling', mode='svsr'),
    dict(type='LoadClipFrames', key='img', channel_order='rgb'),
    dict(type='LoadClipFrames', key='gt', channel_order='rgb'),
    dict(type='CheckLRScale', scale=4),
    dict(type='PairedRandomCrop', gt_patch_size=gt_patch_size),
    dict(
        type='Flip',
        keys=['img', 'gt'],
        flip_ratio=0.5,
        direction='horizontal'),
    dict(
        type='Flip', keys=['img', 'gt'], flip_ratio=0.5, direction='vertical'),
    dict(type='RandomTransposeHW', keys=['img', 'gt'], transpose_ratio=0.5),
    dict(type='TemporalReverse', keys=['img', 'gt'], reverse_ratio=0.5),
    dict(type='PackInputs', meta_keys=meta_keys),
]
val_pipeline = [
    dict(type='OddFrameSampling', mode='svsr'),
    dict(type='LoadClipFrames', key='img', channel_order='rgb'),
    dict(type='LoadClipFrames', key='gt', channel_order='rgb'),
    dict(type='CheckLRScale', scale=4),
    dict(type='PackInputs', meta_keys=meta_keys),
]
test_pipeline = val_pipeline

train_dataloader = dict(
    batch_size=6,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='STVSRVimeo90KDataset',
        data_root=data_root,
        ann_file='sep_trainlist.txt',
        data_prefix=dict(img='sequences_BIx4', gt='sequences'),
        mode='svsr',
        holdout='train',
        holdout_every=holdout_every,
        backend_args=backend_args,
        pipeline=train_pipeline))

val_datasets = [
    dict(
        type='STVSRVimeo90KDataset',
        data_root=data_root,
        ann_file='sep_trainlist.txt',
        data_prefix=dict(img='sequences_BIx4', gt='sequences'),
        holdout='val',
        holdout_every=holdout_every),
]
test_datasets = [
    dict(
        type='STVSRVimeo90KDataset',
        data_root=data_root,
        ann_file='sep_testlist.txt',
        data_prefix=dict(img='sequences_BIx4', gt='sequences')),
    dict(
        type='STVSRVid4Dataset',
        data_root=vid4_root,
        data_prefix=dict(img='BIx4', gt='GT')),
]
val_dataloader, test_dataloader = [[
    dict(
        batch_size=1,
        num_workers=1,
        persistent_workers=False,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(
            dataset,
            mode='svsr',
            backend_args=backend_args,
            test_mode=True,
            pipeline=val_pipeline)) for dataset in datasets
] for datasets in (val_datasets, test_datasets)]
val_evaluator, test_evaluator = [[
    dict(
        type='Evaluator',
        metrics=[
            dict(type='FramePSNR', frames='all', convert_to='Y', prefix=p),
            dict(type='FrameSSIM', frames='all', convert_to='Y', prefix=p),
        ]) for p in prefixes
] for prefixes in (['vimeo-val'], ['vimeo', 'vid4'])]
