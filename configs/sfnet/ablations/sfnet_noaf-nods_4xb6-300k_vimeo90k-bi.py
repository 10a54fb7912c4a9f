# Table 4 (c): DF for distant states, no AF (adjacent states
# concatenated), no DS. Paper: Fast 36.34, Medium 35.06, Slow 33.19.
# Named sfnet_<parts removed from the full model>_4xb6-300k_vimeo90k-bi;
# the full model is ../sfnet_4xb6-300k_vimeo90k-bi.py (Table 4 (e), Table 5
# "w/ BC").
_base_ = '../sfnet_4xb6-300k_vimeo90k-bi.py'

experiment_name = 'sfnet_noaf-nods_4xb6-300k_vimeo90k-bi'
work_dir = f'./work_dirs/{experiment_name}'
model = dict(
    generator=dict(
        adjacent_fetch=None, dynamic_selection=dict(type='DirectFusion')))
