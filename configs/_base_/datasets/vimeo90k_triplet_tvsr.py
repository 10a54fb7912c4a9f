# T-VSR data (paper, Table 3): Vimeo90K triplets at full resolution, frames
# 1 and 3 in, frame 2 (one image) out. The net outputs 3 frames and the
# editor keeps the middle one. Scored on RGB, as frame-interpolation papers
# do (ST-VSR and S-VSR on Y). Validation on the held-out 1% of
# tri_trainlist.txt (never trained on), test on tri_testlist.txt.
# Only data keys here.
data_root = 'data/vimeo_triplet'
backend_args = None
meta_keys = [
    'key', 'clip', 'input_frame_indices', 'inserted_frame_indices',
    'frame_offset'
]
gt_patch_size = 256
holdout_every = 100  # every 100th training clip is validation

train_pipeline = [
    dict(type='OddFrameSampling', mode='tvsr'),
    dict(type='LoadClipFrames', key='img', channel_order='rgb'),
    dict(type='LoadClipFrames', key='gt', channel_order='rgb'),
    dict(type='CheckLRScale', scale=1),
    dict(type='PairedRandomCrop', gt_patch_size=gt_patch_size),
    dict(
        type='Flip',
        keys=['img', 'gt'],
        flip_ratio=0.5,
        direction='horizontal'),
    dict(
        type='Flip', keys=['img', 'gt'], flip_ratio=0.5, direction='vertical'),
    dict(type='RandomTransposeHW', keys=['img', 'gt'], transpose_ratio=0.5),
    # the GT is the middle frame: reversing the two inputs is enough
    dict(type='TemporalReverse', keys=['img'], reverse_ratio=0.5),
    dict(type='PackInputs', meta_keys=meta_keys),
]
val_pipeline = [
    dict(type='OddFrameSampling', mode='tvsr'),
    dict(type='LoadClipFrames', key='img', channel_order='rgb'),
    dict(type='LoadClipFrames', key='gt', channel_order='rgb'),
    dict(type='CheckLRScale', scale=1),
    dict(type='PackInputs', meta_keys=meta_keys),
]
test_pipeline = val_pipeline

dataset_type = 'STVSRVimeo90KDataset'
data_prefix = dict(img='sequences', gt='sequences')
train_dataloader = dict(
    batch_size=6,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='tri_trainlist.txt',
        data_prefix=data_prefix,
        mode='tvsr',
        holdout='train',
        holdout_every=holdout_every,
        backend_args=backend_args,
        pipeline=train_pipeline))
val_split = dict(
    ann_file='tri_trainlist.txt', holdout='val', holdout_every=holdout_every)
test_split = dict(ann_file='tri_testlist.txt')
val_dataloader, test_dataloader = [[
    dict(
        batch_size=1,
        num_workers=1,
        persistent_workers=False,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(
            type=dataset_type,
            data_root=data_root,
            data_prefix=data_prefix,
            mode='tvsr',
            backend_args=backend_args,
            test_mode=True,
            pipeline=val_pipeline,
            **split))
] for split in (val_split, test_split)]
# convert_to=None: RGB
val_evaluator, test_evaluator = [[
    dict(
        type='Evaluator',
        metrics=[
            dict(type='FramePSNR', convert_to=None, prefix=prefix),
            dict(type='FrameSSIM', convert_to=None, prefix=prefix),
        ])
] for prefix in ('vimeo-triplet-val', 'vimeo-triplet')]
