"""SFNet under bf16 autocast on the CPU: every op runs and the output stays
within 50 dB PSNR of fp32 (both deformable conv implementations)."""
import numpy as np
import pytest
import torch
from mmagic.registry import MODELS

from sfvsr_plugin.apis import autocast_context, restore_video
from sfvsr_plugin.models import AdjacentFetch, DistantFetch
from sfvsr_plugin.testing import tiny_sfnet_cfg

#: The tolerance docs/inference.md states: PSNR (peak 1) of bf16 vs fp32.
MIN_PSNR_DB = 50


def tiny_net(deform_impl):
    cfg = tiny_sfnet_cfg()
    cfg['adjacent_fetch']['deform_impl'] = deform_impl
    net = MODELS.build(cfg).eval()
    # the reconstruction starts at 1e-3 (the bicubic base, computed in
    # fp32): give the net a residual whose precision shows
    for module in net.head.modules():
        if isinstance(module, torch.nn.Conv2d):
            torch.nn.init.normal_(module.weight, std=0.1)
    return net


@pytest.mark.parametrize('deform_impl', ['torch', 'mmcv'])
def test_bf16_autocast_on_cpu_matches_fp32(deform_impl, monkeypatch):
    net = tiny_net(deform_impl)
    lqs = torch.rand(1, 4, 3, 16, 16)  # 7 frames: DF reads stored states
    seen = {}

    def record(name):

        def hook(module, args, out):
            seen.setdefault(name, set()).add(out.dtype)

        return hook

    for decoder in net.forward_module.distant_fetch.decoders.values():
        decoder.register_forward_hook(record('DF decoder'))
    attend, align = DistantFetch.attend, AdjacentFetch.align

    def recording_attend(self, query, keys, values, fused=True):
        out = attend(self, query, keys, values, fused)
        seen.setdefault('SDPA', set()).add((keys.dtype, out.dtype))
        return out

    def recording_align(self, hidden, out):
        aligned = align(self, hidden, out)
        seen.setdefault('AF', set()).add(aligned.dtype)
        return aligned

    monkeypatch.setattr(DistantFetch, 'attend', recording_attend)
    monkeypatch.setattr(AdjacentFetch, 'align', recording_align)
    with torch.no_grad():
        ref = net(lqs)
        seen.clear()
        with autocast_context('bf16', 'cpu'):
            out = net(lqs)
    assert out.shape == ref.shape == (1, 7, 3, 64, 64)
    # the ops ran in bf16 (mmcv's CPU kernel has none: it runs in fp32)
    assert seen['SDPA'] == {(torch.bfloat16, torch.bfloat16)}
    assert seen['DF decoder'] == {torch.bfloat16}
    assert seen['AF'] == {
        torch.bfloat16 if deform_impl == 'torch' else torch.float32
    }
    err = (out.float() - ref).pow(2).mean()
    psnr = 10 * torch.log10(1 / err)
    assert err > 0, 'autocast changed nothing'
    assert psnr > MIN_PSNR_DB, float(psnr)


def test_precision_settings():
    with pytest.raises(ValueError, match='fp16 needs a CUDA device'):
        autocast_context('fp16', 'cpu')
    with pytest.raises(ValueError, match='precision must be one of'):
        autocast_context('int8', 'cpu')
    net = tiny_net('auto')
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (12, 16, 3), np.uint8) for _ in range(3)]
    with pytest.raises(ValueError, match='fp16 needs'):
        next(restore_video(net, frames, precision='fp16'))
    ref = torch.stack(list(restore_video(net, frames, as_uint8=False)))
    out = torch.stack(
        list(restore_video(net, frames, as_uint8=False, precision='bf16')))
    assert out.dtype == torch.float32  # handed on in fp32
    err = ((out - ref) / 255).pow(2).mean()
    assert 0 < err < 10**(-MIN_PSNR_DB / 10)


@pytest.mark.parametrize('precision', ['fp32', 'bf16'])
def test_channels_last_gives_the_same_frames(precision):
    """``channels_last=True`` converts the net's 4-d weights to the
    channels-last layout, its convolutions run in it, and the frames equal
    the default layout's (up to float summation order)."""
    net = tiny_net('auto')
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (12, 16, 3), np.uint8) for _ in range(3)]
    ref = torch.stack(
        list(restore_video(net, frames, as_uint8=False, precision=precision)))
    layouts = []
    first_conv = next(m for m in net.modules()
                      if isinstance(m, torch.nn.Conv2d))
    first_conv.register_forward_hook(lambda module, args, out: layouts.append(
        out.is_contiguous(memory_format=torch.channels_last)))
    assert not first_conv.weight.is_contiguous(
        memory_format=torch.channels_last)
    out = torch.stack(
        list(
            restore_video(
                net,
                frames,
                as_uint8=False,
                precision=precision,
                channels_last=True)))
    assert first_conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert layouts and all(layouts)  # the convolutions ran channels-last
    tolerance = 1e-3 if precision == 'fp32' else 2.0  # 0..255 scale
    assert (out - ref).abs().max() < tolerance
