"""The test pipeline of the dataset tests (the stand-in datasets are
fixtures of tests/conftest.py)."""


def pipeline(mode='stvsr', lr=True, extra=()):
    """Test pipeline: sampling, loading, checks, ``extra``, packing."""
    steps = [dict(type='OddFrameSampling', mode=mode)]
    if lr:
        steps.append(dict(type='LoadClipFrames', key='img'))
    steps.append(dict(type='LoadClipFrames', key='gt'))
    if not lr:
        steps.append(dict(type='MakeLRFromGT', scale=4))
    steps.append(dict(type='CheckLRScale', scale=1 if mode == 'tvsr' else 4))
    steps.extend(extra)
    steps.append(
        dict(
            type='PackInputs',
            meta_keys=[
                'key', 'clip', 'input_frame_indices', 'inserted_frame_indices',
                'frame_offset'
            ]))
    return steps
