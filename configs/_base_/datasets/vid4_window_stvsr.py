# ST-VSR data as in vimeo90k_septuplet_stvsr.py, but tested on Vid4 with the
# ZSM / TMNet protocol only: windows of 4 LR inputs and 7 HR outputs,
# stride 6, the last window shifted back to the clip's end, each GT frame
# scored once. Use it instead of (not with) vimeo90k_septuplet_stvsr.py in a
# config's _base_.
_base_ = './vimeo90k_septuplet_stvsr.py'

test_dataloader = [_base_.vid4_window_dataloader]
test_evaluator = [_base_.vid4_window_evaluator]
