# Table 4 (a): no AF, no DF, no DS: adjacent and distant states enter
# direct fusion unaligned. Paper: Fast 36.20, Medium 35.05, Slow 33.16.
# Named sfnet_<parts removed from the full model>_4xb6-300k_vimeo90k-bi;
# the full model is ../sfnet_4xb6-300k_vimeo90k-bi.py (Table 4 (e), Table 5
# "w/ BC").
_base_ = '../sfnet_4xb6-300k_vimeo90k-bi.py'

experiment_name = 'sfnet_noaf-nodf-nods_4xb6-300k_vimeo90k-bi'
work_dir = f'./work_dirs/{experiment_name}'
model = dict(
    generator=dict(
        adjacent_fetch=None,
        distant_fetch=None,
        dynamic_selection=dict(type='DirectFusion')))
