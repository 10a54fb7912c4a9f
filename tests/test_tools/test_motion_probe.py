"""tools/analysis/motion_probe.py: the motion test, tiny."""
import json

import pytest

from ..test_apis import conftest as shared
from .test_inference import load_tool, one_line_refusal

tiny_config, tiny_checkpoint = shared.tiny_config, shared.tiny_checkpoint


@pytest.fixture(scope='module')
def probe():
    return load_tool('analysis', 'motion_probe.py')


def test_tiny_probe_learns_to_place_translated_frames(probe, tmp_path, capsys):
    """30 steps of the demo's net on translations: with MotionBlend (its
    gate at 10x the rate) the inserted frames leave blending behind; without
    it (the paper's start) they do not move in that time. The flow
    reference gains on the same clips, and the JSON holds every number."""
    out = tmp_path / 'probe.json'
    results = probe.main([
        '--steps', '30', '--batch-size', '2', '--gt-size', '32',
        '--test-clips', '3', '--test-size', '64', '--motions', 'translate',
        '--variants', 'full', 'no-motion-blend', '--lr-mult',
        'inserted_base=10', '--threads', '1', '--out',
        str(out)
    ])
    gains = {r['variant']: r['gains']['translate'] for r in results}
    assert gains['full']['flow'] > 0.6  # the reference sees the motion
    assert gains['full']['net'] > 0.4, gains  # +0.67 when written
    assert abs(gains['no-motion-blend']['net']) < 0.2, gains  # -0.03
    table = capsys.readouterr().out
    assert '| full | 0 |' in table and '| no-motion-blend | 0 |' in table
    assert '| bicubic + flow interpolation | - |' in table
    saved = json.loads(out.read_text())
    assert [r['variant']
            for r in saved['results']] == ['full', 'no-motion-blend']
    assert len(saved['results'][0]['losses']) == 30
    # an earlier result is kept
    line = one_line_refusal(probe.main, capsys, '--steps', '1', '--out', out)
    assert 'probe.json already exists: pass --overwrite' in line


def test_probe_scores_a_checkpoint(probe, tiny_config, tiny_checkpoint,
                                   capsys):
    """``--checkpoint``: a trained model of the config is scored on the
    held-out clips; an untrained tiny SFNet is bicubic + blending there."""
    results = probe.main([
        '--config', tiny_config, '--checkpoint', tiny_checkpoint,
        '--test-clips', '2', '--test-size', '48', '--motions', 'translate',
        '--threads', '1'
    ])
    gains = results[0]['gains']['translate']
    assert abs(gains['net']) < 0.05 and abs(gains['net_reconstructed']) < 0.05
    assert f'| checkpoint {tiny_checkpoint} | - |' in capsys.readouterr().out
    line = one_line_refusal(probe.main, capsys, '--test-size', '32')
    assert "--test-size 32: the flow reference (OpenCV's DIS)" in line
