# The paper's model analysis (Tables 4, 5): the ST-VSR recipe of
# sfnet_4xb6-600k_vimeo90k-bi.py on the 300k schedule, the full model; the
# ablations in ablations/ start from it.
# Paper, Table 4 (e) / Table 5 "w/ BC": Fast 36.86, Medium 35.47, Slow 33.43.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/sfnet.py',
    '../_base_/datasets/vimeo90k_septuplet_stvsr.py',
    '../_base_/schedules/adamax_cosine_300k.py',
]

experiment_name = 'sfnet_4xb6-300k_vimeo90k-bi'
work_dir = f'./work_dirs/{experiment_name}'

# as in the 600k recipe: the best checkpoint on the held-out validation clips
default_hooks = dict(
    checkpoint=dict(save_best='vimeo-val/PSNR', rule='greater'))
auto_scale_lr = dict(enable=False, base_batch_size=24)
