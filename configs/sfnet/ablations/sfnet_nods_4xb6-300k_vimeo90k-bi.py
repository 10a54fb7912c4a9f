# Table 4 (d): AF and DF, direct fusion (no DS).
# Paper: Fast 36.64, Medium 35.25, Slow 33.30.
_base_ = '../sfnet_4xb6-300k_vimeo90k-bi.py'

experiment_name = 'sfnet_nods_4xb6-300k_vimeo90k-bi'
work_dir = f'./work_dirs/{experiment_name}'
model = dict(generator=dict(dynamic_selection=dict(type='DirectFusion')))
