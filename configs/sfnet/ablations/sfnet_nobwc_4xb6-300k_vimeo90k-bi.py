# Table 5 "only FWC": the forward container only.
# Paper: Fast 36.56, Medium 35.23, Slow 33.25.
_base_ = '../sfnet_4xb6-300k_vimeo90k-bi.py'

experiment_name = 'sfnet_nobwc_4xb6-300k_vimeo90k-bi'
work_dir = f'./work_dirs/{experiment_name}'
model = dict(generator=dict(containers='forward'))
