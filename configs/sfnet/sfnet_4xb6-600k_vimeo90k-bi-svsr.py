# S-VSR (paper, Table 2): Vimeo90K septuplets, all 7 LR frames in, the 7 HR
# frames out; same network without frame insertion, same schedule.
# Paper, Table 2: Vimeo90K (BI) 37.22 / 0.947 (Y), 14.1M parameters.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/sfnet.py',
    '../_base_/datasets/vimeo90k_septuplet_svsr.py',
    '../_base_/schedules/adamax_cosine_600k.py',
]

experiment_name = 'sfnet_4xb6-600k_vimeo90k-bi-svsr'
work_dir = f'./work_dirs/{experiment_name}'

model = dict(generator=dict(interpolate=False))
