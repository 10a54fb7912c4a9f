"""Test-time ensemble: the mean of the flipped, transposed and time-reversed
runs, computed here independently of MMagic's SpatialTemporalEnsemble."""
import importlib.util
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from mmagic.registry import MODELS

from sfvsr_plugin.apis import init_model, restore_video
from sfvsr_plugin.models import build_ensemble
from sfvsr_plugin.testing import tiny_sfnet_cfg
from .test_sfvsr import PREPROCESSOR, make_batch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def mean_of_transformed_runs(net, lqs, temporal):
    """Each transform of the input, the inverse on the output, averaged."""
    outs = []
    for reverse in (False, True) if temporal else (False, ):
        for hflip in (False, True):
            for vflip in (False, True):
                for transpose in (False, True):
                    x = lqs.flip(1) if reverse else lqs
                    x = x.flip(-1) if hflip else x
                    x = x.flip(-2) if vflip else x
                    x = x.transpose(-1, -2) if transpose else x
                    y = net(x)
                    y = y.transpose(-1, -2) if transpose else y
                    y = y.flip(-2) if vflip else y
                    y = y.flip(-1) if hflip else y
                    outs.append(y.flip(1) if reverse else y)
    assert len(outs) == (16 if temporal else 8)
    return torch.stack(outs).mean(0)


def editor(ensemble=None):
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='SFVSR',
            generator=tiny_sfnet_cfg(),
            ensemble=ensemble,
            data_preprocessor=PREPROCESSOR)).eval()
    # the reconstruction starts at 1e-3 (the bicubic base, itself
    # flip-equivariant): give the net a residual worth averaging
    for module in model.generator.head.modules():
        if isinstance(module, torch.nn.Conv2d):
            torch.nn.init.normal_(module.weight, std=0.1)
    return model


@pytest.mark.parametrize('temporal', [True, False])
def test_editor_ensemble_is_the_mean_of_the_transformed_runs(temporal):
    spec = True if temporal else dict(
        type='SpatialTemporalEnsemble', is_temporal_ensemble=False)
    model = editor(spec)
    lqs = torch.rand(1, 2, 3, 8, 12)  # not square: transposes change shape
    with torch.no_grad():
        got = model(lqs, mode='tensor')
        want = mean_of_transformed_runs(model.generator, lqs, temporal)
        plain = model.generator(lqs)
    assert got.shape == (1, 3, 3, 32, 48)
    torch.testing.assert_close(got, want, rtol=0, atol=1e-5)
    assert (got - plain).abs().max() > 1e-2  # the ensemble changed it
    # the runner's test loop (mode='predict') goes through it too
    data = make_batch(model, n=1, t=2, h=8, w=12, train=False)
    with torch.no_grad():
        pred = model(**data, mode='predict')
        want = mean_of_transformed_runs(model.generator, data['inputs'],
                                        temporal)
    # destruct: to 0..255 in the samples' channel order, clamped
    want = model.data_preprocessor.destruct(want, data['data_samples'])
    torch.testing.assert_close(
        pred[0].output.pred_img, want[0], rtol=0, atol=1e-3)


def test_bad_ensemble_setting_is_refused():
    assert build_ensemble(None) is None and build_ensemble(False) is None
    with pytest.raises(ValueError, match='ensemble must be'):
        build_ensemble(dict(type='SpatialEnsemble'))


def test_tools_test_switch_and_restore_video(tmp_path):
    """``tools/test.py --cfg-options model.ensemble=True`` builds the
    ensemble; ``restore_video(ensemble=True)`` equals the mean too."""
    config = tmp_path / 'tiny.py'
    config.write_text(
        "default_scope = 'mmagic'\n"
        "custom_imports = dict(imports=['sfvsr_plugin'], "
        'allow_failed_imports=False)\n'
        f"model = dict(type='SFVSR', generator={tiny_sfnet_cfg()!r}, "
        f'data_preprocessor={PREPROCESSOR!r})\n')
    sys.path.insert(0, osp.join(ROOT, 'tools'))
    try:
        spec = importlib.util.spec_from_file_location(
            'tool_test', osp.join(ROOT, 'tools', 'test.py'))
        tool = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(tool)
    finally:
        sys.path.remove(osp.join(ROOT, 'tools'))
    args = tool.parse_args(
        [str(config), 'ckpt.pth', '--cfg-options', 'model.ensemble=True'])
    cfg = tool.train_tool.prepare_cfg(args, ('model', ), 'testing')
    assert cfg.model.ensemble is True
    model = init_model(cfg)
    assert model.forward_ensemble.is_temporal_ensemble

    plain = init_model(str(config))
    plain.load_state_dict(model.state_dict())
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (8, 12, 3), np.uint8) for _ in range(2)]
    lqs = torch.from_numpy(np.stack(frames)).permute(0, 3, 1, 2)[None] / 255.
    with torch.no_grad():
        want = 255 * mean_of_transformed_runs(plain.generator, lqs, True)[0]
    # the editor's setting (None), or asked for on a model without one
    for m, ensemble in ((model, None), (plain, True)):
        got = torch.stack(
            list(
                restore_video(
                    m, frames, None, as_uint8=False, ensemble=ensemble)))
        torch.testing.assert_close(got, want, rtol=0, atol=1e-3)
    got = torch.stack(
        list(
            restore_video(model, frames, None, as_uint8=False,
                          ensemble=False)))
    with torch.no_grad():
        torch.testing.assert_close(
            got, 255 * plain.generator(lqs)[0], rtol=0, atol=1e-3)
