# The paper's ST-VSR recipe (Table 1): Vimeo90K septuplets, the 4 odd LR
# frames (112x64) in, all 7 HR frames (448x256) out; AdaMax, lr 1e-3 cosine
# to 1e-7 over 600k iterations; batch 24 = 6 per GPU x 4 GPUs; 32x32 LR
# patches, flips, transposition and temporal reversal; validation (and the
# best checkpoint) on 1% of the training list held out from training; test
# on Vimeo Fast / Medium / Slow and Vid4, PSNR / SSIM on Y.
# Paper, Table 1: Vid4 26.43 / 0.811, Fast 37.12 / 0.946,
# Medium 35.63 / 0.940, Slow 33.49 / 0.918; 16.4M parameters.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/sfnet.py',
    '../_base_/datasets/vimeo90k_septuplet_stvsr.py',
    '../_base_/schedules/adamax_cosine_600k.py',
]

experiment_name = 'sfnet_4xb6-600k_vimeo90k-bi'
work_dir = f'./work_dirs/{experiment_name}'

# keep the checkpoint that is best on the held-out validation clips as well
# (never on a test set)
default_hooks = dict(
    checkpoint=dict(save_best='vimeo-val/PSNR', rule='greater'))

# batch 6 per GPU, 4 GPUs (tools/dist_train.sh configs/sfnet_vimeo.py 4)
auto_scale_lr = dict(enable=False, base_batch_size=24)
