# BasicVSR++ with SFNet's store-and-fetch memory in each propagation branch
# (sfvsr_plugin.models.BasicVSRPlusPlusSFNet). MMagic's own BasicVSR++
# Vimeo90K-BI recipe (data, pipelines, loss, schedule, metrics): only the
# generator changes.
_base_ = 'mmagic::basicvsr_pp/basicvsr-pp_c64n7_4xb2-300k_vimeo90k-bi.py'

default_scope = 'mmagic'
custom_imports = dict(imports=['sfvsr_plugin'], allow_failed_imports=False)

experiment_name = 'basicvsr-pp-sfmem_c64n7_4xb2-300k_vimeo90k-bi'
work_dir = f'./work_dirs/{experiment_name}'

model = dict(
    generator=dict(
        type='BasicVSRPlusPlusSFNet',
        mid_channels=64,
        num_blocks=7,
        is_low_res_input=True,
        # MMagic's recipe starts SPyNet from pretrained weights, which this
        # machine cannot download: None starts it from scratch. To use
        # them, download
        # https://download.openmmlab.com/mmediting/restorers/basicvsr/spynet_20210409-c6c1bd09.pth
        # and pass its path:
        #   --cfg-options model.generator.spynet_pretrained=/path/spynet.pth
        spynet_pretrained=None,
        # one memory per branch: its own container, DF at 1/8 resolution,
        # DS between BasicVSR++'s aligned state and the fetched one
        # (dynamic_selection=None: plain concat into the backbone instead)
        memory=dict(
            type='PropagationMemory',
            distant_fetch=dict(type='DistantFetch', key_channels=64),
            dynamic_selection=dict(type='DynamicSelection', num_blocks=2),
            container_capacity=None)))
