"""Job handlers: every module in this package registers its handlers when imported."""

import importlib
import pkgutil


def load_all() -> list[str]:
    """Imports every handler module; returns their names."""
    names = []
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
        names.append(info.name)
    return sorted(names)
