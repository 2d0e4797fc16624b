// The printable section's "Print" button (no inline scripts: CSP is script-src 'self').
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
