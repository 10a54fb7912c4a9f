import os

import pytest

from sfvsr_plugin.outputs import (OutputError, atomic_output, check_output,
                                  partial_path)


@pytest.fixture
def tree(tmp_path):
    (tmp_path / 'frames').mkdir()
    (tmp_path / 'frames' / '0.png').write_bytes(b'frame')
    (tmp_path / 'clip.mp4').write_bytes(b'video')
    return tmp_path


@pytest.mark.parametrize('overwrite', [False, True])
def test_an_input_is_never_an_output(tree, overwrite):
    clip, frames = tree / 'clip.mp4', tree / 'frames'
    (tree / 'link.mp4').symlink_to(clip)
    os.link(clip, tree / 'hard.mp4')
    (tree / 'frames_link').symlink_to(frames)
    refused = [
        (clip, clip, False, 'is the input'),
        (tree / 'sub' / '..' / 'clip.mp4', clip, False, 'is the input'),
        (tree / 'link.mp4', clip, False, 'is the input'),  # symlink
        (tree / 'hard.mp4', clip, False, 'is the input'),  # hard link
        (frames, frames, True, 'is the input'),
        (tree / 'frames_link', frames, True, 'is the input'),
        (frames / 'out', frames, True, 'lies inside the input folder'),
        (tree / 'frames_link' / 'x', frames, True, 'lies inside'),
        (frames / 'out.mp4', frames, False, 'lies inside the input folder'),
        (tree, frames, True, 'contains the input'),
    ]
    for output, given, folder, words in refused:
        with pytest.raises(OutputError, match=words):
            check_output(output, [given], overwrite=overwrite, folder=folder)
    # siblings are fine (frames_x4 shares a prefix with frames, not a folder)
    check_output(tree / 'frames_x4', [frames], folder=True)
    check_output(tree / 'clip_x4.mp4', [clip])


def test_existing_results_need_overwrite(tree):
    clip, frames = tree / 'clip.mp4', tree / 'frames'
    with pytest.raises(OutputError, match='already exists: pass --overwrite'):
        check_output(clip)
    check_output(clip, overwrite=True)
    with pytest.raises(OutputError, match='not empty: pass X'):
        check_output(frames, folder=True, option='X')
    check_output(frames, folder=True, overwrite=True)
    (tree / 'empty').mkdir()
    check_output(tree / 'empty', folder=True)
    with pytest.raises(OutputError, match='is a file, not a folder'):
        check_output(clip, folder=True, overwrite=True)
    with pytest.raises(OutputError, match='is a folder'):
        check_output(frames, overwrite=True)


def test_atomic_output_renames_only_a_complete_file(tmp_path):
    path = tmp_path / 'out.onnx'
    path.write_bytes(b'old')
    tmp = partial_path(str(path))
    assert tmp == str(tmp_path / '.out.partial.onnx')
    with pytest.raises(RuntimeError):
        with atomic_output(path) as written:
            assert written == tmp
            with open(written, 'wb') as f:
                f.write(b'half')
            raise RuntimeError('killed')
    assert path.read_bytes() == b'old' and not os.path.exists(tmp)
    with atomic_output(path) as written:
        with open(written, 'wb') as f:
            f.write(b'new')
        assert path.read_bytes() == b'old'  # not before the end
    assert path.read_bytes() == b'new' and not os.path.exists(tmp)
