# Test the main model on Vid4 with the ZSM / TMNet window protocol (4 LR
# inputs, 7 HR outputs, stride 6, last window shifted to the clip's end;
# each of the 171 GT frames scored once, docs/evaluation.md):
#     python tools/test.py configs/sfnet/sfnet_4xb6-600k_vimeo90k-bi_test-vid4-window.py \
#         CHECKPOINT --out vid4_window.json
_base_ = ['./sfnet_4xb6-600k_vimeo90k-bi.py']

experiment_name = 'sfnet_4xb6-600k_vimeo90k-bi_test-vid4-window'
work_dir = f'./work_dirs/{experiment_name}'

test_dataloader = [_base_.vid4_window_dataloader]
test_evaluator = [_base_.vid4_window_evaluator]
