"""Declared parameter validation, the scikit-learn way.

Every skmer estimator declares its parameters' types and ranges in a class
attribute ``_parameter_constraints`` (a dict ``name -> list of constraints``,
the language of :mod:`sklearn.utils._param_validation`: ``Interval``,
``StrOptions``, ``None``, ``"boolean"``, ``"random_state"``, types ...).
A subclass extends its parent's dict, as imbalanced-learn does::

    _parameter_constraints = {**_NetMixin._parameter_constraints,
                              "width": [Interval(Real, 0, None, closed="neither")]}

:func:`validate_constraints` checks them at ``fit`` and raises scikit-learn's
``InvalidParameterError`` (a ``ValueError`` and ``TypeError``) naming the
parameter, the estimator and what was expected. The skorch estimators call it
from their own ``fit`` because skorch owns ``NeuralNet._validate_params``; it
is scikit-learn's ``validate_parameter_constraints`` loop, extended to the
constraints below.
Only checks that relate several values (``fmin < fmax``, ``seg_num`` against
the number of frames) are written by hand.

This module also holds the few constraints scikit-learn does not have.
"""

from __future__ import annotations

import os
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    make_constraint,
)

__all__ = [
    "FINITE_POSITIVE",
    "MEMORY",
    "NON_NEGATIVE",
    "N_JOBS",
    "ON_ERROR",
    "RANDOM_STATE",
    "POSITIVE",
    "POSITIVE_INT",
    "ClassWeight",
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "NumpyGenerator",
    "IntSequence",
    "OptionSequence",
    "Options",
    "StrOptions",
    "TorchDevice",
    "UNIT_RATE",
    "validate_arguments",
    "seed_from",
    "validate_constraints",
]

#: Shorthands used by several estimators.
POSITIVE = Interval(Real, 0, None, closed="neither")
NON_NEGATIVE = Interval(Real, 0, None, closed="left")
POSITIVE_INT = Interval(Integral, 1, None, closed="left")
#: A finite number > 0 (e.g. a width multiplier).
FINITE_POSITIVE = Interval(Real, 0, np.inf, closed="neither")
#: A probability-like rate in [0, 1) (e.g. dropout).
UNIT_RATE = Interval(Real, 0, 1, closed="left")
#: ``memory``: a cache folder or a ``joblib.Memory`` (anything with ``cache``), or None.
MEMORY = [None, str, os.PathLike, HasMethods(["cache"])]
#: ``n_jobs``, as in joblib.
N_JOBS = [None, Integral]
#: ``on_error`` of the batch extractors.
ON_ERROR = [StrOptions({"raise", "skip", "warn"})]


def validate_constraints(obj, names=None):
    """Check ``obj``'s parameters against ``type(obj)._parameter_constraints``.

    Parameters
    ----------
    obj : estimator
        Any object with a ``_parameter_constraints`` class attribute; its
        parameters are read as attributes.
    names : iterable of str or None, default=None
        Check only these parameters (default: all declared ones).

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        For the first parameter that meets none of its constraints, with
        scikit-learn's message ("The 'lr' parameter of ADFFRegressor must be
        a float in the range [0, inf). Got -1.0 instead.").
    """
    declared = type(obj)._parameter_constraints
    wanted = declared if names is None else names
    validate_arguments(declared, {n: getattr(obj, n) for n in wanted if hasattr(obj, n)},
                       type(obj).__name__)


def validate_arguments(constraints, values, caller):
    """Check named values (a function's or a torch module's arguments) against constraints.

    Parameters
    ----------
    constraints : dict of str -> list
        As ``_parameter_constraints``; names missing from it are not checked.
    values : dict of str -> object
        The arguments, e.g. ``{"seg_num": 6, "width": 0.125}``.
    caller : str
        Named in the message, e.g. ``'ADFFNet'``.

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        A ``ValueError`` (and ``TypeError``) with scikit-learn's message.
    """
    for name, value in values.items():
        if name not in constraints or constraints[name] == "no_validation":
            continue
        checks = [c if isinstance(c, _SkmerConstraint) else make_constraint(c)
                  for c in constraints[name]]
        if any(_satisfies(c, value) for c in checks):
            continue
        shown = [str(c) for c in checks if not getattr(c, "hidden", False)]
        expected = shown[0] if len(shown) == 1 else (
            f"{', '.join(shown[:-1])} or {shown[-1]}")
        raise InvalidParameterError(
            f"The {name!r} parameter of {caller} must be {expected}. Got {value!r} instead."
        )


def _satisfies(constraint, value):
    # True and False are no numbers here (scikit-learn's Interval(Integral) accepts them)
    if isinstance(constraint, Interval) and isinstance(value, (bool, np.bool_)):
        return False
    return constraint.is_satisfied_by(value)


class _SkmerConstraint:
    """Base of the constraints scikit-learn does not provide."""

    hidden = False

    def is_satisfied_by(self, val):  # pragma: no cover - abstract
        raise NotImplementedError


class IntSequence(_SkmerConstraint):
    """A (possibly empty) sequence of integers >= `minimum`, e.g. learning-rate milestones.

    Parameters
    ----------
    minimum : int
        Smallest allowed element.
    """

    def __init__(self, minimum):
        self.minimum = minimum

    def is_satisfied_by(self, val):
        if isinstance(val, (str, bytes)) or not hasattr(val, "__iter__"):
            return False
        return all(isinstance(v, Integral) and not isinstance(v, bool) and v >= self.minimum
                   for v in val)

    def __str__(self):
        return f"a sequence of integers >= {self.minimum}"


class NumpyGenerator(_SkmerConstraint):
    """A :class:`numpy.random.Generator` (with scikit-learn's ``"random_state"``: one policy)."""

    def is_satisfied_by(self, val):
        return isinstance(val, np.random.Generator)

    def __str__(self):
        return "a numpy Generator"


#: ``random_state`` everywhere in skmer: None, an int, a numpy RandomState or Generator.
RANDOM_STATE = ["random_state", NumpyGenerator()]


def seed_from(random_state):
    """An int seed for `random_state` (None stays None).

    Parameters
    ----------
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator
        An int is returned as is; a RandomState or Generator draws a seed in
        ``[0, 2**31 - 1)`` (advancing its state).

    Returns
    -------
    seed : int or None
    """
    if random_state is None:
        return None
    if isinstance(random_state, Integral) and not isinstance(random_state, (bool, np.bool_)):
        return int(random_state)
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**31 - 1))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(2**31 - 1))
    raise InvalidParameterError(
        "random_state must be None, an int, a numpy RandomState or Generator; got "
        f"{random_state!r}"
    )


class OptionSequence(_SkmerConstraint):
    """A non-empty sequence of strings, each one of `options` (e.g. statistics' names).

    Parameters
    ----------
    options : iterable of str
        The allowed elements.
    """

    def __init__(self, options):
        self.options = tuple(options)

    def is_satisfied_by(self, val):
        if isinstance(val, (str, bytes)) or not hasattr(val, "__iter__"):
            return False
        val = list(val)
        return bool(val) and all(isinstance(v, str) and v in self.options for v in val)

    def __str__(self):
        return f"a non-empty sequence of names among {list(self.options)}"


class ClassWeight(_SkmerConstraint):
    """A dict mapping labels (or tag names) to finite weights >= 0."""

    def is_satisfied_by(self, val):
        return isinstance(val, dict) and all(
            isinstance(w, Real) and not isinstance(w, bool) and np.isfinite(w) and w >= 0
            for w in val.values()
        )

    def __str__(self):
        return "a dict {label: weight >= 0}"


class TorchDevice(_SkmerConstraint):
    """``'auto'`` or anything :class:`torch.device` accepts (``'cpu'``, ``'cuda:0'``, ...)."""

    def is_satisfied_by(self, val):
        import torch

        if isinstance(val, str) and val == "auto":
            return True
        if isinstance(val, bool):
            return False
        try:
            torch.device(val)
        except (RuntimeError, TypeError, ValueError):
            return False
        return True

    def __str__(self):
        return "'cpu', 'cuda', 'auto' or a torch device"
