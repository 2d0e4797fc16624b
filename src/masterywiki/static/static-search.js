// Search for the static site (masterywiki build): no server, so the header form opens
// -/search/index.html?q=..., and this script ranks the prebuilt index there.
// The ranking mirrors masterywiki/static_search.py (tests check that one): change both.
(function () {
  "use strict";
  var gettext = window.masterywikiText || function (text) { return text; };  // static/strings.js
  var BODY = 1, SUMMARY = 2, HEADING = 4, ALIAS = 8, TITLE = 16;
  var WEIGHTS = [[TITLE, 10], [ALIAS, 8], [HEADING, 3], [SUMMARY, 2], [BODY, 1]];
  var NAME_BONUS = 100, SYNONYM_FACTOR = 0.9, PREFIX_FACTOR = 0.5;
  var PREFIX_MIN = 3, PREFIX_LIMIT = 50, LIMIT = 100;
  var TYPES = { term: gettext("Glossary term"), resource: gettext("Resource"), event: gettext("Event") };

  // The site root, from this script's own address (.../-/static/static-search.js),
  // so the site works under any URL prefix and from file://.
  var me = document.currentScript && document.currentScript.src;
  var root = me ? me.replace(/-\/static\/static-search\.js(\?.*)?$/, "") : "";

  function words(text) {
    return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) || []);
  }

  function stem(w) {
    if (w.length > 4 && /ies$/.test(w)) { return w.slice(0, -3) + "y"; }
    if (w.length > 4 && /(ches|shes|sses|xes|zes)$/.test(w)) { return w.slice(0, -2); }
    if (w.length > 3 && /s$/.test(w) && !/(ss|us|is)$/.test(w)) { return w.slice(0, -1); }
    return w;
  }

  // Objects from JSON inherit `constructor` & co.: a query word must not find those.
  function has(object, key) { return Object.prototype.hasOwnProperty.call(object, key); }

  // Each part's terms with its first document number: [[0, terms]] for a one-part
  // index; loadParts() adds the other parts of a large site's (`more`).
  function termParts(index) {
    return [[0, index.terms]].concat(index.more || []);
  }

  function postings(index, word) {
    var found = {};
    termParts(index).forEach(function (part) {
      var terms = part[1], flat = has(terms, word) ? terms[word] : [], doc = part[0] - 1, i = 0;
      while (i < flat.length) {
        if (flat[i] > 0) { doc += flat[i]; found[doc] = BODY; i += 1; }
        else { doc -= flat[i]; found[doc] = flat[i + 1]; i += 2; }
      }
    });
    return found;
  }

  function sortedTerms(index) {
    if (!index.sortedTerms) {
      var every = Object.create(null);
      termParts(index).forEach(function (part) {
        for (var t in part[1]) { if (has(part[1], t)) { every[t] = true; } }
      });
      index.sortedTerms = Object.keys(every).sort();
    }
    return index.sortedTerms;
  }

  function weight(mask) {
    for (var i = 0; i < WEIGHTS.length; i++) {
      if (mask & WEIGHTS[i][0]) { return WEIGHTS[i][1]; }
    }
    return 0;
  }

  function wordScores(index, word) {
    var key = stem(word), scores = {}, found = postings(index, key), doc;
    for (doc in found) { scores[doc] = weight(found[doc]); }
    if (key.length >= PREFIX_MIN) {
      var longer = sortedTerms(index).filter(function (t) {
        return t !== key && t.lastIndexOf(key, 0) === 0;
      }).slice(0, PREFIX_LIMIT);
      longer.forEach(function (other) {
        var more = postings(index, other);
        for (var d in more) {
          scores[d] = Math.max(scores[d] || 0, weight(more[d]) * PREFIX_FACTOR);
        }
      });
    }
    return scores;
  }

  function clauses(index, query) {
    var byKey = Object.create(null), longest = 0;
    index.synonyms.forEach(function (group) {
      var keys = group.map(words);
      keys.forEach(function (key) {
        var name = key.join(" ");
        byKey[name] = (byKey[name] || []).concat(keys.filter(function (k) {
          return k.length && k.join(" ") !== name;
        }));
        longest = Math.max(longest, key.length);
      });
    });
    var out = [], i = 0;
    while (i < query.length) {
      var matched = false;
      for (var end = Math.min(query.length, i + longest); end > i; end--) {
        var others = byKey[query.slice(i, end).join(" ")];
        if (others && others.length) {
          out.push([[query.slice(i, end), 1]].concat(others.map(function (o) {
            return [o, SYNONYM_FACTOR];
          })));
          i = end;
          matched = true;
          break;
        }
      }
      if (!matched) { out.push([[[query[i]], 1]]); i += 1; }
    }
    return out;
  }

  function intersect(a, b) {
    var out = {};
    for (var d in a) { if (d in b) { out[d] = a[d] + b[d]; } }
    return out;
  }

  function search(index, text) {
    var query = words(text);
    if (!query.length) { return []; }
    var total = null;
    clauses(index, query).forEach(function (clause) {
      var best = {};
      clause.forEach(function (alternative) {
        var scored = null;
        alternative[0].forEach(function (word) {
          var found = wordScores(index, word);
          scored = scored === null ? found : intersect(scored, found);
        });
        for (var d in scored) {
          best[d] = Math.max(best[d] || 0, scored[d] * alternative[1]);
        }
      });
      total = total === null ? best : intersect(total, best);
    });
    var named = has(index.names, query.join(" ")) ? index.names[query.join(" ")] : undefined;
    if (named !== undefined && has(total, named)) { total[named] += NAME_BONUS; }
    var ranked = Object.keys(total).sort(function (a, b) {
      if (total[b] !== total[a]) { return total[b] - total[a]; }
      var x = index.docs[a][1].toLowerCase(), y = index.docs[b][1].toLowerCase();
      return x < y ? -1 : x > y ? 1 : a - b;
    });
    return ranked.map(function (d) { return index.docs[d]; });
  }

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    if (text) { el.textContent = text; }
    return el;
  }

  function show(box, text) {
    var index = window.MASTERYWIKI_SEARCH_INDEX;
    var status = box.querySelector(".result-count"), list = box.querySelector(".results");
    var also = box.querySelector(".synonyms");
    list.textContent = "";
    if (!index) { status.textContent = gettext("The search index did not load."); return; }
    if (!words(text).length) { status.textContent = gettext("Type a word or a phrase to search."); return; }
    var found = search(index, text);
    status.textContent = found.length
      ? (found.length === 1
          ? gettext("1 page matches \u201c{text}\u201d", { text: text })
          : gettext("{count} pages match \u201c{text}\u201d", { count: found.length, text: text })) +
        (found.length > LIMIT ? gettext("; the first {limit} are shown.", { limit: LIMIT }) : ".")
      : gettext("No page matches \u201c{text}\u201d. Try fewer or more general words.", { text: text });
    var synonyms = [];
    clauses(index, words(text)).forEach(function (clause) {
      clause.slice(1).forEach(function (alternative) { synonyms.push(alternative[0].join(" ")); });
    });
    also.hidden = !synonyms.length;
    also.textContent = synonyms.length ? gettext("Also searched for: {words}", { words: synonyms.slice(0, 6).join(", ") }) : "";
    found.slice(0, LIMIT).forEach(function (doc) {
      var item = element("li", "result result-" + doc[3]);
      if (doc[4]) {
        var crumbs = element("nav", "result-crumbs"), trail = element("ol");
        crumbs.setAttribute("aria-label", gettext("Location of {page}", { page: doc[1] }));
        trail.appendChild(element("li", "", doc[4]));
        crumbs.appendChild(trail);
        item.appendChild(crumbs);
      }
      var heading = element("h2", "result-title");
      var link = element("a", "", doc[1]);
      link.href = root + doc[0] + "index.html";
      heading.appendChild(link);
      if (TYPES[doc[3]]) {
        heading.appendChild(document.createTextNode(" "));
        heading.appendChild(element("span", "badge badge-" + doc[3], TYPES[doc[3]]));
      }
      item.appendChild(heading);
      if (doc[2]) { item.appendChild(element("p", "snippet", doc[2])); }
      list.appendChild(item);
    });
  }

  // A large site's index is in parts (masterywiki/static_search.py): searchindex.js
  // names the others, loaded here as scripts (file:// allows scripts, not fetch()),
  // then put together as merge() does there: documents and names follow on.
  function loadParts(index, done) {
    var files = index.parts || [], waiting = files.length, failed = false;
    if (!waiting || index.more) { done(true); return; }
    files.forEach(function (file) {
      var script = document.createElement("script");
      script.src = root + "-/search/" + file;
      script.onload = script.onerror = function (event) {
        failed = failed || event.type === "error";
        waiting -= 1;
        if (waiting) { return; }
        var parts = window.MASTERYWIKI_SEARCH_PARTS || {}, more = [];
        for (var k = 1; k <= files.length && !failed; k++) {
          var part = parts[k], base = index.docs.length;
          if (!part) { failed = true; break; }
          more.push([base, part.terms]);
          index.docs = index.docs.concat(part.docs);
          for (var name in part.names) {
            if (has(part.names, name) && !has(index.names, name)) { index.names[name] = base + part.names[name]; }
          }
        }
        index.more = more;
        done(!failed);
      };
      document.head.appendChild(script);
    });
  }

  function start() {
    var box = document.getElementById("static-search");
    if (!box) { return; }  // other pages: the header form opens the search page
    var text = new URLSearchParams(window.location.search).get("q") || "";
    var input = document.getElementById("search-q");
    if (input) { input.value = text; }
    document.title = (text ? text + " \u00b7 " : "") + document.title;
    var index = window.MASTERYWIKI_SEARCH_INDEX;
    if (!index || !index.parts) { show(box, text); return; }
    loadParts(index, function (loaded) {
      if (!loaded) { delete window.MASTERYWIKI_SEARCH_INDEX; }  // show() says it did not load
      show(box, text);
    });
  }

  window.masterywikiStaticSearch = search;  // for tests and the curious
  // Deferred scripts run in order before DOMContentLoaded: the index comes after this one.
  if (document.readyState === "complete") {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
