import torch
from mmagic.registry import MODELS
from mmagic.structures import DataSample

from sfvsr_plugin.models import structure_detail
from sfvsr_plugin.testing import tiny_sfnet_cfg

PREPROCESSOR = dict(
    type='DataPreprocessor', mean=[0., 0., 0.], std=[255., 255., 255.])


def rho(x):
    """Eq. 7's Charbonnier penalty (w = 1e-3), mean over a frame's
    elements, summed over the frames of ``(n, t, c, h, w)``."""
    return torch.sqrt(x**2 + 1e-6).mean(dim=(0, 2, 3, 4)).sum()


def make_batch(model, n=2, t=2, h=8, w=8, out_frames=None, train=True):
    """What a dataloader gives after PackInputs, through the preprocessor."""
    out_frames = out_frames or 2 * t - 1
    samples = []
    for _ in range(n):
        s = DataSample(
            gt_img=torch.randint(0, 256, (out_frames, 3, 4 * h,
                                          4 * w)).float())
        s.set_metainfo(dict(gt_channel_order='rgb', img_channel_order='rgb'))
        samples.append(s)
    data = dict(
        inputs=[torch.randint(0, 256, (t, 3, h, w)).float() for _ in range(n)],
        data_samples=samples)
    return model.data_preprocessor(data, training=train)


def test_structure_plus_detail_is_the_frame():
    frames = torch.rand(2, 3, 3, 32, 24)
    s, d = structure_detail(frames)
    torch.testing.assert_close(s + d, frames)
    # a frame that is already smooth at 1/4 scale is (almost) all structure
    smooth = torch.nn.functional.interpolate(
        torch.rand(1, 3, 8, 6), scale_factor=4, mode='bilinear')
    s, d = structure_detail(smooth)
    assert d.abs().mean() < 0.1 * smooth.abs().mean()
    # and white noise is mostly detail
    s, d = structure_detail(torch.rand(1, 3, 32, 32))
    assert d.abs().mean() > s.sub(s.mean()).abs().mean()


def test_loss_is_eq7_summed_over_frames():
    model = MODELS.build(
        dict(
            type='SFVSR',
            generator=tiny_sfnet_cfg(),
            data_preprocessor=PREPROCESSOR))
    data = make_batch(model)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_img', 'loss_structure', 'loss_detail'}
    out, s, d = model.generator(data['inputs'], return_components=True)
    gt = data['data_samples'].gt_img
    gs, gd = structure_detail(gt)

    torch.testing.assert_close(losses['loss_img'], rho(out - gt))
    torch.testing.assert_close(losses['loss_structure'], rho(s - gs))
    torch.testing.assert_close(losses['loss_detail'], rho(d - gd))
    sum(losses.values()).backward()
    assert all(p.grad is not None for p in model.generator.parameters())


def test_gt_shape_mismatch_is_explained():
    model = MODELS.build(
        dict(
            type='SFVSR',
            generator=tiny_sfnet_cfg(),
            data_preprocessor=PREPROCESSOR))
    data = make_batch(model, out_frames=2)
    try:
        model(**data, mode='loss')
    except ValueError as err:
        assert 'ground truth of shape' in str(err) and '2t-1' in str(err)
    else:
        raise AssertionError('a 2-frame GT for 3 outputs must be refused')


def test_predict_packs_all_frames_for_metrics():
    model = MODELS.build(
        dict(
            type='SFVSR',
            generator=tiny_sfnet_cfg(),
            data_preprocessor=PREPROCESSOR)).eval()
    data = make_batch(model, n=1, t=3, train=False)
    with torch.no_grad():
        out = model(**data, mode='predict')
    assert len(out) == 1
    assert out[0].output.pred_img.shape == (5, 3, 32, 32)
    # destructed back to pixel values
    assert out[0].output.pred_img.abs().max() > 2


def test_sfnet_svsr_is_a_generator_for_mmagic_basicvsr():
    """SFNet without frame insertion inside MMagic's own BasicVSR editor."""
    model = MODELS.build(
        dict(
            type='BasicVSR',
            generator=tiny_sfnet_cfg(interpolate=False),
            pixel_loss=dict(
                type='CharbonnierLoss', loss_weight=1.0, reduction='mean'),
            data_preprocessor=PREPROCESSOR))
    data = make_batch(model, t=3, out_frames=3)
    losses = model(**data, mode='loss')
    assert losses['loss'].ndim == 0 and torch.isfinite(losses['loss'])
    losses['loss'].backward()
    assert model.generator.head.detail_reconstruction[
        -1].weight.grad is not None


def test_tvsr_loss_uses_the_inserted_middle_frame():
    """T-VSR: two full-resolution frames in, the frame between them out."""
    model = MODELS.build(
        dict(
            type='SFVSR',
            generator=tiny_sfnet_cfg(upscale_factor=1),
            data_preprocessor=PREPROCESSOR))
    samples = []
    for _ in range(2):
        s = DataSample(gt_img=torch.randint(0, 256, (3, 16, 16)).float())
        samples.append(s)
    data = model.data_preprocessor(
        dict(
            inputs=[torch.randint(0, 256, (2, 3, 16, 16)).float()] * 2,
            data_samples=samples),
        training=True)
    losses = model(**data, mode='loss')
    out = model.generator(data['inputs'])
    assert out.shape == (2, 3, 3, 16, 16)
    gt = data['data_samples'].gt_img
    expected = torch.sqrt((out[:, 1] - gt)**2 + 1e-6).mean()
    torch.testing.assert_close(losses['loss_img'], expected)
    model.eval()
    pred = model(**data, mode='predict')
    assert pred[0].output.pred_img.shape == (3, 16, 16)


def test_channels_last_training_equals_the_default_layout():
    """``channels_last=True``: the convolutions run channels-last, and the
    losses and gradients equal the default layout's for the same weights
    (within 1e-5); its checkpoints load into a default-layout editor."""

    def build(channels_last):
        torch.manual_seed(0)
        return MODELS.build(
            dict(
                type='SFVSR',
                generator=tiny_sfnet_cfg(),
                channels_last=channels_last,
                data_preprocessor=PREPROCESSOR))

    ref, fast = build(False), build(True)
    torch.manual_seed(1)
    data = make_batch(ref, h=16, w=16)
    layouts = []
    for module in fast.generator.modules():
        if isinstance(module, torch.nn.Conv2d):
            assert module.weight.is_contiguous(
                memory_format=torch.channels_last)
            module.register_forward_hook(lambda m, args, out: layouts.append(
                out.is_contiguous(memory_format=torch.channels_last)))
    results = []
    for model in (ref, fast):
        losses = model(**data, mode='loss')
        sum(losses.values()).backward()
        results.append((losses, {
            name: p.grad
            for name, p in model.named_parameters() if p.grad is not None
        }))
    assert layouts and all(layouts)
    (ref_losses, ref_grads), (losses, grads) = results
    for key in ref_losses:
        torch.testing.assert_close(
            losses[key], ref_losses[key], rtol=1e-5, atol=1e-5)
    assert grads.keys() == ref_grads.keys() and len(grads) > 50
    for name in ref_grads:
        scale = ref_grads[name].abs().max().clamp(min=1e-3)
        assert (grads[name] - ref_grads[name]).abs().max() <= 1e-5 * scale, \
            name
    # a checkpoint of the channels-last editor in a default-layout one
    ref.load_state_dict(fast.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(
            ref(**data, mode='tensor'),
            fast(**data, mode='tensor'),
            rtol=1e-5,
            atol=1e-5)


def test_zero_weight_terms_are_logged_not_trained():
    """With ``structure_weight=detail_weight=0`` the loss MMEngine sums is
    the frame term alone; the structure and detail errors are still
    reported, unweighted and without gradient."""
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='SFVSR',
            generator=tiny_sfnet_cfg(),
            structure_weight=0.,
            detail_weight=0.,
            data_preprocessor=PREPROCESSOR))
    data = make_batch(model)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_img', 'structure_error', 'detail_error'}
    assert not losses['structure_error'].requires_grad
    total, log_vars = model.parse_losses(losses)
    torch.testing.assert_close(total, losses['loss_img'])
    assert {'structure_error', 'detail_error'} <= set(log_vars)
    out, s, d = model.generator(data['inputs'], return_components=True)
    gs, gd = structure_detail(data['data_samples'].gt_img)

    torch.testing.assert_close(losses['structure_error'], rho(s - gs))
    torch.testing.assert_close(losses['detail_error'], rho(d - gd))


def test_eq7_pulls_the_detail_off_the_frame_where_the_structure_misses():
    """Why the demo trains on the frame term alone (docs/demo.md): where S
    misses its target, eq. 7's detail term pulls D towards ``gt_D`` while
    the frame term pulls it towards ``gt - S``. At the D that makes the
    frame exact the gradient of eq. 7 is not zero; with
    ``structure_weight = detail_weight = 0`` it is."""
    torch.manual_seed(0)
    gt = torch.rand(1, 3, 3, 16, 16)
    gt_structure, _ = structure_detail(gt)
    structure = gt_structure + 0.05 * torch.randn_like(gt)  # S misses

    class FixedStructure(torch.nn.Module):
        """S fixed off its target, D a free tensor."""

        def __init__(self):
            super().__init__()
            self.detail = torch.nn.Parameter(gt - structure)  # frame exact

        def forward(self, inputs, return_components=False):
            return structure + self.detail, structure, self.detail

    for weight, moves in ((1., True), (0., False)):
        model = MODELS.build(
            dict(
                type='SFVSR',
                generator=tiny_sfnet_cfg(),
                structure_weight=weight,
                detail_weight=weight))
        model.generator = FixedStructure()
        losses = model.forward_train(
            torch.zeros(1, 2, 3, 4, 4), DataSample(gt_img=gt))
        total, _ = model.parse_losses(losses)
        total.backward()
        grad = model.generator.detail.grad.abs().mean()
        # the frame term's Charbonnier gradient at zero error is exactly 0
        assert (grad > 1e-4) == moves, (weight, grad)
