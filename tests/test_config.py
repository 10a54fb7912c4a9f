import os.path as osp
import subprocess
import sys

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope, init_default_scope

CFG = osp.join(
    osp.dirname(__file__), 'data', 'configs', 'tiny_sfnet_mmagic.py')


def test_config_with_custom_imports_and_mmagic_base_builds():
    cfg = Config.fromfile(CFG)
    assert cfg.default_scope == 'mmagic'
    assert 'default_hooks' in cfg  # came from mmagic::_base_/default_runtime
    init_default_scope(cfg.default_scope)
    from mmagic.registry import MODELS
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'SFNet'
    assert model(torch.rand(1, 2, 3, 8, 8)).shape == (1, 3, 3, 32, 32)
    assert DefaultScope.get_current_instance().scope_name == 'mmagic'


def test_custom_imports_alone_registers_the_plugin():
    """A fresh interpreter that never imports sfvsr_plugin itself."""
    code = ('from mmengine.config import Config\n'
            'from mmagic.registry import MODELS\n'
            f'cfg = Config.fromfile({CFG!r})\n'
            "print(MODELS.get('SFNet').__module__)\n")
    out = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         check=True).stdout
    assert out.strip() == 'sfvsr_plugin.models.sfnet'
