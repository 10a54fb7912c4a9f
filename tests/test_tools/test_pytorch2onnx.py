"""tools/deployment/pytorch2onnx.py: export, verify, one-line refusals."""
import os

import pytest

from ..test_apis import conftest as shared
from .test_inference import load_tool, one_line_refusal

pytest.importorskip('onnx')
pytest.importorskip('onnxruntime')

_one_thread = shared._one_thread
tiny_config, tiny_checkpoint = shared.tiny_config, shared.tiny_checkpoint
clip_frames, clip_folder = shared.clip_frames, shared.clip_folder


@pytest.fixture(scope='module')
def tool():
    return load_tool('deployment', 'pytorch2onnx.py')


def test_export_and_verify_on_a_clip(tool, tiny_config, tiny_checkpoint,
                                     clip_folder, tmp_path, capsys):
    out = tmp_path / 'tiny.onnx'
    result = tool.main([
        tiny_config, tiny_checkpoint,
        str(out), '--frames', '2', '--size', '16x24', '--verify', clip_folder,
        '--repeats', '1', '--threads', '1'
    ])
    assert out.stat().st_size > 10_000  # the weights are in the file
    assert result['onnx_output'].shape == (1, 3, 3, 64, 96)
    assert result['max_abs_diff'] < 1e-3
    assert result['onnxruntime_s'] > 0 and result['pytorch_s'] > 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (f'wrote {out}: input lqs (1, 2, 3, 16, 24), '
                        'opset 17')
    assert lines[1].startswith('max abs difference onnxruntime vs PyTorch: ')
    assert lines[2].startswith('seconds per run (median of 1, threads 1)')


def test_refusals_are_one_line(tool, tiny_config, tiny_checkpoint, clip_folder,
                               tmp_path, capsys):
    out = str(tmp_path / 'x.onnx')

    def refusal(*args):
        return one_line_refusal(tool.main, capsys, *args)

    good = (tiny_config, tiny_checkpoint, out)
    for size in ('64', '0x8', 'axb'):
        msg = refusal(*good, '--frames', '2', '--size', size)
        assert 'argument --size: expected HEIGHTxWIDTH' in msg, msg
        assert repr(size) in msg
    assert 'argument --frames: expected an integer >= 1' in refusal(
        *good, '--frames', '0', '--size', '8x8')
    assert 'argument --opset: expected an opset >= 16' in refusal(
        *good, '--frames', '2', '--size', '8x8', '--opset', '11')
    assert 'the following arguments are required: --frames' in refusal(
        *good, '--size', '8x8')

    shape = ('--frames', '2', '--size', '8x8')
    missing = tmp_path / 'missing.py'
    assert refusal(missing, tiny_checkpoint, out, *shape) == (
        f'error: config {missing} not found: pass the path of a config file '
        '(e.g. configs/sfnet_vimeo.py)')
    msg = refusal(tiny_config, tmp_path / 'none.pth', out, *shape)
    assert msg == f'error: checkpoint {tmp_path / "none.pth"} not found'
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(open(tiny_checkpoint, 'rb').read()[:5000])
    assert 'not a readable PyTorch checkpoint' in refusal(
        tiny_config, truncated, out, *shape)
    assert refusal(tiny_config, tiny_checkpoint, tmp_path / 'no' / 'x.onnx',
                   *shape).startswith(
                       f'error: output folder {tmp_path / "no"} does not '
                       'exist')
    assert refusal(*good, *shape, '--verify', tmp_path / 'nothing') == (
        f'error: {tmp_path / "nothing"}: no such file or folder')
    assert refusal(
        *good, '--frames', '9', '--size', '8x8', '--verify',
        clip_folder) == (f'error: {clip_folder}: has 7 frames, the export '
                         'takes 9: give a longer clip or fewer --frames')
    assert 'export with --batch 1 to verify' in refusal(
        *good, *shape, '--batch', '2', '--verify', clip_folder)
    assert not (tmp_path / 'x.onnx').exists()  # nothing written on refusal
    # the inputs and an earlier file are never written over
    weights = open(tiny_checkpoint, 'rb').read()
    for extra in ((), ('--overwrite', )):
        msg = refusal(tiny_config, tiny_checkpoint, tiny_checkpoint, *shape,
                      *extra)
        assert msg == (f'error: output {tiny_checkpoint} is the input '
                       f'{tiny_checkpoint}: writing it would destroy the '
                       'input; give another output path')
    assert open(tiny_checkpoint, 'rb').read() == weights
    (tmp_path / 'x.onnx').write_bytes(b'an earlier export')
    assert refusal(*good, *shape) == (
        f'error: output {out} already exists: pass --overwrite to replace '
        'it, or give another path')
    assert (tmp_path / 'x.onnx').read_bytes() == b'an earlier export'


def test_unexportable_model_is_one_line(tool, tiny_config, tiny_checkpoint,
                                        tmp_path, monkeypatch):
    from sfvsr_plugin.apis import export
    from ..test_apis.test_export import MMCVDeformConvNet

    export_onnx = export.export_onnx

    def export_mmcv_net(model, path, *args, **kwargs):
        return export_onnx(MMCVDeformConvNet(), path, *args, **kwargs)

    monkeypatch.setattr(export, 'export_onnx', export_mmcv_net)
    out = tmp_path / 'x.onnx'
    for earlier in (None, b'an earlier export'):
        if earlier:  # --overwrite replaces it only with a good export
            out.write_bytes(earlier)
        with pytest.raises(SystemExit) as e:
            tool.main([
                tiny_config, tiny_checkpoint,
                str(out), '--frames', '2', '--size', '8x8'
            ] + (['--overwrite'] if earlier else []))
        assert e.value.code.startswith(
            f'error: {out}: the exported graph needs '
            'mmcv::MMCVModulatedDeformConv2d, which onnxruntime cannot run')
        assert (out.read_bytes() if out.exists() else None) == earlier
        assert os.listdir(tmp_path) == (['x.onnx'] if earlier else [])
