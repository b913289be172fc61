"""What a page needs to run both on the site and as a downloaded notebook.

On the site, MyST-NB executes each page and :func:`glue` hands its figures to the prose.
Downloaded, a page runs in a plain Jupyter with only ``jaxguide`` installed: :func:`glue`
prints each figure instead, and :func:`stored_results` says why there are no stored results
to compare with rather than failing on a folder that only the site's source has.
:func:`measure` times a page's own callables with the harness, for a claim to read, without
a suite; :data:`MEASUREMENTS` declares what each such page measurement produces.

>>> from pathlib import Path
>>> stored_results("vmap-speed", Path("no-such-folder"))
no stored vmap-speed results here: no-such-folder is not a folder; ...
[]
"""

from jaxguide.pages._measure import measure
from jaxguide.pages._measurements import MEASUREMENTS, PageMeasurement, declare
from jaxguide.pages._notebook import glue, glue_figures, stored_folder, stored_results

__all__ = [
    "MEASUREMENTS",
    "PageMeasurement",
    "declare",
    "glue",
    "glue_figures",
    "measure",
    "stored_folder",
    "stored_results",
]
