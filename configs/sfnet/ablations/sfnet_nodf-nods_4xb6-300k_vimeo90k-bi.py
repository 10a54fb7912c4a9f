# Table 4 (b): AF for adjacent states, no DF (distant states
# concatenated), no DS. Paper: Fast 36.50, Medium 35.18, Slow 33.27.
# Named sfnet_<parts removed from the full model>_4xb6-300k_vimeo90k-bi;
# the full model is ../sfnet_4xb6-300k_vimeo90k-bi.py (Table 4 (e), Table 5
# "w/ BC").
_base_ = '../sfnet_4xb6-300k_vimeo90k-bi.py'

experiment_name = 'sfnet_nodf-nods_4xb6-300k_vimeo90k-bi'
work_dir = f'./work_dirs/{experiment_name}'
model = dict(
    generator=dict(
        distant_fetch=None, dynamic_selection=dict(type='DirectFusion')))
