# ST-VSR data: Vimeo90K septuplets for training (4 odd LR frames in, 7 HR
# frames out) minus a held-out 1% of sep_trainlist.txt (every 100th clip,
# never trained on) for validation and checkpoint selection; Vimeo90K-Fast /
# Medium / Slow and Vid4 (whole clips) for test only (MultiTestLoop: lists of
# dataloaders and evaluators), scored on Y as in docs/evaluation.md.
# Layout and preparation: docs/dataset_prepare.md.
# Only data keys here, so it combines with the runtime/model/schedule bases.
data_root = 'data/vimeo_septuplet'
vid4_root = 'data/Vid4'
# None: folders; dict(backend='lmdb'): LMDBs made by make_lmdb.py next to
# the folders (sequences.lmdb, sequences_BIx4.lmdb, GT.lmdb, BIx4.lmdb).
backend_args = None
# metainfo the metrics (FramePSNR frames='inserted'/'reconstructed') and the
# visualizer read; MMagic's PackInputs drops unknown keys otherwise.
meta_keys = [
    'key', 'clip', 'input_frame_indices', 'inserted_frame_indices',
    'frame_offset'
]
gt_patch_size = 128  # 32x32 LR patches; 256 (64x64 LR) for fine-tuning
# every holdout_every-th clip of sep_trainlist.txt is validation, not training
holdout_every = 100

train_pipeline = [
    dict(type='OddFrameSampling', mode='stvsr'),
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
    # inputs stay at even output indices when both lists are reversed
    dict(type='TemporalReverse', keys=['img', 'gt'], reverse_ratio=0.5),
    dict(type='PackInputs', meta_keys=meta_keys),
]
val_pipeline = [
    dict(type='OddFrameSampling', mode='stvsr'),
    dict(type='LoadClipFrames', key='img', channel_order='rgb'),
    dict(type='LoadClipFrames', key='gt', channel_order='rgb'),
    dict(type='CheckLRScale', scale=4),
    dict(type='PackInputs', meta_keys=meta_keys),
]
test_pipeline = val_pipeline
# With GT frames only (no sequences_BIx4): data_prefix=dict(gt='sequences')
# and the LR made on the fly by MATLAB-like bicubic x4:
lr_on_the_fly_train_pipeline = [
    dict(type='OddFrameSampling', mode='stvsr'),
    dict(type='LoadClipFrames', key='gt', channel_order='rgb'),
    dict(type='MakeLRFromGT', scale=4),
] + train_pipeline[3:]

# what every Vimeo dataloader below shares
vimeo_dataset = dict(
    type='STVSRVimeo90KDataset',
    data_root=data_root,
    data_prefix=dict(img='sequences_BIx4', gt='sequences'),
    mode='stvsr',
    backend_args=backend_args)
eval_loader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False))

train_dataloader = dict(
    batch_size=6,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        vimeo_dataset,
        ann_file='sep_trainlist.txt',
        holdout='train',
        holdout_every=holdout_every,
        pipeline=train_pipeline))

# validation: the held-out clips of the training list (646 of 64612)
val_dataloader = [
    dict(
        eval_loader,
        dataset=dict(
            vimeo_dataset,
            ann_file='sep_trainlist.txt',
            holdout='val',
            holdout_every=holdout_every,
            test_mode=True,
            pipeline=val_pipeline))
]

vimeo_subsets = ['fast', 'medium', 'slow']
vimeo_dataloaders = [
    dict(
        eval_loader,
        dataset=dict(
            vimeo_dataset,
            ann_file=f'{subset}_testset.txt',
            test_mode=True,
            pipeline=val_pipeline)) for subset in vimeo_subsets
]
vid4_dataloader = dict(
    eval_loader,
    dataset=dict(
        type='STVSRVid4Dataset',
        data_root=vid4_root,
        data_prefix=dict(img='BIx4', gt='GT'),
        mode='stvsr',
        window=None,
        backend_args=backend_args,
        test_mode=True,
        pipeline=val_pipeline))
# ZSM / TMNet protocol on Vid4: windows of 4 inputs / 7 outputs, stride 6
# (configs/_base_/datasets/vid4_window_stvsr.py tests with it).
vid4_window_dataloader = dict(
    vid4_dataloader,
    dataset=dict(
        vid4_dataloader['dataset'], window=dict(num_input_frames=4, stride=6)))


def evaluator(prefix):
    """Y-PSNR / SSIM over all, inserted and reconstructed frames."""
    return dict(
        type='Evaluator',
        metrics=[
            dict(type=metric, frames=frames, convert_to='Y', prefix=prefix)
            for metric in ['FramePSNR', 'FrameSSIM']
            for frames in ['all', 'inserted', 'reconstructed']
        ])


val_evaluator = [evaluator('vimeo-val')]
# test only: reported for the final checkpoint, never used to select one
test_dataloader = vimeo_dataloaders + [vid4_dataloader]
test_evaluator = [
    evaluator(prefix)
    for prefix in ['vimeo-fast', 'vimeo-medium', 'vimeo-slow', 'vid4']
]
vid4_window_evaluator = evaluator('vid4-window')
