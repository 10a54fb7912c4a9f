# Table 4 (d): AF and DF, no DS (direct fusion).
# Paper: Fast 36.64, Medium 35.25, Slow 33.30.
# Named sfnet_<parts removed from the full model>_4xb6-300k_vimeo90k-bi;
# the full model is ../sfnet_4xb6-300k_vimeo90k-bi.py (Table 4 (e), Table 5
# "w/ BC").
_base_ = '../sfnet_4xb6-300k_vimeo90k-bi.py'

experiment_name = 'sfnet_nods_4xb6-300k_vimeo90k-bi'
work_dir = f'./work_dirs/{experiment_name}'
model = dict(generator=dict(dynamic_selection=dict(type='DirectFusion')))
