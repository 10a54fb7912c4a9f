"""SFNet as a frame interpolator of MMagic (issue 12, item 2)."""
import torch
from mmagic.registry import MODELS
from mmengine.model import BaseModule

from .blocks import build_part


@MODELS.register_module()
class SFNetInterpolator(BaseModule):
    """SFNet in T-VSR mode with MMagic's interpolator interface.

    MMagic's ``BasicInterpolator`` (the editor of CAIN and FLAVR) gives its
    generator the two frames around the one to make, ``(n, 2, c, h, w)``,
    and expects that frame back, ``(n, c, h, w)``; SFNet in T-VSR mode
    (``upscale_factor=1``, ``interpolate=True``) returns the two input
    frames restored and the one between them, ``(n, 3, c, h, w)``. This
    wrapper keeps the middle one, as the plugin's own ``SFVSR`` editor does
    for T-VSR; SFNet itself is unchanged, and its parameters are
    ``sfnet.*``.

    Paper: T-VSR in Table 3 (Vimeo90K triplets, frames 1 and 3 in, frame
    2 out).

    Args:
        sfnet (dict): SFNet config; ``upscale_factor`` and ``interpolate``
            are set to 1 and True where the config does not set them, and
            must be so. Default: the paper's SFNet.
        init_cfg (dict, optional): MMEngine init config, applied after
            SFNet's own init.

    Shapes: ``(n, 2, c, h, w) -> (n, c, h, w)``.
    """

    def __init__(self,
                 sfnet: dict = dict(type='SFNet'),
                 init_cfg: dict = None):
        super().__init__(init_cfg=init_cfg)
        self.sfnet = build_part(sfnet, upscale_factor=1, interpolate=True)
        if self.sfnet.upscale_factor != 1 or not self.sfnet.interpolate:
            raise ValueError(
                'SFNetInterpolator needs SFNet in T-VSR mode '
                '(upscale_factor=1, interpolate=True), got upscale_factor='
                f'{self.sfnet.upscale_factor}, interpolate='
                f'{self.sfnet.interpolate}')

    def forward(self, imgs: torch.Tensor) -> torch.Tensor:
        """
        Args:
            imgs (Tensor): The frames before and after, ``(n, 2, c, h, w)``.

        Returns:
            Tensor: The frame between them, ``(n, c, h, w)``.
        """
        if imgs.dim() != 5 or imgs.size(1) != 2:
            raise ValueError(
                'SFNetInterpolator expects the two frames around the one to '
                f'make, (n, 2, c, h, w), got {tuple(imgs.shape)}')
        return self.sfnet(imgs)[:, 1]
