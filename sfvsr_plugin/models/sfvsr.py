"""SFVSR: the MMagic editor that trains and evaluates SFNet (eq. 7)."""
from typing import Dict, List, Optional, Union

import torch
import torch.nn.functional as F
from mmagic.models.base_models import BaseEditModel
from mmagic.registry import MODELS
from mmagic.structures import DataSample


def structure_detail(frames: torch.Tensor, scale: int = 4):
    """Split frames into structure and detail components (eq. 7).

    The structure of a frame is the bicubic upsampling of its bicubic x
    ``scale`` downsampling (antialiased, as MATLAB's ``imresize``); the detail
    is the residual, so ``structure + detail == frames``.

    Shapes: ``(..., c, h, w)`` in; two tensors of the same shape out.
    """
    shape = frames.shape
    flat = frames.reshape(-1, *shape[-3:])
    h, w = shape[-2:]
    small = F.interpolate(
        flat,
        size=(max(1, h // scale), max(1, w // scale)),
        mode='bicubic',
        align_corners=False,
        antialias=True)
    structure = F.interpolate(
        small, size=(h, w), mode='bicubic', align_corners=False)
    structure = structure.reshape(shape)
    return structure, frames - structure


def build_ensemble(ensemble: Union[bool, dict, None]):
    """The test-time ensemble of a config's ``ensemble`` setting.

    MMagic's ``SpatialTemporalEnsemble`` fits SFNet's ``2t-1`` outputs: the
    8 flips/transposes of the frames commute with the 4x upscaling, and
    reversing the t input frames reverses the order of the 2t-1 outputs
    (frame ``2i`` stays reconstructed, ``2i+1`` inserted), so flipping the
    output back in time aligns every frame with the forward run.

    Args:
        ensemble (bool | dict, optional): True: spatial and temporal (16
            runs); MMagic's form ``dict(type='SpatialTemporalEnsemble',
            is_temporal_ensemble=...)`` (8 runs without the temporal flip);
            None or False: none.

    Returns:
        nn.Module | None: Called as ``ensemble(lqs, net)``.
    """
    if ensemble is None or ensemble is False:
        return None
    from mmagic.models.archs import SpatialTemporalEnsemble
    if ensemble is True:
        return SpatialTemporalEnsemble(is_temporal_ensemble=True)
    if not isinstance(ensemble, dict) or \
            ensemble.get('type') != 'SpatialTemporalEnsemble' or \
            set(ensemble) - {'type', 'is_temporal_ensemble'}:
        raise ValueError(
            "ensemble must be True, False, None or dict(type='Spatial"
            "TemporalEnsemble', is_temporal_ensemble=bool), got "
            f'{ensemble!r}')
    return SpatialTemporalEnsemble(ensemble.get('is_temporal_ensemble', False))


@MODELS.register_module()
class SFVSR(BaseEditModel):
    """Editor of SFNet for ST-VSR, S-VSR and T-VSR.

    Paper: eq. 7. The loss sums, over all output frames, the Charbonnier
    penalty ``sqrt(x^2 + w^2)`` (w = 1e-3) of the HR frames, of their details
    and of their structures. ``pixel_loss`` gives ``ρ`` averaged over the
    elements of a batch; multiplying by the number of frames makes it the
    paper's sum over frames.

    Args:
        generator (dict): The net, usually ``dict(type='SFNet', ...)``. It
            must accept ``return_components=True`` and return ``(I, S, D)``.
        pixel_loss (dict): ``ρ``. Default: MMagic's ``CharbonnierLoss`` with
            ``eps = w^2 = 1e-6``.
        structure_weight (float): Weight of the structure term. Default: 1.
            At 0 the term is not trained on but still computed (without
            gradient) and logged as ``structure_error``.
        detail_weight (float): Weight of the detail term. Default: 1. At 0
            logged as ``detail_error``, as for the structure.
        scale (int): Down/up scale of the structure component. Default: 4.
        ensemble (bool | dict, optional): Test-time ensemble of validation
            and testing (``mode='tensor'``/``'predict'``), see
            :func:`build_ensemble`; True averages the 16 flips, transposes
            and time reversals (``--cfg-options model.ensemble=True`` in
            ``tools/test.py``). Default: None.
        channels_last (bool): Keep the generator's 4-d weights in the
            channels-last memory format, so that its convolutions (and their
            gradients) run in that layout. On CPU this trains the demo about
            1.2x faster (docs/demo.md, docs/inference.md); the losses and
            gradients equal the default layout's up to float summation
            order, and checkpoints load into either layout. Default: False.
        train_cfg, test_cfg, init_cfg, data_preprocessor: as in
            ``BaseEditModel``.
    """

    def __init__(self,
                 generator: dict,
                 pixel_loss: dict = dict(
                     type='CharbonnierLoss',
                     loss_weight=1.0,
                     eps=1e-6,
                     reduction='mean'),
                 structure_weight: float = 1.0,
                 detail_weight: float = 1.0,
                 scale: int = 4,
                 ensemble: Union[bool, dict, None] = None,
                 channels_last: bool = False,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None):
        super().__init__(
            generator=generator,
            pixel_loss=pixel_loss,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            init_cfg=init_cfg,
            data_preprocessor=data_preprocessor)
        self.structure_weight = structure_weight
        self.detail_weight = detail_weight
        self.scale = scale
        self.forward_ensemble = build_ensemble(ensemble)
        if channels_last:
            # before the runner wraps the model (DDP), so that its gradient
            # buckets and the optimizer's state take the same layout
            self.generator.to(memory_format=torch.channels_last)

    def forward_train(self,
                      inputs: torch.Tensor,
                      data_samples: Optional[List[DataSample]] = None,
                      **kwargs) -> Dict[str, torch.Tensor]:
        """Eq. 7 on a batch.

        Shapes: ``inputs (n, t, c, h, w)``; GT ``(n, T, c, H, W)``.
        """
        out, structure, detail = self.generator(
            inputs, return_components=True, **kwargs)
        gt = data_samples.gt_img
        if gt.ndim == 4 and out.ndim == 5:
            # T-VSR: one GT frame, the one inserted between the two inputs
            mid = out.size(1) // 2
            out, structure, detail = out[:, mid:mid + 1], \
                structure[:, mid:mid + 1], detail[:, mid:mid + 1]
            gt = gt.unsqueeze(1)
        if gt.shape != out.shape:
            raise ValueError(
                f'ground truth of shape {tuple(gt.shape)} does not match the '
                f'output {tuple(out.shape)} for inputs {tuple(inputs.shape)}: '
                'check the frame sampling (t inputs give 2t-1 outputs in '
                'ST-VSR) and that GT is exactly the scale of LR')
        gt_structure, gt_detail = structure_detail(gt, self.scale)
        num_frames = gt.size(1)
        losses = dict(loss_img=num_frames * self.pixel_loss(out, gt))
        for name, weight, pred, target in (('structure', self.structure_weight,
                                            structure, gt_structure),
                                           ('detail', self.detail_weight,
                                            detail, gt_detail)):
            if weight:
                losses[f'loss_{name}'] = num_frames * weight * \
                    self.pixel_loss(pred, target)
            else:
                # a key without 'loss' is logged, not summed into the loss
                with torch.no_grad():
                    losses[f'{name}_error'] = num_frames * self.pixel_loss(
                        pred, target)
        return losses

    def forward_tensor(self,
                       inputs: torch.Tensor,
                       data_samples: Optional[List[DataSample]] = None,
                       **kwargs) -> torch.Tensor:
        """The HR frames ``(n, 2t-1, c, 4h, 4w)`` of ``inputs (n, t, c, h,
        w)``, averaged over the ensemble's transforms if there is one (not
        with generator kwargs, which may change what it returns)."""
        if self.forward_ensemble is not None and not kwargs:
            return self.forward_ensemble(inputs, self.generator)
        return super().forward_tensor(inputs, data_samples, **kwargs)

    def forward_inference(self,
                          inputs: torch.Tensor,
                          data_samples: Optional[List[DataSample]] = None,
                          **kwargs) -> DataSample:
        """All output frames; the middle one when the GT is one image (T-VSR).
        """
        feats = self.forward_tensor(inputs, data_samples, **kwargs)
        feats = self.data_preprocessor.destruct(feats, data_samples)
        gt = data_samples.gt_img if data_samples is not None and \
            'gt_img' in data_samples else None
        if gt is not None and gt.ndim == 4 and feats.ndim == 5:
            feats = feats[:, feats.size(1) // 2]
        return DataSample(pred_img=feats.cpu())
