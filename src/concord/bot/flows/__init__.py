"""One module per flow; each registers itself with the engine (`@flow("name")`) on import.

Adding a flow is adding a module here: `load_all` imports every module of this package, and
the flow's `menu_order` places its button in the main menu.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module


def load_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        import_module(f"{__name__}.{module.name}")
