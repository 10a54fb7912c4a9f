# The paper's model analysis (Tables 4, 5) trains every variant 300k iters.
_base_ = './adamax_cosine_600k.py'

max_iters = 300_000
train_cfg = dict(max_iters=max_iters)
param_scheduler = dict(T_max=max_iters)
