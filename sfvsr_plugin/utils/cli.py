"""Argument types the command-line tools share.

A bad value ends the tool with argparse's one-line ``error: argument
--name: expected ...`` and exit status 2, never a traceback.
"""
import argparse
from typing import Callable, Type, Union


def number_arg(kind: Type[Union[int, float]],
               minimum: Union[int, float],
               strict: bool = False) -> Callable[[str], Union[int, float]]:
    """An argparse type: ``kind`` (int or float) ``>= minimum`` (``>`` with
    ``strict``).

    Example: ``parser.add_argument('--tile', type=number_arg(int, 1))``.
    """

    def parse(value: str):
        try:
            number = kind(value)
        except ValueError:
            number = None
        if number is None or number < minimum or (strict
                                                  and number == minimum):
            raise argparse.ArgumentTypeError(
                f'expected {"an integer" if kind is int else "a number"} '
                f'{">" if strict else ">="} {minimum}, got {value!r}')
        return number

    return parse
