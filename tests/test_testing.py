"""The test helpers (sfvsr_plugin.testing) and what installs them."""
import ast
import os.path as osp
import subprocess
import sys

from mmengine.config import Config

from sfvsr_plugin.testing import TINY_SFNET, tiny_sfnet_cfg

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def test_tiny_sfnet_is_the_paper_architecture_at_test_size():
    paper = Config.fromfile(
        osp.join(REPO, 'configs', '_base_', 'models',
                 'sfnet.py')).model.generator
    assert TINY_SFNET['type'] == paper.type
    for key, value in TINY_SFNET.items():
        if isinstance(value, dict):  # the same module of every stage
            assert value['type'] == paper[key]['type'], key
    assert TINY_SFNET['mid_channels'] == 8 < paper.mid_channels


def test_tiny_sfnet_cfg_gives_independent_copies():
    cfg = tiny_sfnet_cfg(interpolate=False)
    assert cfg['interpolate'] is False and 'interpolate' not in TINY_SFNET
    cfg['head']['num_blocks'] = 5
    assert TINY_SFNET['head']['num_blocks'] == 1


def test_tests_extra_is_requirements_tests_txt():
    tree = ast.parse(open(osp.join(REPO, 'setup.py')).read())
    extras = next(
        ast.literal_eval(k.value) for node in ast.walk(tree)
        if isinstance(node, ast.Call) for k in node.keywords
        if k.arg == 'extras_require')
    with open(osp.join(REPO, 'requirements', 'tests.txt')) as f:
        lines = [
            line.strip() for line in f
            if line.strip() and not line.startswith('#')
        ]
    assert extras['tests'] == lines
    assert {'av', 'scikit-video==1.1.11'} <= set(lines)


def test_stand_ins_import_av_and_skvideo_only_when_decoding():
    code = ('import sys\n'
            "sys.modules['av'] = sys.modules['skvideo'] = None\n"
            'import sfvsr_plugin.testing as t\n'
            'try:\n'
            "    t.read_video_frames('carphone')\n"
            'except ImportError as e:\n'
            '    print(e)\n')
    out = subprocess.run([sys.executable, '-c', code],
                         cwd=REPO,
                         capture_output=True,
                         text=True,
                         check=True).stdout
    assert 'skvideo' in out
