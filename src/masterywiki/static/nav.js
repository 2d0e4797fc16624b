// On a phone-sized screen the contents tree starts folded, so the page comes first.
(function () {
  if (window.matchMedia("(max-width: 48rem)").matches) {
    document.querySelectorAll("details.sidebar-toggle").forEach(function (d) { d.open = false; });
  }
})();
