"""ONNX export of the whole SFNet, checked with onnxruntime on a real clip."""
import numpy as np
import pytest
import torch

from sfvsr_plugin.apis import init_model
from sfvsr_plugin.apis.export import (DEFAULT_OPSET, ExportError,
                                      compare_with_pytorch, export_onnx,
                                      parse_size, read_clip)

onnx = pytest.importorskip('onnx')
ort = pytest.importorskip('onnxruntime')

FRAMES, SIZE = 3, (24, 32)  # the clip fixtures' frames are 32 wide, 24 high


@pytest.fixture(scope='module')
def exported(tiny_config, tiny_checkpoint, clip_folder, tmp_path_factory):
    """The tiny SFVSR, its ONNX file and a clip.

    SFNet starts with AF's offset head at zero and the reconstructions near
    zero (an output close to the bicubic); the weights are perturbed so that
    the deformable convs sample off the grid and every part counts.
    """
    model = init_model(tiny_config, tiny_checkpoint)
    gen = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for param in model.parameters():
            param.add_(0.05 * torch.randn(param.shape, generator=gen))
    model.train()  # export must put it back as it was
    path = str(tmp_path_factory.mktemp('onnx') / 'tiny.onnx')
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        export_onnx(model, path, FRAMES, SIZE)
    finally:
        torch.set_num_threads(threads)
    clip = read_clip(model, clip_folder, FRAMES, SIZE)
    return model, path, clip


def test_export_leaves_the_model_as_it_was(exported):
    model, _, _ = exported
    assert model.training and model.generator.training
    impls = {
        m.deform_impl
        for m in model.modules() if hasattr(m, 'deform_impl')
    }
    assert impls == {'auto'}  # the tiny config's setting, not 'torch'


def test_graph_has_only_standard_ops_and_fixed_shapes(exported):
    _, path, _ = exported
    graph = onnx.load(path)
    onnx.checker.check_model(graph)
    ops = {node.op_type for node in graph.graph.node}
    domains = {node.domain for node in graph.graph.node}
    assert domains <= {'', 'ai.onnx'}  # no mmcv or other custom op
    assert 'GridSample' in ops  # AF's deformable conv, the PyTorch path
    assert 'Softmax' in ops  # DF's attention as plain ops
    assert graph.opset_import[0].version == DEFAULT_OPSET

    def dims(value):
        return [d.dim_value for d in value.type.tensor_type.shape.dim]

    assert dims(graph.graph.input[0]) == [1, FRAMES, 3, *SIZE]
    assert dims(graph.graph.output[0]) == [1, 2 * FRAMES - 1, 3, 96, 128]


def test_onnxruntime_matches_pytorch_on_a_real_clip(exported):
    model, path, clip = exported
    model.eval()
    # the clip is Big Buck Bunny, normalised as the config says (0..1)
    assert clip.shape == (1, FRAMES, 3, *SIZE)
    assert 0.05 < clip.std() and clip.min() >= 0 and clip.max() <= 1
    result = compare_with_pytorch(model, path, clip, threads=1)
    assert result['max_abs_diff'] < 1e-3
    out = result['onnx_output']
    assert out.shape == (1, 2 * FRAMES - 1, 3, 96, 128)
    # not a constant: the output follows the clip (F&R adds to the bicubic)
    assert out.std() > 0.05

    # docs/deployment.md's onnxruntime snippet, as written there, on the
    # uint8 frames of the clip (the tiny config normalises by 1/255)
    frames = (clip * 255).round().astype(np.uint8)
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    lqs = frames.astype(np.float32) / 255
    (outputs, ) = session.run(None, {'lqs': lqs})
    hr = (outputs[0].clip(0, 1) * 255).round().astype(np.uint8)
    np.testing.assert_allclose(outputs, out, rtol=0, atol=1e-6)
    assert hr.shape == (2 * FRAMES - 1, 3, 96, 128)


def test_another_clip_gives_another_output(exported):
    """The graph reads its input: no value was frozen at export."""
    model, path, clip = exported
    model.eval()
    reversed_clip = clip[:, ::-1].copy()
    result = compare_with_pytorch(model, path, reversed_clip, threads=1)
    assert result['max_abs_diff'] < 1e-3
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    forward = session.run(None, {'lqs': clip})[0]
    assert np.abs(result['onnx_output'] - forward).max() > 0.05


@pytest.mark.parametrize('text, expected', [('64x112', (64, 112)),
                                            (' 9X7 ', (9, 7))])
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize('text', ['64', '0x8', '8x-1', 'axb', '64x112x3'])
def test_parse_size_refuses(text):
    with pytest.raises(ValueError, match='HEIGHTxWIDTH'):
        parse_size(text)


def test_export_refuses_bad_shapes(exported, tmp_path):
    model, _, _ = exported
    cases = [
        (dict(frames=0, size=SIZE), 'frames must be'),
        (dict(frames=2, size=(0, 8)), 'size must be'),
        (dict(frames=2, size=SIZE, opset=11), 'opset'),
        (dict(frames=2, size=SIZE, batch=0), 'batch'),
    ]
    for kwargs, match in cases:
        with pytest.raises(ValueError, match=match):
            export_onnx(model, str(tmp_path / 'x.onnx'), **kwargs)
    assert not (tmp_path / 'x.onnx').exists()


def test_read_clip_refuses_a_short_clip(exported, clip_folder):
    from sfvsr_plugin.apis import InputError
    model, _, _ = exported
    with pytest.raises(InputError, match='has 7 frames, the export takes 9'):
        read_clip(model, clip_folder, 9, SIZE)


class MMCVDeformConvNet(torch.nn.Module):
    """A net on ``(n, t, c, h, w)`` with mmcv's deformable conv, which
    exports as mmcv's custom op."""

    def __init__(self):
        super().__init__()
        from mmcv.ops import ModulatedDeformConv2dPack
        self.conv = ModulatedDeformConv2dPack(3, 3, 3, padding=1)

    def forward(self, lqs):
        return self.conv(lqs.flatten(0, 1)).unflatten(0, lqs.shape[:2])


def test_export_refuses_custom_ops_and_removes_the_file(tmp_path):
    path = tmp_path / 'mmcv.onnx'
    with pytest.raises(
            ExportError, match='needs mmcv::MMCVModulatedDeformConv2d'):
        export_onnx(MMCVDeformConvNet(), str(path), 2, (8, 8))
    assert not path.exists()
