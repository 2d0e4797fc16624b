// Glossary term references show their definition (CSS, from data-summary) on hover
// and focus. This script adds what CSS cannot do alone:
// - on a touch screen, where there is no hover, the first tap on a term shows its
//   definition and a second tap follows the link; a tap elsewhere closes it;
// - Escape hides a shown definition without moving the focus or the pointer;
// - the definition is shifted left so it stays on screen near the right edge.
(function () {
  var TERMS = "a.xref.term[data-summary]";
  var EDGE = 8; // px kept free between a definition and the screen's edge

  function fromTouch(event) {
    // Keyboard activation has no pointerType (""); browsers without it on click
    // fall back to asking whether the screen can hover at all.
    if (event.pointerType !== undefined) {
      return event.pointerType === "touch" || event.pointerType === "pen";
    }
    return window.matchMedia("(hover: none)").matches;
  }

  function place(term) {
    var width = Math.min(22 * parseFloat(getComputedStyle(document.documentElement).fontSize),
                         0.8 * window.innerWidth);
    // a term broken over two lines anchors its definition at its first line's start
    var left = term.getClientRects()[0].left;
    var overflow = left + width + EDGE - document.documentElement.clientWidth;
    var shift = overflow > 0 ? Math.max(-overflow, EDGE - left) : 0;
    term.style.setProperty("--definition-shift", shift + "px");
  }

  function close(except) {
    document.querySelectorAll(TERMS + ".show-definition").forEach(function (term) {
      if (term !== except) { term.classList.remove("show-definition"); }
    });
  }

  function reset(event) {
    var term = event.target.closest && event.target.closest(TERMS);
    if (term) { term.classList.remove("definition-dismissed"); place(term); }
  }

  document.addEventListener("pointerover", reset);
  document.addEventListener("focusin", reset);

  document.addEventListener("click", function (event) {
    var term = event.target.closest(TERMS);
    close(term);
    if (!term || !fromTouch(event) || term.classList.contains("show-definition")) { return; }
    event.preventDefault(); // the first tap reads the definition; the second follows
    place(term);
    term.classList.remove("definition-dismissed");
    term.classList.add("show-definition");
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll(TERMS + ":hover, " + TERMS + ":focus, " + TERMS + ".show-definition")
      .forEach(function (term) {
        term.classList.remove("show-definition");
        term.classList.add("definition-dismissed");
      });
  });
})();
