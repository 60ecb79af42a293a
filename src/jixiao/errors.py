"""Exceptions that end the processing of one input (the batch goes on)."""

from __future__ import annotations


class InputError(Exception):
    """An input that cannot be processed; the message is one line naming the cause."""


class UnsupportedInput(InputError):
    pass


class EmptyInput(InputError):
    pass


class NotText(InputError):
    pass


class NotAForm(InputError):
    pass
