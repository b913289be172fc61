"""No page's execution takes far more than its budget (the execution report's rows).

The build writes ``execution.json`` beside the site: per executed page, its cells' seconds and
its budget (front matter's ``execution_budget_s``, or the site's default). A page over
``OVER_BUDGET`` times its budget is where the next slow build starts: speed it up, or declare
the budget it needs, with the reason, in its front matter.
"""

from __future__ import annotations

import json
from pathlib import Path

from jaxguide_site import OVER_BUDGET, over_budget


def test_no_page_takes_far_more_than_its_budget(html_dir: Path) -> None:
    rows = json.loads((html_dir / "execution.json").read_text())["pages"]
    assert rows, "execution.json lists no executed page"
    assert over_budget(rows) == [], f"over {OVER_BUDGET:g}× their budget"
