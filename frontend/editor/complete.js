// Autocomplete that writes MyST for the person: after {term}` it offers the glossary's
// terms and their other names; after {doc}` the wiki's pages by title. Both come from
// the wiki's JSON API; the terms are fetched once, the pages as the person types.
const ROLE = /\{(term|doc)\}`[^`\n]*/;

export function mystCompletions(urls) {
  let terms = null;

  function loadTerms() {
    if (!terms) {
      terms = fetch(urls.terms, { credentials: "same-origin" })
        .then((answer) => (answer.ok ? answer.json() : { terms: [] }))
        .then((data) =>
          data.terms.flatMap((term) => [
            { label: term.term, detail: "term", info: term.summary || undefined, apply: term.term + "`" },
            ...(term.aliases || []).map((alias) => ({
              label: alias,
              detail: "another name for " + term.term,
              apply: alias + "`",
            })),
          ]),
        )
        .catch(() => {
          terms = null; // try again next time
          return [];
        });
    }
    return terms;
  }

  async function pages(typed) {
    const url = urls.titles + "?q=" + encodeURIComponent(typed.replace(/^\//, ""));
    try {
      const answer = await fetch(url, { credentials: "same-origin" });
      if (!answer.ok) return [];
      const data = await answer.json();
      return data.pages.map((page) => ({
        label: page.title,
        detail: "/" + page.path,
        apply: "/" + page.path + "`",
      }));
    } catch {
      return [];
    }
  }

  return async function source(context) {
    const match = context.matchBefore(ROLE);
    if (!match) return null;
    const kind = match.text.startsWith("{term}") ? "term" : "doc";
    const opening = kind.length + 3; // "{term}`"
    const typed = match.text.slice(opening);
    const options = kind === "term" ? await loadTerms() : await pages(typed);
    return {
      from: match.from + opening,
      options,
      validFor: kind === "term" ? /^[^`\n]*$/ : undefined,
      filter: kind === "term",
    };
  };
}
