"""jaxguide: the companion package of an executable guide to JAX's transformations.

The pages of the site import everything they run from here: reference examples
(:mod:`jaxguide.examples`), the measurement harness (:mod:`jaxguide.bench`), memory
mitigations (:mod:`jaxguide.mitigations`) and the claims the pages verify
(:mod:`jaxguide.claims`).

>>> import jaxguide
>>> jaxguide.__version__
'0.1.0'
"""

__version__ = "0.1.0"

# Register the harness's suites. They import examples and mitigations, which import bench's
# modules, so they load here, after every package they need can be imported, never from bench.
from jaxguide.bench import suites as _suites  # noqa: F401 - imported to register them

__all__ = ["__version__"]
