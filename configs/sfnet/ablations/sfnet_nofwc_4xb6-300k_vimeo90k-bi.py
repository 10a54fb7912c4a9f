# Table 5 "only BWC": the backward container only.
# Paper: Fast 36.69, Medium 35.35, Slow 33.32.
_base_ = '../sfnet_4xb6-300k_vimeo90k-bi.py'

experiment_name = 'sfnet_nofwc_4xb6-300k_vimeo90k-bi'
work_dir = f'./work_dirs/{experiment_name}'
model = dict(generator=dict(containers='backward'))
