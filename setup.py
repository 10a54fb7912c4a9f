"""Packaging for sfvsr_plugin (`make install` installs the pinned stack)."""
from setuptools import find_packages, setup


def read_version():
    ns = {}
    with open('sfvsr_plugin/version.py') as f:
        exec(f.read(), ns)
    return ns['__version__']


setup(
    name='sfvsr_plugin',
    version=read_version(),
    description='Store-and-fetch space-time video super-resolution (SFNet) '
    'as an MMagic plugin',
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['sfvsr_plugin', 'sfvsr_plugin.*']),
    python_requires='>=3.9',
    install_requires=['mmagic==1.2.0', 'mmcv>=2.0.0,<2.2.0', 'mmengine>=0.10'],
    # requirements/tests.txt: the test suite, and sfvsr_plugin.testing's
    # stand-in datasets (decoded with av and scikit-video)
    extras_require={
        'tests': [
            'av', 'scikit-video==1.1.11', 'onnx==1.23.2',
            'onnxruntime==1.32.0', 'ml_dtypes<0.6', 'pytest', 'pytest-timeout',
            'flake8', 'isort', 'yapf==0.43.0'
        ]
    },
    license='Apache-2.0',
    zip_safe=False,
)
