# Fine-tuning on 64x64 LR patches (paper, "Implementation Details": 32x32
# for training and 64x64 for fine-tuning). The paper gives no fine-tuning
# schedule; we follow BasicVSR++'s habit of a shorter run at a lower rate:
# 150k iterations, lr 1e-4 cosine to 1e-7, from the 600k checkpoint.
_base_ = ['./sfnet_4xb6-600k_vimeo90k-bi.py']

experiment_name = 'sfnet_4xb6-150k-ft64_vimeo90k-bi'
work_dir = f'./work_dirs/{experiment_name}'
load_from = './work_dirs/sfnet_4xb6-600k_vimeo90k-bi/iter_600000.pth'

train_pipeline = [
    dict(t, gt_patch_size=256) if t['type'] == 'PairedRandomCrop' else t
    for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

max_iters = 150_000
train_cfg = dict(max_iters=max_iters)
optim_wrapper = dict(optimizer=dict(lr=1e-4))
param_scheduler = dict(T_max=max_iters)
