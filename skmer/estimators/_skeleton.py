"""The one skeleton of skmer's skorch estimators: parameters declared once, ``__init__`` derived.

scikit-learn needs every parameter in the signature of ``__init__`` and stored
unchanged under its own name; skorch needs its own arguments passed to
``NeuralNet.__init__``. Written by hand, that is 60-100 lines per estimator,
with the training parameters and the network's defaults repeated in each.
Here an estimator class declares only what is its own:

``_network``
    The torch module class built at ``fit`` (the default of ``module``).
``_network_parameters``
    Names of the module's keyword arguments that the estimator exposes
    unchanged. Their defaults are read from the module's signature, their
    constraints from its ``_parameter_constraints``, and
    ``_NetMixin._network_kwargs`` passes them to the module.
``_estimator_parameters``
    The estimator's other parameters (recipe options, label handling) and
    their defaults, keyword-only.
``_training_defaults``
    Its defaults of the shared :data:`TRAINING_PARAMETERS`, where they differ.

and :func:`declared_parameters`, a class decorator, writes ``__init__`` with
the real signature (``network parameters, *, estimator parameters, training
parameters, module, **kwargs``) and completes ``_parameter_constraints`` with
the network's constraints. Subclasses extend the declarations of their
parents by dict or tuple merging, as they do ``_parameter_constraints``::

    @declared_parameters
    class ADFFRegressor(_ADFFMixin, NeuralNetRegressor):
        _estimator_parameters = {**_ADFFMixin._estimator_parameters,
                                 "target_scaling": False}
        _training_defaults = {**_ADFFMixin._training_defaults,
                              "criterion": torch.nn.MSELoss}
"""

from __future__ import annotations

import inspect

import torch

__all__ = ["TRAINING_PARAMETERS", "declared_parameters"]

#: The training parameters every skmer skorch estimator has, in signature order,
#: with the defaults an estimator gets unless its ``_training_defaults`` say
#: otherwise. ``lr``, ``max_epochs``, ``batch_size``, ``optimizer``,
#: ``criterion``, ``train_split``, ``device`` and ``verbose`` are skorch's own.
TRAINING_PARAMETERS = {
    "lr": 1e-3,
    "weight_decay": 1e-5,
    "max_epochs": 50,
    "batch_size": 16,
    "lr_milestones": None,
    "lr_gamma": 0.5,
    "optimizer": torch.optim.Adam,
    "criterion": None,
    "train_split": None,
    "random_state": None,
    "device": "cpu",
    "verbose": 1,
}


def _network_defaults(network, names):
    signature = inspect.signature(network.__init__).parameters
    missing = [name for name in names if name not in signature]
    if missing:
        raise TypeError(f"{network.__name__} has no keyword arguments {missing}")
    return {name: signature[name].default for name in names}


def _skorch_arguments(cls):
    """Names of the arguments of the skorch classes' ``__init__`` in ``cls``'s MRO."""
    names = set()
    for base in cls.__mro__:
        if base.__module__.startswith("skorch.") and "__init__" in vars(base):
            names.update(p.name for p in inspect.signature(base.__init__).parameters.values()
                         if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
    return names - {"self", "module"}


def declared_parameters(cls):
    """Class decorator: ``__init__`` and the network's constraints from the declarations.

    Parameters
    ----------
    cls : type
        A subclass of ``_NetMixin`` and a skorch net class, with the class
        attributes described in the module docstring.

    Returns
    -------
    cls : type
        The same class, with ``__init__`` and ``_parameter_constraints`` set.
    """
    network = cls._network
    network_names = tuple(cls._network_parameters)
    defaults = {
        **_network_defaults(network, network_names),
        **cls._estimator_parameters,
        **{name: cls._training_defaults.get(name, default)
           for name, default in TRAINING_PARAMETERS.items()},
        "module": network,
    }
    unknown = set(cls._training_defaults) - set(TRAINING_PARAMETERS)
    if unknown:
        raise TypeError(f"{cls.__name__}._training_defaults names no training parameter: "
                        f"{sorted(unknown)}")
    P = inspect.Parameter
    signature = inspect.Signature([
        P("self", P.POSITIONAL_OR_KEYWORD),
        *(P(name, P.POSITIONAL_OR_KEYWORD, default=defaults[name]) for name in network_names),
        *(P(name, P.KEYWORD_ONLY, default=value) for name, value in defaults.items()
          if name not in network_names),
        P("kwargs", P.VAR_KEYWORD),
    ])
    to_skorch = _skorch_arguments(cls) & set(defaults)

    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        values = dict(bound.arguments)
        del values["self"]
        extra = values.pop("kwargs")
        module = values.pop("module")
        super(cls, self).__init__(module, **{name: values.pop(name) for name in to_skorch},
                                  **extra)
        for name, value in values.items():
            setattr(self, name, value)

    __init__.__signature__ = signature
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__module__ = cls.__module__
    __init__.__doc__ = f"Store the parameters (see :class:`{cls.__name__}`)."
    cls.__init__ = __init__
    cls._parameter_constraints = {
        **{name: network._parameter_constraints[name] for name in network_names
           if name in network._parameter_constraints},
        **cls._parameter_constraints,
    }
    return cls
