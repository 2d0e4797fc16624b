// Comments: replies and edits open inline under the comment. Without JavaScript
// the same links lead to the discussion page, where the form is already open.
(function () {
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
    cancel.textContent = "Cancel";
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
})();
