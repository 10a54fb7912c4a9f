"""SFNet on a CUDA device: the outputs of the CPU for the same weights, half
precision close to fp32, and a training step of the editor.

Skipped where no GPU is at hand (as in CI); on a GPU machine run
``pytest tests/test_models/test_cuda.py``. mmcv's deformable conv is
compared only where mmcv's ops are compiled (``mmcv._ext``).
"""
import copy

import pytest
import torch
from mmagic.registry import MODELS
from mmagic.structures import DataSample

from sfvsr_plugin.apis import autocast_context
from sfvsr_plugin.apis.export import set_deform_impl
from sfvsr_plugin.testing import tiny_sfnet_cfg
from .test_precision import MIN_PSNR_DB
from .test_precision import tiny_net as precision_tiny_net

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(), reason='needs a CUDA device')


def mmcv_ops_built():
    try:
        import mmcv._ext  # noqa: F401
    except ImportError:
        return False
    return True


def tiny_net(deform_impl):
    """test_precision's tiny net (a random reconstruction head, so that its
    residual counts) with offsets far from zero, so that the deformable
    conv interpolates."""
    net = precision_tiny_net(deform_impl)
    for module in net.modules():
        if hasattr(module, 'deform_impl'):
            torch.nn.init.normal_(module.conv_offset[-1].weight, std=0.05)
    return net


def psnr(out, ref):
    return float(10 * torch.log10(1 / (out.float() - ref).pow(2).mean()))


@pytest.mark.parametrize('deform_impl', ['torch', 'mmcv'])
@pytest.mark.parametrize('size', [(16, 12), (8, 8)])
def test_cuda_output_equals_cpu(deform_impl, size):
    """(8, 8): DF's maps are 1x1, whose query strides once found no fp32
    CUDA kernel."""
    if deform_impl == 'mmcv' and not mmcv_ops_built():
        pytest.skip('mmcv ops are not compiled here')
    net = tiny_net(deform_impl)
    h, w = size
    lqs = torch.rand(1, 4, 3, h, w)  # 7 frames: DF reads stored states
    with torch.no_grad():
        ref = net(lqs)  # the CPU runs deform_conv.py ('auto' too)
        out = copy.deepcopy(net).cuda()(lqs.cuda()).cpu()
    assert out.shape == ref.shape == (1, 7, 3, 4 * h, 4 * w)
    torch.testing.assert_close(out, ref, atol=1e-4, rtol=1e-3)


@pytest.mark.parametrize('precision', ['bf16', 'fp16'])
def test_cuda_half_precision_matches_fp32(precision):
    net = tiny_net('torch').cuda()
    lqs = torch.rand(1, 4, 3, 16, 16, device='cuda')
    with torch.no_grad():
        ref = net(lqs)
        with autocast_context(precision, 'cuda'):
            out = net(lqs)
    assert out.shape == ref.shape
    assert psnr(out, ref) > MIN_PSNR_DB
    assert not torch.equal(out.float(), ref), 'autocast changed nothing'


@pytest.mark.parametrize('precision', ['fp32', 'bf16'])
def test_cuda_training_step(precision):
    """The editor's loss and gradients on CUDA are the CPU's (fp32), or
    close to them (bf16 autocast of the forward pass)."""
    model = MODELS.build(dict(type='SFVSR', generator=tiny_sfnet_cfg()))
    set_deform_impl(model, 'torch')
    lqs = torch.rand(2, 4, 3, 8, 8)
    gt = DataSample(gt_img=torch.rand(2, 7, 3, 32, 32))

    def loss_and_grads(m, device):
        m = m.to(device)
        data = DataSample(gt_img=gt.gt_img.to(device))
        with autocast_context(precision if device == 'cuda' else 'fp32',
                              device):
            losses = m.forward_train(lqs.to(device), data)
        loss = sum(losses.values())
        m.zero_grad()
        loss.backward()
        return float(loss.detach()), [
            p.grad.detach().cpu().clone() for p in m.parameters()
            if p.grad is not None
        ]

    ref_loss, ref_grads = loss_and_grads(copy.deepcopy(model), 'cpu')
    loss, grads = loss_and_grads(copy.deepcopy(model), 'cuda')
    assert len(grads) == len(ref_grads) > 0
    tol = 1e-4 if precision == 'fp32' else 2e-2
    assert loss == pytest.approx(ref_loss, rel=tol)
    flat = torch.cat([g.flatten() for g in grads])
    ref_flat = torch.cat([g.flatten() for g in ref_grads])
    assert torch.isfinite(flat).all()
    # the gradient's direction: exact in fp32, close under bf16
    cosine = torch.nn.functional.cosine_similarity(flat, ref_flat, dim=0)
    assert cosine > (0.9999 if precision == 'fp32' else 0.98), float(cosine)
