// The editor's Write/Preview tabs and Ctrl+S. Without JavaScript the form's
// own Preview button posts to the server and shows the same preview.
(function () {
  var form = document.querySelector("form.editor");
  if (!form) return;
  var tabs = form.querySelector(".tabs");
  var write = document.getElementById("write-tab");
  var preview = document.getElementById("preview-tab");
  var writePane = document.getElementById("write-pane");
  var previewPane = document.getElementById("preview-pane");
  var content = document.getElementById("page-source");
  tabs.hidden = false;

  function show(previewing) {
    write.setAttribute("aria-selected", String(!previewing));
    preview.setAttribute("aria-selected", String(previewing));
    writePane.hidden = previewing;
    previewPane.hidden = !previewing;
  }

  write.addEventListener("click", function () { show(false); content.focus(); });
  preview.addEventListener("click", function () {
    var body = new URLSearchParams(new FormData(form));
    previewPane.textContent = "Rendering…";
    show(true);
    fetch(preview.dataset.previewUrl, {
      method: "POST",
      body: body,
      headers: { "X-Requested-With": "fetch", "X-CSRFToken": form.elements.csrf_token.value },
      credentials: "same-origin",
    }).then(function (response) {
      // 413: the page is over the size limit; the answer says so, with the limit.
      if (!response.ok && response.status !== 413) {
        throw new Error(response.status + " " + response.statusText);
      }
      return response.text();
    }).then(function (html) {
      previewPane.innerHTML = html;  // rendered and sanitized by the server
    }).catch(function (error) {
      previewPane.textContent = "Preview failed: " + error.message;
    });
  });

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
