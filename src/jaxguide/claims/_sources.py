"""Where claims come from: the seed texts the site grew from, named once."""

__all__ = ["SEED_COURSE", "SEED_QA"]

SEED_COURSE = "seed: course page 'Performance considerations for vmap'"
SEED_QA = "seed: Q&A page 'the role of vmap in parallel batch processing'"
