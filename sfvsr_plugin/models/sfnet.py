"""SFNet: the store-and-fetch space-time video super-resolution network."""
from typing import Optional, Tuple, Union

import torch
from mmagic.registry import MODELS
from mmengine.model import BaseModule, initialize

from .blocks import build_part, init_weights_of
from .interfaces import FeatureExtractorPart, HeadPart, build_role
from .recurrent import parse_containers


@MODELS.register_module()
class SFNet(BaseModule):
    """Store-and-fetch network for space-time video super-resolution.

    Paper: Fig. 3 and eq. 1-3, 7. The feature extractor FE (eq. 1) gives
    features of the t input frames and of the average of each pair of
    neighbours (the frames to insert); BRM (eq. 2) runs from the last frame
    to the first, storing its states in C^b; FRM (eq. 3) runs from the first
    to the last, fetching from C^b and its own C^f; F&R turns both into the
    HR frames with their structure and detail components.

    Every part is built from a config dict, so any one can be replaced; the
    ``None`` and ``containers`` settings give the paper's ablations. Each
    part is checked at build against its role
    (``sfvsr_plugin.models.interfaces``, docs/mixing.md): a part lacking a
    method SFNet calls raises ``PartInterfaceError`` naming it.

    Args:
        in_channels (int): Image channels. Default: 3.
        mid_channels (int): Feature channels, passed to every part that does
            not set its own. Default: 64.
        upscale_factor (int): Spatial scale, a power of two (1 for T-VSR).
            Default: 4.
        interpolate (bool): Insert a frame between each pair of inputs
            (ST-VSR, T-VSR). False keeps the frame rate (S-VSR). Default: True.
        feature_extractor (dict): FE config.
        adjacent_fetch (dict, optional): AF config; None for the ablation
            without AF (adjacent states used unaligned).
        distant_fetch (dict, optional): DF config; None for the ablation
            without DF (mean of stored states).
        dynamic_selection (dict): DS config; ``dict(type='DirectFusion')``
            for the ablation without DS.
        head (dict): F&R config.
        containers (str | tuple): 'both', 'backward', 'forward' or 'none'
            (Table 5). Default: 'both'.
        inserted_base (dict, optional): A block that gives F&R the LR image
            whose bicubic upsampling a frame to insert starts from, from
            eq. 1's frames and BRM's states (``dict(type='MotionBlend')``,
            docs/motion.md); None keeps eq. 1's average of the neighbours
            (the paper's configs). Default: None.
        container_capacity (int, optional): Most stored states one fetch
            reads, nearest first; None reads all (the paper). Default: None.
        init_cfg (dict, optional): MMEngine init config (e.g.
            ``Pretrained``), applied on top of SFNet's own init.

    Shapes: ``(n, t, c, h, w) -> (n, 2t-1, c, s*h, s*w)``, or ``(n, t, c,
    s*h, s*w)`` with ``interpolate=False``.
    """

    def __init__(self,
                 in_channels: int = 3,
                 mid_channels: int = 64,
                 upscale_factor: int = 4,
                 interpolate: bool = True,
                 feature_extractor: dict = dict(
                     type='SFFeatureExtractor', num_blocks=5),
                 adjacent_fetch: Optional[dict] = dict(
                     type='AdjacentFetch',
                     deform_groups=8,
                     max_residue_magnitude=10),
                 distant_fetch: Optional[dict] = dict(
                     type='DistantFetch', key_channels=64),
                 dynamic_selection: dict = dict(
                     type='DynamicSelection', num_blocks=12),
                 head: dict = dict(type='FusionReconstructionHead'),
                 containers: Union[str, Tuple[str, ...]] = 'both',
                 container_capacity: Optional[int] = None,
                 inserted_base: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.upscale_factor = upscale_factor
        self.interpolate = interpolate
        self.containers = parse_containers(containers)

        self.feature_extractor = build_role(
            feature_extractor,
            FeatureExtractorPart,
            'SFNet.feature_extractor',
            in_channels=in_channels,
            mid_channels=mid_channels)
        recurrent = dict(
            mid_channels=mid_channels,
            adjacent_fetch=adjacent_fetch,
            distant_fetch=distant_fetch,
            dynamic_selection=dynamic_selection,
            containers=self.containers,
            container_capacity=container_capacity)
        self.backward_module = build_part(
            dict(type='BackwardRecurrentModule', **recurrent))
        self.forward_module = build_part(
            dict(type='ForwardRecurrentModule', **recurrent))
        self.inserted_base = build_part(
            inserted_base, mid_channels=mid_channels)
        self.head = build_role(
            head,
            HeadPart,
            'SFNet.head',
            mid_channels=mid_channels,
            out_channels=in_channels,
            upscale_factor=upscale_factor)
        self.init_weights()

    def init_weights(self) -> None:
        """SFNet's start, for the whole net at once; the constructor calls
        it.

        Every conv Kaiming-normal with zero bias (MMagic's
        ``default_init_weights``) except where a block has a start of its
        own: residual branches at 0.1, the last conv of each reconstruction
        at 1e-3, AF's offset head at zero (docs/architecture.md, "init").
        Then ``init_cfg``, if given. The net is then marked initialised, so
        MMEngine's runner does not draw it again when it initialises the
        editor.
        """
        init_weights_of(self)
        if self.init_cfg:
            initialize(self, self.init_cfg)
        self._is_init = True

    def check_input(self, lqs: torch.Tensor) -> None:
        if not torch.is_tensor(lqs) or lqs.dim() != 5:
            shape = tuple(lqs.shape) if torch.is_tensor(lqs) else type(lqs)
            raise ValueError('SFNet expects frames of shape (n, t, c, h, w), '
                             f'got {shape}')
        n, t, c, h, w = lqs.shape
        if c != self.in_channels:
            raise ValueError(
                f'SFNet was built for {self.in_channels} '
                f'channels, got {c} (input shape {tuple(lqs.shape)})')
        if t < 1 or h < 1 or w < 1:
            raise ValueError(f'empty input of shape {tuple(lqs.shape)}')

    def make_frames(self, lqs: torch.Tensor) -> torch.Tensor:
        """Eq. 1's inputs: odd frames and the averages of their neighbours.

        Shapes: ``(n, t, c, h, w) -> (n, 2t-1, c, h, w)`` (unchanged when not
        interpolating).
        """
        if not self.interpolate or lqs.size(1) == 1:
            return lqs
        n, t, c, h, w = lqs.shape
        frames = lqs.new_empty(n, 2 * t - 1, c, h, w)
        frames[:, 0::2] = lqs
        frames[:, 1::2] = 0.5 * (lqs[:, :-1] + lqs[:, 1:])
        return frames

    def forward(
        self,
        lqs: torch.Tensor,
        return_components: bool = False
    ) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """
        Args:
            lqs (Tensor): LR, LFR frames ``(n, t, c, h, w)``.
            return_components (bool): Also return the structures S and
                details D of eq. 7. Default: False.

        Returns:
            Tensor: HR frames ``(n, T, c, s*h, s*w)`` with ``T = 2t-1``;
            with ``return_components``, the tuple ``(I, S, D)``.
        """
        self.check_input(lqs)
        frames = self.make_frames(lqs)  # eq. 1's inputs
        feats = self.feature_extractor(frames.flatten(0, 1)).unflatten(
            0, frames.shape[:2])  # FE, eq. 1
        # the LR frames too, for an AF that needs them (flow-guided AF)
        hidden_b, container_b = self.backward_module(  # BRM, eq. 2
            feats, frames=frames)
        hidden_f, _ = self.forward_module(  # FRM, eq. 3
            feats,
            backward_hidden=hidden_b,
            backward_container=container_b,
            frames=frames)
        if self.inserted_base is not None and frames.size(1) > lqs.size(1):
            frames = self.inserted_base(frames, hidden_b)
        out, structure, detail = self.head(frames, hidden_b, hidden_f)  # F&R
        if return_components:
            return out, structure, detail
        return out
