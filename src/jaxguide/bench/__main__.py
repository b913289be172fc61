"""``python -m jaxguide.bench``: see :mod:`jaxguide.bench._cli`."""

from jaxguide.bench._cli import main

raise SystemExit(main())
