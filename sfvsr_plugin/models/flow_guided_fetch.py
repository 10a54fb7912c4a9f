"""Flow-guided adjacent fetch: BasicVSR++'s alignment as an AF."""
from typing import Optional

import torch
from mmagic.registry import MODELS

from .adjacent_fetch import AdjacentFetch
from .blocks import conv3x3

#: Where MMagic publishes the SPyNet weights its BasicVSR / BasicVSR++
#: configs load (``spynet_pretrained`` there).
SPYNET_WEIGHTS_URL = ('https://download.openmmlab.com/mmediting/restorers/'
                      'basicvsr/spynet_20210409-c6c1bd09.pth')


@MODELS.register_module()
class FlowGuidedAdjacentFetch(AdjacentFetch):
    """An AF aligned by optical flow first, then by deformable residues.

    BasicVSR++'s flow-guided deformable alignment (Chan et al. 2022,
    ``SecondOrderDeformableAlignment`` in MMagic), first order, since an AF
    aligns one state: MMagic's ``SPyNet`` estimates the flow from the
    current LR frame to the frame the state belongs to, MMagic's
    ``flow_warp`` warps the state with it, the offset head sees the warped
    state, the current feature and the flow, and the modulated deformable
    conv samples the (unwarped) state at the flow plus bounded residues
    ``max_residue_magnitude * tanh(·)``.

    SPyNet needs images, which an AF is not given by default: the class
    declares ``needs_frames = True``, so the recurrent module passes the LR
    frames of the current frame and of the state's frame (the frames SFNet
    extracts features from: the inputs and, for a frame to insert, the
    average of its neighbours). Where the state is the zero start state
    there is no neighbour frame and the flow is zero.

    Each AF instance has a SPyNet of its own (BRM's AF, and FRM's two), as
    each has its own offset head; all are trained with the rest of the net.

    Args:
        mid_channels (int): Channels of feature and hidden state. Default: 64.
        deform_groups (int): Deformable groups. Default: 8.
        max_residue_magnitude (float): Bound on the residue added to the
            flow, in LR pixels. Default: 10.
        kernel_size (int): Kernel of the deformable conv. Default: 3.
        deform_impl (str): See :class:`AdjacentFetch`. Default: 'auto'.
        spynet_pretrained (str, optional): Path (or URL) of SPyNet weights,
            loaded by MMagic's ``SPyNet``; MMagic's are at
            :data:`SPYNET_WEIGHTS_URL` (download them and give the local
            path where there is no network). None starts SPyNet without
            weights: MMagic's Kaiming init with the last conv of each
            pyramid level at 1e-3 of it, so the flow starts near zero and
            the AF near the identity grid, as :class:`AdjacentFetch` does
            (a randomly drawn SPyNet gives flows of ~10 pixels).
            Default: None.

    Shapes: ``feat, hidden (n, c, h, w)``, ``frame, neighbour_frame (n, 3,
    h, w)`` (RGB in [0, 1], what SPyNet was trained on) -> aligned hidden
    ``(n, c, h, w)``.
    """

    needs_frames = True

    def __init__(self,
                 mid_channels: int = 64,
                 deform_groups: int = 8,
                 max_residue_magnitude: float = 10.,
                 kernel_size: int = 3,
                 deform_impl: str = 'auto',
                 spynet_pretrained: Optional[str] = None):
        super().__init__(
            mid_channels=mid_channels,
            deform_groups=deform_groups,
            max_residue_magnitude=max_residue_magnitude,
            kernel_size=kernel_size,
            deform_impl=deform_impl)
        from mmagic.models.editors.basicvsr.basicvsr_net import SPyNet

        # the offset head also sees the flow (x, y)
        self.conv_offset[0] = conv3x3(2 * mid_channels + 2, mid_channels)
        self.spynet_pretrained = spynet_pretrained
        self.spynet = SPyNet(pretrained=spynet_pretrained)

    #: Scale of the last conv of each SPyNet level without pretrained
    #: weights: the flow starts near zero, and every conv still gets a
    #: gradient from the first step.
    SPYNET_LAST_CONV_SCALE = 1e-3

    def init_weights(self) -> None:
        """The offset head and deformable conv as in :class:`AdjacentFetch`;
        SPyNet keeps loaded weights, or, without them, starts near zero
        flow (``SPYNET_LAST_CONV_SCALE``)."""
        super().init_weights()
        if self.spynet_pretrained is not None:
            return
        for level in self.spynet.basic_module:
            convs = list(level.basic_module)
            for conv_module in convs:
                conv_module.init_weights()  # MMagic's Kaiming
            with torch.no_grad():
                convs[-1].conv.weight.mul_(self.SPYNET_LAST_CONV_SCALE)
                convs[-1].conv.bias.zero_()

    def flow(self, frame: torch.Tensor,
             neighbour_frame: Optional[torch.Tensor]) -> torch.Tensor:
        """Flow ``(n, 2, h, w)`` from ``frame`` to ``neighbour_frame``
        (zeros without one)."""
        if neighbour_frame is None:
            n, _, h, w = frame.shape
            return frame.new_zeros(n, 2, h, w)
        return self.spynet(frame, neighbour_frame)

    def forward(
            self,
            feat: torch.Tensor,
            hidden: torch.Tensor,
            frame: Optional[torch.Tensor] = None,
            neighbour_frame: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Aligns ``hidden`` to ``feat`` by the flow between their frames.

        Args:
            feat (Tensor): Current feature ``(n, c, h, w)``.
            hidden (Tensor): Adjacent state ``(n, c, h, w)``.
            frame (Tensor): Current LR frame ``(n, 3, h, w)``.
            neighbour_frame (Tensor, optional): LR frame of ``hidden``
                ``(n, 3, h, w)``; None for a zero start state.

        Returns:
            Tensor: Aligned state ``(n, c, h, w)``.
        """
        if frame is None:
            raise ValueError(
                'FlowGuidedAdjacentFetch estimates flow from the LR frames: '
                'call it with frame= (SFNet passes them to its recurrent '
                'modules)')
        if frame.size(1) != 3 or frame.shape[-2:] != feat.shape[-2:]:
            raise ValueError(
                'FlowGuidedAdjacentFetch needs RGB frames of the feature '
                f'size {tuple(feat.shape[-2:])} for SPyNet, got '
                f'{tuple(frame.shape)}')
        from mmagic.models.utils import flow_warp
        flow = self.flow(frame, neighbour_frame)
        warped = flow_warp(hidden, flow.permute(0, 2, 3, 1))
        out = self.conv_offset(torch.cat([warped, feat, flow], dim=1))
        return self.align(hidden, out, flow=flow)
