// Accord's only script besides htmx. No inline handlers anywhere (CSP without unsafe-inline).
document.addEventListener("click", function (event) {
  const target = event.target.closest("[data-confirm]");
  if (target && !window.confirm(target.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// On a phone a wide table scrolls inside itself (accord.css); a keyboard user must be able to
// reach it to scroll it, so a table wider than its box joins the tab order.
function focusScrollingTables() {
  document.querySelectorAll("main table").forEach(function (table) {
    if (table.scrollWidth > table.clientWidth) {
      table.tabIndex = 0;
    } else if (table.getAttribute("tabindex") === "0") {
      table.removeAttribute("tabindex");
    }
  });
}
document.addEventListener("DOMContentLoaded", focusScrollingTables);
window.addEventListener("resize", focusScrollingTables);
