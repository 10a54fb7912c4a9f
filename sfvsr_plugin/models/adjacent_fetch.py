"""Adjacent fetch block AF: deformable alignment of a neighbour's state."""
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmagic.registry import MODELS
from mmengine.model import constant_init, kaiming_init
from torch import nn

from .blocks import SFNetModule, conv3x3, lrelu
from .deform_conv import modulated_deform_conv2d


@MODELS.register_module()
class AdjacentFetch(SFNetModule):
    """Aligns an adjacent hidden state to the current feature.

    Paper: "Adjacent Fetch Block" (AF in eq. 2-3), a temporally-deformable
    alignment as in TDAN (Tian et al. 2020): offsets and modulation masks are
    predicted from the current feature and the neighbour's hidden state, and
    a modulated deformable convolution samples the hidden state with them.
    The paper warns that offsets "overflow" on large motion, so they are
    bounded by ``max_residue_magnitude * tanh`` (BasicVSR++), and the offset
    head starts at zero: training begins from the identity sampling grid.

    Args:
        mid_channels (int): Channels of feature and hidden state. Default: 64.
        deform_groups (int): Deformable groups. Default: 8.
        max_residue_magnitude (float): Bound on every offset, in LR pixels.
            Default: 10.
        kernel_size (int): Kernel of the deformable conv. Default: 3.
        deform_impl (str): Which implementation runs the deformable conv:
            'mmcv' (mmcv's op), 'torch' (``deform_conv.py``, the same
            operation with ``grid_sample``, several times faster on CPU) or
            'auto' (mmcv on CUDA, torch on CPU). The parameters are mmcv's
            ``ModulatedDeformConv2d`` either way, so checkpoints do not
            depend on it. Default: 'auto'.

    Shapes: ``feat, hidden: (n, c, h, w) -> aligned hidden (n, c, h, w)``.
    """

    def __init__(self,
                 mid_channels: int = 64,
                 deform_groups: int = 8,
                 max_residue_magnitude: float = 10.,
                 kernel_size: int = 3,
                 deform_impl: str = 'auto'):
        super().__init__()
        if deform_impl not in ('auto', 'mmcv', 'torch'):
            raise ValueError("deform_impl must be 'auto', 'mmcv' or 'torch', "
                             f'got {deform_impl!r}')
        self.deform_impl = deform_impl
        # mmcv.ops loads a compiled extension: import it only when building.
        from mmcv.ops import ModulatedDeformConv2d
        if mid_channels % deform_groups:
            raise ValueError(
                f'mid_channels ({mid_channels}) must be divisible '
                f'by deform_groups ({deform_groups})')
        self.deform_groups = deform_groups
        self.max_residue_magnitude = max_residue_magnitude
        taps = deform_groups * kernel_size * kernel_size
        self.conv_offset = nn.Sequential(
            conv3x3(2 * mid_channels, mid_channels), lrelu(),
            conv3x3(mid_channels, mid_channels), lrelu(),
            conv3x3(mid_channels, mid_channels), lrelu(),
            conv3x3(mid_channels, 3 * taps))
        self.deform_conv = ModulatedDeformConv2d(
            mid_channels,
            mid_channels,
            kernel_size,
            padding=kernel_size // 2,
            deform_groups=deform_groups)

    def init_weights(self) -> None:
        """Kaiming-normal with zero bias (the deformable conv too), and the
        offset head's last conv at zero: zero offsets and masks of 0.5,
        identity sampling at the start."""
        from mmagic.models.utils import default_init_weights
        default_init_weights(self.conv_offset[:-1])
        constant_init(self.conv_offset[-1], 0)
        # mmcv's ModulatedDeformConv2d is no nn.Conv2d, which MMagic's
        # default_init_weights skips: the same Kaiming-normal by hand
        kaiming_init(self.deform_conv, mode='fan_in', bias=0)

    def forward(self, feat: torch.Tensor,
                hidden: torch.Tensor) -> torch.Tensor:
        return self.align(hidden,
                          self.conv_offset(torch.cat([hidden, feat], dim=1)))

    def align(self,
              hidden: torch.Tensor,
              out: torch.Tensor,
              flow: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Samples ``hidden`` with the offsets and masks in ``out`` (the
        output of ``conv_offset``).

        Args:
            hidden (Tensor): State to align ``(n, c, h, w)``.
            out (Tensor): Output of the offset head ``(n, 3*g*k*k, h, w)``.
            flow (Tensor, optional): Optical flow ``(n, 2, h, w)`` (x, y)
                from the current frame to ``hidden``'s; the bounded
                offsets are residues on top of it (BasicVSR++'s
                flow-guided deformable alignment). Default: None.
        """
        o1, o2, mask = torch.chunk(out, 3, dim=1)
        offset = self.max_residue_magnitude * torch.tanh(
            torch.cat([o1, o2], 1))
        if flow is not None:
            # deformable offsets are (y, x) pairs, one per tap and group
            offset = offset + flow.flip(1).repeat(1, offset.size(1) // 2, 1, 1)
        mask = torch.sigmoid(mask)
        impl = self.deform_impl
        if impl == 'auto':
            impl = 'mmcv' if hidden.is_cuda else 'torch'
        if impl == 'mmcv':
            if offset.dtype == torch.bfloat16 or (offset.dtype == torch.half
                                                  and not offset.is_cuda):
                # under autocast: mmcv casts everything to the offsets'
                # dtype, and has kernels for fp16 on CUDA only
                with torch.autocast(offset.device.type, enabled=False):
                    return self.deform_conv(hidden.float(), offset.float(),
                                            mask.float())
            return self.deform_conv(hidden, offset, mask)
        dcn = self.deform_conv
        return modulated_deform_conv2d(hidden, offset, mask, dcn.weight,
                                       dcn.bias, dcn.stride[0], dcn.padding[0],
                                       dcn.dilation[0], self.deform_groups)


def fetch_inputs(module: nn.Module, frame: Optional[torch.Tensor],
                 neighbour_frame: Optional[torch.Tensor]) -> dict:
    """The keyword arguments an AF is called with beyond ``(feat, hidden)``:
    the LR frames, for an AF that declares ``needs_frames`` (see
    ``interfaces.AdjacentFetchPart``); nothing for the others."""
    if not getattr(module, 'needs_frames', False):
        return {}
    return dict(frame=frame, neighbour_frame=neighbour_frame)


def adjacent_fetch_many(
    modules: Sequence[nn.Module],
    feat: torch.Tensor,
    hiddens: Sequence[torch.Tensor],
    frame: Optional[torch.Tensor] = None,
    neighbour_frames: Optional[Sequence[Optional[torch.Tensor]]] = None
) -> List[torch.Tensor]:
    """``[m(feat, h) for m, h in zip(modules, hiddens)]``, batched.

    FRM aligns two adjacent states to the same feature with two AFs. When
    they are all :class:`AdjacentFetch` of the same shape, their offset
    heads run as grouped convs, one call per layer for all sources instead
    of one per source (same parameters, same numbers up to float rounding).
    Any other AF (a subclass too) is called on its own, with the LR frames
    if it declares ``needs_frames``.

    Args:
        modules (Sequence[nn.Module]): One AF per source.
        feat (Tensor): Current feature ``(n, c, h, w)``.
        hiddens (Sequence[Tensor]): One state ``(n, c, h, w)`` per source.
        frame (Tensor, optional): Current LR frame ``(n, c_img, h, w)``, for
            AFs that need frames.
        neighbour_frames (Sequence, optional): Per source, the LR frame of
            its state, or None for a zero start state.

    Returns:
        list: Aligned hidden states ``(n, c, h, w)``, one per source.
    """
    if neighbour_frames is None:
        neighbour_frames = [None] * len(modules)
    batchable = len(modules) > 1 and all(
        type(m) is AdjacentFetch for m in modules) and len({
            tuple(p.shape for p in m.conv_offset.parameters())
            for m in modules
        }) == 1
    if not batchable:
        return [
            m(feat, h, **fetch_inputs(m, frame, nf))
            for m, h, nf in zip(modules, hiddens, neighbour_frames)
        ]
    k = len(modules)
    x = torch.cat([t for h in hiddens for t in (h, feat)], dim=1)
    for i, layer in enumerate(modules[0].conv_offset):
        if isinstance(layer, nn.Conv2d):
            convs = [m.conv_offset[i] for m in modules]
            x = F.conv2d(
                x,
                torch.cat([conv.weight for conv in convs]),
                torch.cat([conv.bias for conv in convs]),
                padding=layer.padding,
                groups=k)
        else:
            x = layer(x)
    return [
        m.align(h, out)
        for m, h, out in zip(modules, hiddens, x.chunk(k, dim=1))
    ]
