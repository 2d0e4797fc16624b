// Typesets math (KaTeX) and draws mermaid diagrams in page content, the preview
// included. The page carries their source as text (what shows with scripts off, what
// search and screen readers read); the libraries are fetched from the wiki's own
// /-/static/vendor/ only when a page has math or a diagram, and content the editor's
// live preview renders later is typeset when it says so (a `masterywiki:rendered` event).
(function () {
  "use strict";
  var gettext = window.masterywikiText || function (text) { return text; };  // static/strings.js
  var here = document.currentScript && document.currentScript.src;
  var vendor = here ? new URL("vendor/", here).href : "/-/static/vendor/";
  var katexReady = null;
  var mermaidReady = null;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(script);
    });
  }

  function loadKatex() {
    if (!katexReady) {
      var style = document.createElement("link");
      style.rel = "stylesheet";
      style.href = vendor + "katex/katex.min.css";
      document.head.appendChild(style);
      katexReady = loadScript(vendor + "katex/katex.min.js");
    }
    return katexReady;
  }

  function loadMermaid() {
    if (!mermaidReady) {
      mermaidReady = import(vendor + "mermaid/mermaid.esm.min.mjs").then(function (module) {
        var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
        module.default.initialize({
          startOnLoad: false,
          securityLevel: "strict", // labels are text: no HTML, no click handlers
          theme: dark ? "dark" : "default",
        });
        return module.default;
      });
    }
    return mermaidReady;
  }

  function typesetMath(elements) {
    loadKatex().then(function () {
      elements.forEach(function (element) {
        var tex = element.textContent;
        element.setAttribute("data-tex", tex);
        window.katex.render(tex, element, {
          displayMode: element.classList.contains("math-display"),
          throwOnError: false, // a mistake shows the source in red, not a blank
          output: "htmlAndMathml", // MathML is what screen readers read
        });
        // A formula wider than the screen scrolls: let the keyboard scroll it too.
        if (element.scrollWidth > element.clientWidth) element.setAttribute("tabindex", "0");
      });
    }).catch(function () {
      elements.forEach(function (element) { element.classList.add("math-failed"); });
    });
  }

  function drawDiagrams(elements) {
    elements.forEach(function (element) {
      // The source stays on the page, readable, under the drawing.
      var details = document.createElement("details");
      details.className = "diagram-source";
      var summary = document.createElement("summary");
      summary.textContent = gettext("Diagram source");
      var source = document.createElement("pre");
      source.textContent = element.textContent;
      details.appendChild(summary);
      details.appendChild(source);
      element.parentNode.insertBefore(details, element.nextSibling);
    });
    loadMermaid().then(function (mermaid) {
      return mermaid.run({ nodes: elements, suppressErrors: true });
    }).catch(function () {
      elements.forEach(function (element) { element.classList.add("diagram-failed"); });
    });
  }

  function typeset(root) {
    var math = Array.prototype.slice.call(root.querySelectorAll(".math:not([data-tex])"));
    var diagrams = Array.prototype.slice.call(
      root.querySelectorAll("pre.mermaid:not([data-processed]):not([data-found])"));
    diagrams.forEach(function (element) { element.setAttribute("data-found", ""); });
    if (math.length) typesetMath(math);
    if (diagrams.length) drawDiagrams(diagrams);
  }

  function start() {
    typeset(document);
    // The editor's preview announces each new rendering (frontend/editor/preview.js):
    // only that content is looked through, not the page on every keystroke.
    document.addEventListener("masterywiki:rendered", function (event) {
      typeset(event.target);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
