// Comments: replies and edits open inline under the comment. Without JavaScript
// the same links lead to the discussion page, where the form is already open.
(function () {
  var gettext = window.masterywikiText || function (text) { return text; };  // static/strings.js
  var section = document.getElementById("comments");
  if (!section) return;
  var template = document.getElementById("comment-reply-template");

  function openReply(link) {
    var parent = link.dataset.reply;
    var comment = document.getElementById("comment-" + parent);
    var existing = document.getElementById("reply-" + parent);
    if (existing) { existing.querySelector("textarea").focus(); return; }
    if (!template || !comment) return;
    var form = template.content.firstElementChild.cloneNode(true);
    form.id = "reply-" + parent;
    form.elements.parent.value = parent;
    var label = form.querySelector("label");
    var text = form.querySelector("textarea");
    text.id = "comment-body-" + parent;
    label.htmlFor = text.id;
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "comment-cancel";
    cancel.textContent = gettext("Cancel");
    cancel.addEventListener("click", function () { form.remove(); link.focus(); });
    form.querySelector(".comment-form-foot").insertBefore(cancel, form.querySelector(".hint"));
    comment.appendChild(form);
    text.focus();
  }

  function toggleEdit(link) {
    var form = document.getElementById("edit-" + link.dataset.edit);
    if (!form) return;
    form.hidden = !form.hidden;
    if (!form.hidden) form.querySelector("textarea").focus();
  }

  section.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-reply], a[data-edit]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    if (link.dataset.reply) openReply(link); else toggleEdit(link);
  });

  section.addEventListener("submit", function (event) {
    var question = event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // @mentions: after "@" and a letter or two, the box offers matching usernames
  // (logged-in visitors only: the server lists accounts to nobody else).
  var endpoint = section.dataset.mentions;
  if (!endpoint) return;
  var list = document.createElement("ul");
  list.className = "mention-suggestions";
  list.id = "mention-suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", gettext("People to mention"));
  list.hidden = true;
  var status = document.createElement("span");  // what a screen reader announces
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  section.appendChild(status);
  var field = null;  // the textarea the list belongs to
  var start = -1;  // where the "@" being completed is
  var active = -1;
  var asked = "";
  var timer = null;

  function typedName(textarea) {
    var before = textarea.value.slice(0, textarea.selectionStart);
    var found = /(^|[^\w@.\/+-])@([a-z0-9._-]{1,40})$/i.exec(before);
    return found ? { at: before.length - found[2].length - 1, name: found[2] } : null;
  }

  function close() {
    list.hidden = true;
    active = -1;
    status.textContent = "";
    if (field) field.removeAttribute("aria-activedescendant");
  }

  function choose(index) {
    var item = list.children[index];
    if (!item || !field) return;
    var value = field.value;
    var end = field.selectionStart;
    var insert = "@" + item.dataset.username + " ";
    field.value = value.slice(0, start) + insert + value.slice(end);
    field.selectionStart = field.selectionEnd = start + insert.length;
    close();
    field.focus();
  }

  function highlight(index) {
    Array.prototype.forEach.call(list.children, function (item, i) {
      item.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    active = index;
    if (index >= 0) field.setAttribute("aria-activedescendant", list.children[index].id);
    else field.removeAttribute("aria-activedescendant");
  }

  function show(users) {
    list.textContent = "";
    users.forEach(function (user, i) {
      var item = document.createElement("li");
      item.id = "mention-option-" + i;
      item.setAttribute("role", "option");
      item.dataset.username = user.username;
      var handle = document.createElement("span");
      handle.textContent = "@" + user.username;
      item.appendChild(handle);
      if (user.name) {
        var name = document.createElement("span");
        name.className = "name";
        name.textContent = user.name;
        item.appendChild(name);
      }
      item.addEventListener("mousedown", function (event) {
        event.preventDefault();  // keep the focus in the textarea
        choose(i);
      });
      list.appendChild(item);
    });
    if (!users.length) { close(); return; }
    field.parentNode.appendChild(list);
    list.hidden = false;
    status.textContent = (users.length === 1
      ? gettext("1 person matches: up and down arrows to choose, Enter to insert, Escape to close.")
      : gettext("{count} people match: up and down arrows to choose, Enter to insert, Escape to close.",
                { count: users.length }));
    highlight(0);
  }

  function ask(textarea) {
    var typed = typedName(textarea);
    if (!typed) { close(); return; }
    field = textarea;
    start = typed.at;
    if (typed.name === asked && !list.hidden) return;
    asked = typed.name;
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(endpoint + "?q=" + encodeURIComponent(typed.name), {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      }).then(function (answer) {
        return answer.ok ? answer.json() : { users: [] };
      }).then(function (data) {
        if (field === textarea && typedName(textarea)) show(data.users || []);
      }).catch(close);
    }, 150);
  }

  function prepare(textarea) {
    if (textarea.hasAttribute("aria-autocomplete")) return;
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", list.id);
  }

  section.addEventListener("focusin", function (event) {
    if (event.target.matches("textarea[name=body]")) prepare(event.target);
  });
  section.addEventListener("input", function (event) {
    if (event.target.matches("textarea[name=body]")) ask(event.target);
  });
  section.addEventListener("keydown", function (event) {
    if (list.hidden || event.target !== field) return;
    var count = list.children.length;
    if (event.key === "ArrowDown") highlight((active + 1) % count);
    else if (event.key === "ArrowUp") highlight((active - 1 + count) % count);
    else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) choose(active);
    else if (event.key === "Escape") close();
    else return;
    event.preventDefault();
  });
  section.addEventListener("focusout", function (event) {
    if (event.target === field) setTimeout(close, 100);
  });
})();
