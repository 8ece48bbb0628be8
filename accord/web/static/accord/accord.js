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

// Phones: a table with one plain header row gets each cell labelled with its column heading,
// so the stylesheet can show it as stacked cards at 390 px (issue 13). Tables whose header
// spans columns keep their grid and scroll inside themselves instead.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("main table:not(.cards)").forEach(function (table) {
    const rows = table.tHead ? table.tHead.rows : [];
    if (rows.length !== 1 || [...rows[0].cells].some(function (c) { return c.colSpan > 1; })) {
      return;
    }
    const headings = [...rows[0].cells].map(function (c) { return c.textContent.trim(); });
    [...table.tBodies].forEach(function (body) {
      [...body.rows].forEach(function (row) {
        let column = 0;
        [...row.cells].forEach(function (cell) {
          if (!cell.hasAttribute("data-label") && headings[column] && cell.colSpan === 1) {
            cell.setAttribute("data-label", headings[column]);
          }
          column += cell.colSpan;
        });
      });
    });
    table.classList.add("cards");
  });
});

// The printable release: a "Print" button opens the browser's print dialog.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});

// A service <select> whose options name their agency (data-agency) offers only the services of
// the agency chosen in the field it names (data-agency-field); a service of another agency is
// cleared when the agency changes (the server refuses it on the field anyway).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-agency-field]").forEach(function (services) {
    const agencies = services.form && services.form.elements[services.getAttribute("data-agency-field")];
    if (!agencies) {
      return;
    }
    function follow() {
      [...services.options].forEach(function (option) {
        const agency = option.getAttribute("data-agency");
        option.hidden = Boolean(agency) && agency !== agencies.value;
      });
      [...services.querySelectorAll("optgroup")].forEach(function (group) {
        group.hidden = [...group.children].every(function (option) { return option.hidden; });
      });
      const chosen = services.selectedOptions[0];
      if (chosen && chosen.hidden) {
        services.value = "";
      }
    }
    agencies.addEventListener("change", follow);
    follow();
  });
});

// The guided editor's save through htmx posts only the rows the coordinator changed (a
// 200-rule table is 1,600 fields). A row the server drew as saved (data-saved) whose fields
// all still hold what was drawn is sent as "r<i>-kept" with its rule id: the server takes that
// rule from the saved table, which the lock proves is the one the page shows. Without
// JavaScript every row is posted, as before.
document.addEventListener("htmx:configRequest", function (event) {
  const form = event.detail.elt;
  const data = event.detail.formData;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains("guided") || !data) {
    return;
  }
  if ((data.get("action") || "save") !== "save") {
    return;
  }
  const kept = new Set();
  form.querySelectorAll("tr[data-saved][id^='row-']").forEach(function (row) {
    const changed = [...row.querySelectorAll("input, select, textarea")].some(function (field) {
      if (field.type === "hidden") {
        return false;
      }
      if (field.type === "checkbox" || field.type === "radio") {
        return field.checked !== field.defaultChecked;
      }
      if (field.tagName === "SELECT") {
        return [...field.options].some(function (o) { return o.selected !== o.defaultSelected; });
      }
      return field.value !== field.defaultValue;
    });
    if (!changed) {
      kept.add(row.id.slice("row-".length));
    }
  });
  [...new Set(data.keys())].forEach(function (name) {
    const match = /^r(\d+)-(.+)$/.exec(name);
    if (match && kept.has(match[1]) && match[2] !== "id" && match[2] !== "shown") {
      data.delete(name);
    }
  });
  kept.forEach(function (index) {
    data.set("r" + index + "-kept", "1");
  });
});
