// Accord's only script besides htmx. No inline handlers anywhere (CSP without unsafe-inline).
document.addEventListener("click", function (event) {
  const target = event.target.closest("[data-confirm]");
  if (target && !window.confirm(target.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
