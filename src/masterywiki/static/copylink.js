// "Copy link" buttons beside each heading's permalink and each glossary term, so a
// coach can paste the exact section or definition into an email or onboarding notes.
// Without JavaScript the "#" permalinks still put the link in the address bar.
(function () {
  "use strict";
  var gettext = window.masterywikiText || function (text) { return text; };  // static/strings.js
  var main = document.getElementById("content");
  if (!main) return;
  var ICON = '<svg viewBox="0 0 16 16" aria-hidden="true" focusable="false"><path fill="none" ' +
    'stroke="currentColor" stroke-width="1.6" stroke-linecap="round" d="M6.5 9.5l3-3M7 4.5l1.2-1.2a2.8 2.8 ' +
    '0 0 1 4 4L11 8.5M9 11.5l-1.2 1.2a2.8 2.8 0 0 1-4-4L5 7.5"/></svg>';
  var status = document.createElement("p");  // announces the result to screen readers
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  main.appendChild(status);

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (error) { done = false; }
    area.remove();
    return done ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  function say(button, message) {
    var label = button.querySelector(".copy-link-text");
    label.textContent = message;
    status.textContent = message;
    button.classList.add("copied");
    clearTimeout(button.resetTimer);
    button.resetTimer = setTimeout(function () {
      label.textContent = gettext("Copy link");
      button.classList.remove("copied");
    }, 2500);
  }

  function addButton(after, url, what) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-link";
    button.dataset.url = url;
    button.setAttribute("aria-label", gettext("Copy link to {what}", { what: what }));
    button.innerHTML = ICON + '<span class="copy-link-text"></span>';
    button.querySelector(".copy-link-text").textContent = gettext("Copy link");
    button.addEventListener("click", function () {
      copy(url).then(function () {
        say(button, gettext("Link copied"));
      }, function () {
        // the browser refused: put the link in the address bar, where it can be copied
        if (url.indexOf("#") >= 0 && url.split("#")[0] === location.href.split("#")[0]) {
          history.replaceState(null, "", url);
        }
        say(button, gettext("Copy this page's address"));
      });
    });
    after.insertAdjacentElement("afterend", button);
  }

  // inside a heading the heading names the target, so the label stays short
  main.querySelectorAll("a.headerlink").forEach(function (link) {
    addButton(link, link.href, link.parentNode.tagName === "H1" ? "this page" : "this section");
  });
  main.querySelectorAll(".glossary-list dt > a").forEach(function (link) {
    addButton(link, link.href, "the definition of “" + link.textContent.trim() + "”");
  });
})();
