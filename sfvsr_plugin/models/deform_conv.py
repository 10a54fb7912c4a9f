"""Modulated deformable convolution (DCNv2) written with ``grid_sample``.

The same operation as mmcv's ``ModulatedDeformConv2d`` (same parameters,
offset and mask layout, bilinear sampling with zeros outside the frame),
vectorised over kernel taps and deformable groups. mmcv's op is the one to
use on GPUs; its CPU kernels are single-threaded loops, and this version
trains several times faster on a CPU. ``tests/test_models/test_components``
checks that both agree.
"""
import torch
import torch.nn.functional as F


def modulated_deform_conv2d(x: torch.Tensor,
                            offset: torch.Tensor,
                            mask: torch.Tensor,
                            weight: torch.Tensor,
                            bias: torch.Tensor = None,
                            stride: int = 1,
                            padding: int = 0,
                            dilation: int = 1,
                            deform_groups: int = 1) -> torch.Tensor:
    """DCNv2 forward with autograd (groups = 1).

    Args:
        x (Tensor): Input ``(n, c, h, w)``.
        offset (Tensor): ``(n, deform_groups * 2 * k, oh, ow)``; per group
            and kernel tap, the (dy, dx) pair, as in mmcv.
        mask (Tensor): ``(n, deform_groups * k, oh, ow)``, modulation.
        weight (Tensor): ``(c_out, c, kh, kw)``.
        bias (Tensor, optional): ``(c_out,)``.
        stride, padding, dilation (int): As in ``nn.Conv2d``.
        deform_groups (int): Channel groups with offsets of their own.

    Returns:
        Tensor: ``(n, c_out, oh, ow)``.
    """
    n, c, h, w = x.shape
    c_out, c_in, kh, kw = weight.shape
    if c_in != c:
        raise ValueError(f'weight expects {c_in} input channels, got {c}')
    taps = kh * kw
    oh = (h + 2 * padding - dilation * (kh - 1) - 1) // stride + 1
    ow = (w + 2 * padding - dilation * (kw - 1) - 1) // stride + 1
    dg = deform_groups

    # Sampling positions of every tap at every output position, in pixels.
    ys = torch.arange(oh, device=x.device, dtype=x.dtype) * stride - padding
    xs = torch.arange(ow, device=x.device, dtype=x.dtype) * stride - padding
    ky, kx = torch.meshgrid(
        torch.arange(kh, device=x.device, dtype=x.dtype) * dilation,
        torch.arange(kw, device=x.device, dtype=x.dtype) * dilation,
        indexing='ij')
    base_y = ky.reshape(taps, 1, 1) + ys.view(1, oh, 1)  # (k, oh, 1)
    base_x = kx.reshape(taps, 1, 1) + xs.view(1, 1, ow)  # (k, 1, ow)
    offset = offset.view(n, dg, taps, 2, oh, ow)
    pos_y = base_y + offset[:, :, :, 0]  # (n, dg, k, oh, ow)
    pos_x = base_x + offset[:, :, :, 1]
    # grid_sample's align_corners=False coordinates: pixel i <-> (2i+1)/h-1;
    # its zero padding matches mmcv's zeros outside the frame.
    grid = torch.stack([(2 * pos_x + 1) / w - 1, (2 * pos_y + 1) / h - 1],
                       dim=-1)
    grid = grid.view(n * dg, taps * oh, ow, 2)
    sampled = F.grid_sample(
        x.reshape(n * dg, c // dg, h, w),
        grid,
        mode='bilinear',
        padding_mode='zeros',
        align_corners=False)  # (n*dg, c/dg, k*oh, ow)
    sampled = sampled.view(n, dg, c // dg, taps, oh, ow)
    sampled = sampled * mask.view(n, dg, 1, taps, oh, ow)
    cols = sampled.reshape(n, c * taps, oh * ow)
    out = torch.matmul(weight.reshape(c_out, c * taps), cols)
    if bias is not None:
        # in the matmul's dtype, as a conv's bias under autocast
        out = out + bias.to(out.dtype).view(1, c_out, 1)
    return out.view(n, c_out, oh, ow)
