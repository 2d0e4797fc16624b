// Search as you type: suggestions under the header's search box. The form works without it.
(function () {
  "use strict";
  var gettext = window.masterywikiText || function (text) { return text; };  // static/strings.js
  var input = document.getElementById("search-q");
  if (!input || !window.fetch) { return; }
  var list = document.createElement("ul");
  list.id = "search-suggestions";
  list.className = "search-suggestions";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  input.parentNode.appendChild(list);
  var items = [], active = -1, timer = null, latest = "";

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    items.forEach(function (item, i) {
      item.el.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    active = index;
    if (index >= 0) { input.setAttribute("aria-activedescendant", items[index].el.id); }
  }

  function show(suggestions) {
    list.textContent = "";
    items = suggestions.map(function (s, i) {
      var li = document.createElement("li");
      li.id = "search-suggestion-" + i;
      li.setAttribute("role", "option");
      var title = document.createElement("span");
      title.textContent = s.title;
      var context = document.createElement("span");
      context.className = "context";
      context.textContent = s.type === "term" ? gettext("Glossary term") : s.context;
      li.appendChild(title);
      li.appendChild(context);
      li.addEventListener("mousedown", function (event) {
        event.preventDefault();
        window.location.href = s.url;
      });
      list.appendChild(li);
      return { el: li, url: s.url };
    });
    if (items.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(-1);
    } else {
      close();
    }
  }

  function fetchSuggestions() {
    var text = input.value.trim();
    latest = text;
    if (text.length < 2) { close(); return; }
    fetch("/-/api/v1/suggest?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
      .then(function (data) { if (data.query === latest) { show(data.suggestions || []); } })
      .catch(close);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, 120);
  });
  input.addEventListener("keydown", function (event) {
    if (list.hidden) { return; }
    if (event.key === "ArrowDown") {
      event.preventDefault();
      highlight((active + 1) % items.length);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight(active <= 0 ? items.length - 1 : active - 1);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      window.location.href = items[active].url;
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });
})();
