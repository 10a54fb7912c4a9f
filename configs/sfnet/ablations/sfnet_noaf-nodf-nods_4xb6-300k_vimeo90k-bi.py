# Table 4 (a): adjacent and distant states concatenated, direct fusion.
# Paper: Fast 36.20, Medium 35.05, Slow 33.16.
_base_ = '../sfnet_4xb6-300k_vimeo90k-bi.py'

experiment_name = 'sfnet_noaf-nodf-nods_4xb6-300k_vimeo90k-bi'
work_dir = f'./work_dirs/{experiment_name}'
model = dict(
    generator=dict(
        adjacent_fetch=None,
        distant_fetch=None,
        dynamic_selection=dict(type='DirectFusion')))
