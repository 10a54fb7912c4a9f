"""A motion prior without learned weights: block-matching flow on LR frames.

Eq. 1 gives a frame to insert the average of its two neighbours, which puts
a moving edge at both of its positions; the net must learn to undo that,
and in a demo-sized run it does not (docs/motion.md). The functions here
give the motion from the start instead: :func:`block_matching_flow`, a
coarse-to-fine search of the best match of each pixel's neighbourhood, with
no parameters, so it works untrained, on any device and in ONNX (pads,
slices, ``grid_sample``), and :func:`midpoint_frames`, the frames halfway
between consecutive inputs by that flow, which :class:`.MotionBlend` offers
F&R as the start of a frame to insert.
"""
from typing import Optional

import torch
import torch.nn.functional as F


def warp(image: torch.Tensor,
         flow: torch.Tensor,
         mode: str = 'bilinear') -> torch.Tensor:
    """Sample ``image`` at ``x + flow(x)`` (``mode``: 'bilinear' or
    'bicubic' interpolation; borders repeated).

    Shapes: ``image (n, c, h, w)``, ``flow (n, 2, h, w)`` with (x, y) in
    pixels -> ``(n, c, h, w)``.
    """
    n, _, h, w = image.shape
    ys, xs = torch.meshgrid(
        torch.arange(h, device=image.device, dtype=flow.dtype),
        torch.arange(w, device=image.device, dtype=flow.dtype),
        indexing='ij')
    x = (xs + flow[:, 0]) * (2 / max(w - 1, 1)) - 1
    y = (ys + flow[:, 1]) * (2 / max(h - 1, 1)) - 1
    return F.grid_sample(
        image,
        torch.stack([x, y], dim=-1),
        mode=mode,
        padding_mode='border',
        align_corners=True)


def _shifted_costs(source: torch.Tensor, target: torch.Tensor, radius: int,
                   window: int) -> torch.Tensor:
    """Sum of squared differences over a ``window`` x ``window`` patch of
    ``source`` at x and ``target`` at x + d, for every integer d with
    ``|dx|, |dy| <= radius``: ``(n, (2r+1)**2, h, w)``, d in row-major
    (dy, dx) order."""
    h, w = source.shape[-2:]
    padded = F.pad(target, [radius] * 4, mode='replicate')
    costs = []
    for dy in range(2 * radius + 1):
        for dx in range(2 * radius + 1):
            diff = (source - padded[..., dy:dy + h, dx:dx + w])**2
            costs.append(diff.sum(1, keepdim=True))
    costs = torch.cat(costs, 1)
    return F.avg_pool2d(
        F.pad(costs, [window // 2] * 4, mode='replicate'), window, stride=1)


def _subpixel(costs: torch.Tensor, radius: int) -> torch.Tensor:
    """Displacement of the lowest cost, refined by a parabola through it and
    its two neighbours along x and along y: ``(n, 2, h, w)`` (x, y)."""
    n, _, h, w = costs.shape
    side = 2 * radius + 1
    best = costs.argmin(1)  # (n, h, w)
    by, bx = best // side, best % side

    def cost_at(iy, ix):
        iy, ix = iy.clamp(0, side - 1), ix.clamp(0, side - 1)
        index = (iy * side + ix).unsqueeze(1)
        return costs.gather(1, index).squeeze(1)

    c0 = cost_at(by, bx)
    out = []
    for step_y, step_x, base in ((0, 1, bx), (1, 0, by)):
        lo = cost_at(by - step_y, bx - step_x)
        hi = cost_at(by + step_y, bx + step_x)
        curve = lo - 2 * c0 + hi
        delta = torch.where(curve > 1e-12, (lo - hi) / (2 * curve + 1e-12),
                            torch.zeros_like(c0))
        # at the edge of the search the parabola has no outer point
        inside = (base > 0) & (base < side - 1)
        delta = torch.where(inside, delta.clamp(-0.5, 0.5), 0 * delta)
        out.append(base.to(costs.dtype) - radius + delta)
    return torch.stack(out, 1)


@torch.no_grad()
def block_matching_flow(source: torch.Tensor,
                        target: torch.Tensor,
                        radius: int = 3,
                        levels: int = 2,
                        window: int = 7,
                        smoothness: float = 1e-3,
                        iterations: int = 1) -> torch.Tensor:
    """Flow from ``source`` to ``target``: ``target(x + flow(x))`` matches
    ``source(x)``.

    Coarse to fine over an average-pooled pyramid: at each level ``target``
    is warped by the flow so far, every displacement within ``radius`` is
    scored by the squared difference summed over a ``window`` patch (plus
    ``smoothness`` times its squared length, so flat areas, where any
    displacement fits, keep the coarser flow), the best is refined to
    sub-pixel by a parabola fit and added. Frames are compared in grey,
    each normalised to zero mean and unit variance. No gradient flows
    through it.

    Args:
        source (Tensor): ``(n, c, h, w)`` frames.
        target (Tensor): ``(n, c, h, w)`` frames.
        radius (int): Search radius per level, pixels of that level.
            Default: 3 (with 2 levels, up to 9 pixels in all).
        levels (int): Pyramid levels, fewer on small frames. Default: 2.
        window (int): Side of the matched patch. Default: 7.
        smoothness (float): Weight of the squared displacement against the
            mean squared difference per pixel. Default: 1e-3.

    Returns:
        Tensor: ``(n, 2, h, w)`` flow (x, y) in pixels, float32.
    """

    def grey(x):
        x = x.float().mean(1, keepdim=True)
        x = x - x.mean((2, 3), keepdim=True)
        return x / (x.std((2, 3), keepdim=True) + 1e-6)

    pyramid = [(grey(source), grey(target))]
    while len(pyramid) < levels and min(pyramid[-1][0].shape[-2:]) >= 8:
        pyramid.append(tuple(F.avg_pool2d(x, 2) for x in pyramid[-1]))
    side = 2 * radius + 1
    d = torch.arange(side, device=source.device, dtype=torch.float32) - radius
    penalty = (d.view(-1, 1)**2 + d.view(1, -1)**2).view(1, -1, 1, 1)
    flow: Optional[torch.Tensor] = None
    for src, tgt in reversed(pyramid):
        if flow is None:
            flow = src.new_zeros(src.size(0), 2, *src.shape[-2:])
        else:
            flow = 2 * F.interpolate(
                flow,
                size=src.shape[-2:],
                mode='bilinear',
                align_corners=False)
        for _ in range(iterations):
            costs = _shifted_costs(src, warp(tgt, flow), radius, window)
            costs = costs + smoothness * window * window * penalty
            flow = flow + _subpixel(costs, radius)
    return flow


def midpoint_frames(frames: torch.Tensor, **kwargs) -> torch.Tensor:
    """The frame halfway between each pair of consecutive frames, by the
    block-matching flow both ways.

    As :func:`sfvsr_plugin.evaluation.flow_midpoint` (Super SloMo's
    approximation at ``t = 1/2``: ``F_t0 = (F_10 - F_01) / 4``,
    ``F_t1 = -F_t0``; both frames warped there, bicubic, and averaged),
    with :func:`block_matching_flow`, in torch and without gradient.

    Args:
        frames (Tensor): ``(n, t, c, h, w)`` input frames.
        **kwargs: Settings of :func:`block_matching_flow`.

    Returns:
        Tensor: ``(n, t-1, c, h, w)``, in the dtype of ``frames``.
    """
    n, t, c, h, w = frames.shape
    first = frames[:, :-1].flatten(0, 1)
    second = frames[:, 1:].flatten(0, 1)
    with torch.no_grad():
        flow_01 = block_matching_flow(first, second, **kwargs)
        flow_10 = block_matching_flow(second, first, **kwargs)
        flow_t0 = (flow_10 - flow_01) / 4
        # bicubic: bilinear sampling blurs, which costs more than the
        # motion gains where the motion is small (docs/motion.md)
        mid = (warp(first.float(), flow_t0, 'bicubic') +
               warp(second.float(), -flow_t0, 'bicubic')) / 2
    return mid.to(frames.dtype).unflatten(0, (n, t - 1))
