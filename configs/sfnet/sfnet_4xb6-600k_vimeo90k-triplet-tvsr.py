# T-VSR (paper, Table 3): Vimeo90K triplets, im1 and im3 at full resolution
# in, im2 out; the same network with upscale factor 1 (no pixel shuffle).
# Paper, Table 3: Vimeo90K (triplets) 35.23 / 0.977, 10.1M parameters.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/sfnet.py',
    '../_base_/datasets/vimeo90k_triplet_tvsr.py',
    '../_base_/schedules/adamax_cosine_600k.py',
]

experiment_name = 'sfnet_4xb6-600k_vimeo90k-triplet-tvsr'
work_dir = f'./work_dirs/{experiment_name}'

model = dict(generator=dict(upscale_factor=1))
