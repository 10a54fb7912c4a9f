# SFNet whose adjacent fetch is BasicVSR++'s flow-guided deformable
# alignment (first order) built from MMagic's SPyNet, flow_warp and a
# modulated deformable conv (FlowGuidedAdjacentFetch); everything else is
# the paper's recipe (../sfnet/sfnet_4xb6-600k_vimeo90k-bi.py), the AF keeps
# its 8 deformable groups and residues bounded by 10 pixels.
# spynet_pretrained=None starts each SPyNet near zero flow and trains it
# with the net. To start from MMagic's pretrained SPyNet (as BasicVSR++
# does), download
# https://download.openmmlab.com/mmediting/restorers/basicvsr/spynet_20210409-c6c1bd09.pth
# and pass its path:
#   --cfg-options model.generator.adjacent_fetch.spynet_pretrained=PATH
# docs/mixing.md.
_base_ = '../sfnet/sfnet_4xb6-600k_vimeo90k-bi.py'

experiment_name = 'sfnet_flow-guided-af_4xb6-600k_vimeo90k-bi'
work_dir = f'./work_dirs/{experiment_name}'

model = dict(
    generator=dict(
        adjacent_fetch=dict(
            type='FlowGuidedAdjacentFetch', spynet_pretrained=None)))
