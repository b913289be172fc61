"""Do the site's verdicts stay put when nothing changes? Run every suite N times and see.

Run: ``JAX_NUM_CPU_DEVICES=8 python benchmarks/verdict_stability.py [N] [--profile quick]``.
Every suite runs N times in a row (quick profile by default, as a docs build runs them), every
claim is evaluated on each run, and a table prints each claim's verdict per run. A measured
claim that alternates between holds and does-not-hold is a defect of the comparison rule or of
the claim; inconclusive between them is the rule doing its job. A claim inconclusive on every
run deserves a second look: measure more, or state it more honestly. The last line counts the
flips; the exit status is 1 when any claim flipped.

This is a benchmark you run, not a timed test: it takes minutes and its answer depends on the
machine's load.
"""

from __future__ import annotations

import argparse
import sys

from jaxguide.bench import SUITES, describe_environment
from jaxguide.claims import CLAIMS

SHORT = {"holds": "holds", "fails": "FAILS", "inconclusive": "incon.", "not-measured": "n/m"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="?", type=int, default=5)
    parser.add_argument("--profile", choices=("quick", "full"), default="quick")
    args = parser.parse_args(argv)

    verdicts: dict[str, list[str]] = {claim_id: [] for claim_id in CLAIMS}
    for run in range(1, args.runs + 1):
        for suite in SUITES.values():
            results = suite.run(args.profile)
            for claim in CLAIMS.values():
                if claim.suite == suite.name:
                    verdicts[claim.id].append(claim.evaluate(results).status)
        print(f"run {run} of {args.runs} done", file=sys.stderr)

    print(f"{describe_environment().hardware}, profile {args.profile}, {args.runs} runs\n")
    width = max(len(c) for c in CLAIMS)
    header = " ".join(f"{i:>6}" for i in range(1, args.runs + 1))
    print(f"{'claim':{width}}  kind      {header}  flips")
    flipped = 0
    for claim_id, seen in verdicts.items():
        flips = int("holds" in seen and "fails" in seen)
        flipped += flips
        cells = " ".join(f"{SHORT.get(s, s):>6}" for s in seen)
        kind = CLAIMS[claim_id].kind
        print(f"{claim_id:{width}}  {kind:8}  {cells}  {'FLIP' if flips else ''}")
    print(f"\n{flipped} claim(s) alternated between holds and does-not-hold.")
    return 1 if flipped else 0


if __name__ == "__main__":
    sys.exit(main())
