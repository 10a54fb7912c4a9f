# Table 5 "w/o BC": no containers, adjacent states only.
# Paper: Fast 36.47, Medium 35.15, Slow 33.19.
_base_ = '../sfnet_4xb6-300k_vimeo90k-bi.py'

experiment_name = 'sfnet_nobc_4xb6-300k_vimeo90k-bi'
work_dir = f'./work_dirs/{experiment_name}'
model = dict(generator=dict(containers='none'))
