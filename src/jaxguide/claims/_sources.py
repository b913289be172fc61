"""Where claims come from: the texts the site grew from, named once, as a reader would name
them (the claims report's Source column and the front page show these words). A claim of the
site's own has the source ``"jaxguide"``."""

__all__ = ["SEED_COURSE", "SEED_QA"]

SEED_COURSE = "course page on vmap's performance ('Performance considerations for vmap')"
SEED_QA = "Q&A page on vmap in batch processing ('The role of vmap in parallel batch processing')"
