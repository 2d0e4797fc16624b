// The scripts' words in the reader's language: base.html puts this language's
// messages in a JSON block (none for English, where each message is its own text).
// `gettext("Copy link to {what}", { what: "Grading" })` fills in the {names}.
(function () {
  var block = document.getElementById("masterywiki-strings");
  var messages = {};
  try {
    messages = block ? JSON.parse(block.textContent) : {};
  } catch (error) {
    messages = {};
  }
  window.masterywikiText = function (text, values) {
    var found = messages[text] || text;
    return found.replace(/\{(\w+)\}/g, function (whole, name) {
      return values && name in values ? String(values[name]) : whole;
    });
  };
})();
