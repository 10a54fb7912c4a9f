"""BasicVSR++ with SFNet's store-and-fetch memory (``BasicVSRPlusPlusSFNet``).

What a branch's memory may read: at frame k, its own container's states of
frames >= k+2 (backward branches, which visit T-1, ..., 0) or <= k-2
(forward branches, 0, ..., T-1). The tests check the frames every fetch
reads, and that a change to the stored state of frame j reaches exactly
the frames that may read it (and, through the branch's own recurrence,
the frames the branch visits after those), and nothing the branches before
it computed. Sizes are tiny (8 channels) but the LR frames are 64x64,
the smallest SPyNet accepts.
"""
import copy

import pytest
import torch
from mmagic.registry import MODELS

import sfvsr_plugin  # noqa: F401
from sfvsr_plugin.models.basicvsr_pp_memory import BRANCHES

T = 5
MEMORY = dict(
    type='PropagationMemory',
    distant_fetch=dict(type='DistantFetch', key_channels=8),
    dynamic_selection=dict(type='DynamicSelection', num_blocks=1))
CONCAT = dict(MEMORY, dynamic_selection=None)


def build(memory=MEMORY, seed=0, **kwargs):
    torch.manual_seed(seed)
    return MODELS.build(
        dict(
            type='BasicVSRPlusPlusSFNet',
            mid_channels=8,
            num_blocks=1,
            memory=copy.deepcopy(memory),
            **kwargs)).eval()


def clip(seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(1, T, 3, 64, 64, generator=g)


def reuse_flows(net):
    """SPyNet's flows of the first call for every later call with the same
    frames (the tests below change states, not frames)."""
    compute_flow = net.compute_flow
    cache = {}

    def cached(lqs):
        if 'lqs' not in cache:
            cache['lqs'], cache['flows'] = lqs, compute_flow(lqs)
        assert torch.equal(lqs, cache['lqs'])
        return cache['flows']

    net.compute_flow = cached


def run(net, lqs, perturb=None, output=True):
    """Output and, per branch, the backbone's residual at every frame.

    ``perturb=(branch, j)`` adds 1 to the state the branch stores for
    frame j (only the stored copy: the branch's own recurrence is
    untouched). ``output=False`` skips the x4 reconstruction (half the
    time at these sizes) and returns None for the output.
    """
    residuals = {b: {} for b in BRANCHES}
    handles, saved = [], {}
    for branch in BRANCHES:
        memory = net.memory[branch]

        def record(module, args, out, branch=branch, memory=memory):
            residuals[branch][memory._sequence.frame] = out.detach().clone()

        handles.append(net.backbone[branch].register_forward_hook(record))
    if perturb is not None:
        branch, j = perturb
        memory = net.memory[branch]
        saved[branch] = store = memory.store
        memory.store = lambda k, s: store(k, s + 1 if k == j else s)
    if not output:
        net.upsample = lambda lqs, feats: None
    try:
        with torch.no_grad():
            out = net(lqs)
    finally:
        for h in handles:
            h.remove()
        for branch, store in saved.items():
            del net.memory[branch].store
        if not output:
            del net.upsample
    return out, residuals


def changed(a, b):
    """Frames whose tensors differ (bit for bit)."""
    return sorted(k for k in a if not torch.equal(a[k], b[k]))


@pytest.mark.parametrize('capacity', [None, 2])
def test_every_fetch_reads_frames_two_or_more_steps_back(capacity):
    net = build(dict(MEMORY, container_capacity=capacity))
    reads = {b: {} for b in BRANCHES}
    for branch in BRANCHES:
        memory = net.memory[branch]
        fetch = memory.distant_fetch.forward

        def spy(feat, memories, branch=branch, memory=memory, fetch=fetch):
            (entries, ) = memories.values()
            reads[branch][memory._sequence.frame] = [e.index for e in entries]
            return fetch(feat, memories)

        memory.distant_fetch.forward = spy
    with torch.no_grad():
        net(clip())
    for branch in BRANCHES:
        if branch.startswith('backward'):
            expected = {k: list(range(k + 2, T)) for k in range(T - 2)}
            if capacity:  # the nearest ones
                expected = {k: v[:capacity] for k, v in expected.items()}
        else:
            expected = {k: list(range(k - 1)) for k in range(2, T)}
            if capacity:
                expected = {k: v[-capacity:] for k, v in expected.items()}
        # frames with nothing to read do not call DF at all
        assert reads[branch] == expected, branch


@pytest.mark.parametrize('memory', [MEMORY, CONCAT], ids=['ds', 'concat'])
def test_a_stored_state_reaches_only_the_frames_that_may_read_it(memory):
    net = build(memory)
    reuse_flows(net)
    lqs = clip()
    out, base = run(net, lqs)
    _, base_again = run(net, lqs, output=False)  # nothing kept between clips
    for branch in BRANCHES:
        assert changed(base[branch], base_again[branch]) == []

    for position, branch in enumerate(BRANCHES):
        backward = branch.startswith('backward')
        j = 4 if backward else 1
        out_p, pert = run(
            net, lqs, perturb=(branch, j), output=branch == 'forward_2')
        # backward: frames k <= j-2 read j (and k < j-2 follow them in the
        # branch's order); forward: frames k >= j+2
        expected = list(range(j - 1)) if backward else list(range(j + 2, T))
        assert changed(base[branch], pert[branch]) == expected, branch
        for earlier in BRANCHES[:position]:  # ran before: untouched
            assert changed(base[earlier], pert[earlier]) == [], branch
        if branch == 'forward_2':  # the last branch: the output too
            frames = {k: out[0, k] for k in range(T)}
            frames_p = {k: out_p[0, k] for k in range(T)}
            assert changed(frames, frames_p) == expected


def test_a_changed_input_frame_reaches_backward_1_only_at_or_before_it():
    """The first backward branch sees frames >= k (its features, flows and
    memory): with the memory it stays causal in that direction."""
    net = build()
    lqs = clip()
    j = 3
    lqs_p = lqs.clone()
    lqs_p[:, j] += 0.1
    _, base = run(net, lqs, output=False)
    _, pert = run(net, lqs_p, output=False)
    assert changed(base['backward_1'],
                   pert['backward_1']) == list(range(j + 1))


def test_memory_changes_the_output_of_basicvsr_pp_with_the_same_weights():
    torch.manual_seed(0)
    plain = MODELS.build(
        dict(type='BasicVSRPlusPlusNet', mid_channels=8, num_blocks=1)).eval()
    weights = plain.state_dict()
    lqs = clip()
    with torch.no_grad():
        reference = plain(lqs)

    # memory=None is BasicVSR++ itself
    none = build(None)
    none.load_state_dict(weights)
    with torch.no_grad():
        torch.testing.assert_close(none(lqs), reference, rtol=0, atol=0)

    # DS: BasicVSR++'s parameters keep their names and shapes; the memory
    # adds its own, and changes the output
    net = build(MEMORY, seed=3)
    missing, unexpected = net.load_state_dict(weights, strict=False)
    assert not unexpected
    assert missing and all(k.startswith('memory.') for k in missing)
    with torch.no_grad():
        assert (net(lqs) - reference).abs().max() > 1e-3

    # concat: the fetched state enters the backbone's first conv; with
    # zero weights there the net is BasicVSR++, with any others it is not
    net = build(CONCAT, seed=3)
    padded = dict(weights)
    for i, branch in enumerate(BRANCHES):
        key = f'backbone.{branch}.main.0.weight'
        w = weights[key]
        assert net.state_dict()[key].shape[1] == w.shape[1] + 8
        padded[key] = torch.cat([w, w.new_zeros(8, 8, 3, 3)], dim=1)
    net.load_state_dict(padded, strict=False)
    with torch.no_grad():
        torch.testing.assert_close(net(lqs), reference, rtol=1e-5, atol=1e-5)
        net.backbone['forward_2'].main[0].weight[:, -8:].normal_(0, 0.1)
        assert (net(lqs) - reference).abs().max() > 1e-3


def test_outside_a_sequence_the_memory_refuses():
    net = build()
    with pytest.raises(RuntimeError, match='outside'):
        net.backbone['backward_1'](torch.rand(1, 16, 64, 64))
