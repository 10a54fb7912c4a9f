# The paper's model analysis (Tables 4, 5): the full model, 300k iterations.
# Paper, Table 4 (e) / Table 5 "w/ BC": Fast 36.86, Medium 35.47, Slow 33.43.
_base_ = './sfnet_4xb6-600k_vimeo90k-bi.py'

experiment_name = 'sfnet_4xb6-300k_vimeo90k-bi'
work_dir = f'./work_dirs/{experiment_name}'

max_iters = 300_000
train_cfg = dict(max_iters=max_iters)
param_scheduler = dict(T_max=max_iters)
