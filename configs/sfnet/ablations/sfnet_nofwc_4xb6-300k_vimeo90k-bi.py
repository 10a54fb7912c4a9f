# Table 5 "only BWC": no forward container, the backward one only.
# Paper: Fast 36.69, Medium 35.35, Slow 33.32.
# Named sfnet_<parts removed from the full model>_4xb6-300k_vimeo90k-bi;
# the full model is ../sfnet_4xb6-300k_vimeo90k-bi.py (Table 4 (e), Table 5
# "w/ BC").
_base_ = '../sfnet_4xb6-300k_vimeo90k-bi.py'

experiment_name = 'sfnet_nofwc_4xb6-300k_vimeo90k-bi'
work_dir = f'./work_dirs/{experiment_name}'
model = dict(generator=dict(containers='backward'))
