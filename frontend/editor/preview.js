// The preview: rendered by the server (the same code as the page), side by side with the
// text on a wide screen and kept in step as the person types and scrolls; behind the
// Write/Preview tabs on a narrow one.
import { gettext } from "./text.js";
const WIDE = "(min-width: 1100px)";
const QUIET_MS = 500;

export function preview({ form, view, pane, tabs, writeTab, previewTab, writePane, url, status }) {
  let timer = null;
  let asked = 0;
  let wide = false;

  function render() {
    const body = new URLSearchParams(new FormData(form));
    body.set("content", view.state.doc.toString());
    const number = ++asked;
    return fetch(url, {
      method: "POST",
      body,
      headers: { "X-Requested-With": "fetch", "X-CSRFToken": form.elements.csrf_token.value },
      credentials: "same-origin",
    })
      .then((answer) => {
        // 413: the page is over the size limit; the answer says so, with the limit.
        if (!answer.ok && answer.status !== 413) throw new Error(answer.status + " " + answer.statusText);
        return answer.text();
      })
      .then((html) => {
        if (number !== asked) return; // a later render is on its way
        const top = pane.scrollTop;
        pane.innerHTML = html; // rendered and sanitized by the server
        pane.scrollTop = top;
        pane.dispatchEvent(new CustomEvent("masterywiki:rendered", { bubbles: true }));
      })
      .catch((error) => {
        status(gettext("The preview failed: {reason}", { reason: error.message }));
      });
  }

  function show(previewing) {
    writeTab.setAttribute("aria-selected", String(!previewing));
    previewTab.setAttribute("aria-selected", String(previewing));
    writePane.hidden = previewing && !wide;
    pane.hidden = !previewing && !wide;
  }

  function layout() {
    wide = window.matchMedia(WIDE).matches;
    form.classList.toggle("editor-split", wide);
    tabs.hidden = wide;
    if (wide) {
      writePane.hidden = false;
      pane.hidden = false;
      render();
    } else {
      show(previewTab.getAttribute("aria-selected") === "true");
    }
  }

  writeTab.addEventListener("click", () => {
    show(false);
    view.focus();
  });
  previewTab.addEventListener("click", () => {
    pane.textContent = gettext("Rendering…");
    show(true);
    render();
  });
  window.matchMedia(WIDE).addEventListener("change", layout);
  layout();

  // Scrolling the text scrolls the preview to the same share of its length.
  view.scrollDOM.addEventListener("scroll", () => {
    if (!wide) return;
    const source = view.scrollDOM;
    const share = source.scrollTop / Math.max(1, source.scrollHeight - source.clientHeight);
    pane.scrollTop = share * Math.max(0, pane.scrollHeight - pane.clientHeight);
  });

  return {
    changed() {
      if (!wide) return;
      clearTimeout(timer);
      timer = setTimeout(render, QUIET_MS);
    },
  };
}
