"""casekit: log anonymised low-back-pain cases and count, honestly, how often clinical
patterns recur."""

from .dictionary import Dictionary, Field, Form, load_dictionary
from .errors import CasekitError
from .store import Store

__version__ = "0.1.0"

__all__ = [
    "CasekitError",
    "Dictionary",
    "Field",
    "Form",
    "Store",
    "__version__",
    "load_dictionary",
]
