// Reader feedback: the forms are sent in place and answered with JSON. Without
// JavaScript the same forms post and come back to the page with a thank-you.
(function () {
  var gettext = window.masterywikiText || function (text) { return text; };  // static/strings.js
  var section = document.getElementById("feedback");
  if (!section || !window.fetch || !window.FormData) return;
  var status = section.querySelector(".feedback-status");
  var details = section.querySelector(".feedback-report");

  function say(text) {
    status.innerHTML = "";
    var span = document.createElement("span");
    span.className = "feedback-thanks";
    span.textContent = text;
    status.appendChild(span);
  }

  function showError(form, message) {
    var box = form.querySelector(".feedback-error");
    if (!box) {
      box = document.createElement("div");
      box.className = "feedback-error";
      box.setAttribute("role", "alert");
      form.insertBefore(box, form.firstChild);
    }
    box.textContent = message;
  }

  function clearError(form) {
    var box = form.querySelector(".feedback-error");
    if (box) box.remove();
  }

  function formData(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) data.set(submitter.name, submitter.value);
    return data;
  }

  function post(form, submitter) {
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    return fetch(form.action, {
      method: "POST",
      body: formData(form, submitter),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) throw new Error(body.message || gettext("The feedback could not be sent ({status}).", { status: response.status }));
        return body;
      });
    }, function () {
      throw new Error(gettext("The wiki could not be reached. Check your connection and try again."));
    }).finally(function () {
      buttons.forEach(function (b) { b.disabled = false; });
    });
  }

  function sent(form, submitter) {
    clearError(form);
    var topError = section.querySelector(":scope > .feedback-error");
    if (topError) topError.remove();
    if (form.classList.contains("feedback-helpful")) {
      form.hidden = true;
      if (submitter && submitter.value === "no") {
        say(gettext("Thank you. What could be better? You can tell us below."));
        details.open = true;
        var first = details.querySelector("input[name=reason]");
        if (first) first.focus();
        return;
      }
      say(gettext("Thank you for your feedback."));
      return;
    }
    form.reset();
    details.open = false;
    say(gettext("Thank you: your report was sent to the people who look after this page."));
    status.setAttribute("tabindex", "-1");
    status.focus();
  }

  section.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-feedback")) {
      event.preventDefault();
      var submitter = event.submitter;
      post(form, submitter).then(function () { sent(form, submitter); },
        function (error) { showError(form, error.message); });
    } else if (form.hasAttribute("data-feedback-resolve")) {
      event.preventDefault();
      post(form).then(function () { resolved(form); }, function (error) { showError(form, error.message); });
    }
  });

  function resolved(form) {
    var item = form.closest(".feedback-item");
    var list = item.parentNode;
    var next = item.nextElementSibling || item.previousElementSibling;
    item.remove();
    if (next) {
      next.querySelector("button").focus();
      return;
    }
    var none = document.createElement("p");
    none.className = "feedback-none";
    none.setAttribute("tabindex", "-1");
    none.textContent = gettext("No open reports.");
    list.replaceWith(none);
    none.focus();
  }
})();
