// A draft is kept in the browser while the person types, so a crash or a closed tab
// loses nothing: the editor offers it back next time. Leaving with unsaved changes asks.
const QUIET_MS = 800;

export function drafts({ form, view, initial, banner }) {
  const key = "masterywiki:draft:" + form.getAttribute("action") + location.search;
  let timer = null;
  let leaving = false;

  function read() {
    try {
      return JSON.parse(localStorage.getItem(key) || "null");
    } catch {
      return null;
    }
  }

  function keep() {
    const text = view.state.doc.toString();
    try {
      if (text === initial) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify({ text, base: form.elements.base.value, at: Date.now() }));
    } catch {
      /* storage full or refused: the unload prompt still guards the text */
    }
  }

  const found = read();
  if (found && typeof found.text === "string" && found.text !== initial) {
    // the date as the page's reader writes it (<html lang> is the interface's language)
    const when = new Date(found.at).toLocaleString(document.documentElement.lang || undefined);
    banner.querySelector("[data-draft-time]").textContent = when;
    banner.hidden = false;
    banner.querySelector("[data-draft-restore]").addEventListener("click", () => {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: found.text } });
      banner.hidden = true;
      view.focus();
    });
    banner.querySelector("[data-draft-discard]").addEventListener("click", () => {
      localStorage.removeItem(key);
      banner.hidden = true;
      view.focus();
    });
  }

  form.addEventListener("submit", () => {
    leaving = true;
    localStorage.removeItem(key);
  });
  window.addEventListener("beforeunload", (event) => {
    if (leaving || view.state.doc.toString() === initial) return;
    keep();
    event.preventDefault();
    event.returnValue = "";
  });

  return {
    changed() {
      clearTimeout(timer);
      timer = setTimeout(keep, QUIET_MS);
    },
  };
}
