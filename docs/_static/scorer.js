// Search ranks the pages that teach above the API reference: a query such as "vmap in_axes"
// should lead to the vmap page, not to the package's functions whose names contain "vmap".
// Sphinx's default weights, with one rule added (Sphinx calls Scorer.score on each result).
var Scorer = {
  score: (result) => {
    const [docname, , , , score] = result;
    return docname.startsWith("reference/api") ? score - 15 : score;
  },
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};
