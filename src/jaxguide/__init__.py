"""jaxguide: the companion package of an executable guide to JAX's transformations.

The pages of the site import everything they run from here: reference examples
(:mod:`jaxguide.examples`), the measurement harness (:mod:`jaxguide.bench`), the results it
writes (:mod:`jaxguide.results`), memory mitigations (:mod:`jaxguide.mitigations`) and the
claims the pages verify (:mod:`jaxguide.claims`). Importing ``jaxguide`` imports none of them.

>>> import jaxguide
>>> jaxguide.__version__
'0.1.0'
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
