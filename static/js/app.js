// Behaviour lives here, never inline (strict CSP).
(() => {
  "use strict";

  // htmx sends the CSRF token on every request.
  document.addEventListener("htmx:configRequest", (event) => {
    const token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (token) event.detail.headers["X-CSRFToken"] = token.value;
  });

  const rows = () => Array.from(document.querySelectorAll(".queue-row"));
  const panel = () => document.getElementById("work-panel");

  function openRow(row) {
    rows().forEach((r) => r.classList.remove("selected"));
    row.classList.add("selected");
    const url = row.dataset.taskUrl;
    if (panel() && window.htmx) {
      window.htmx.ajax("GET", url, { target: "#work-panel", swap: "innerHTML" });
    } else {
      window.location.href = url;
    }
  }

  function moveFocus(step) {
    const list = rows();
    if (!list.length) return;
    const index = list.indexOf(document.activeElement);
    const next = list[Math.max(0, Math.min(list.length - 1, index + step))] || list[0];
    next.focus();
  }

  // Open the task in the side panel from its link (plain link still works without JavaScript).
  document.addEventListener("click", (event) => {
    const link = event.target.closest(".queue-row .task-link");
    if (!link) return;
    rows().forEach((r) => r.classList.remove("selected"));
    link.closest(".queue-row").classList.add("selected");
  });

  // The panel shows a task: on narrow screens it is then a drawer over the list (.is-open). When
  // the list refreshes after an action, the row of the task still in the panel stays marked.
  const placeholder = panel() ? panel().innerHTML : "";
  document.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    if (target.id === "work-panel") {
      target.classList.add("is-open");
      target.scrollTop = 0;
      return;
    }
    const shown = document.querySelector("#work-panel .task-panel");
    if (!shown) return;
    rows()
      .filter((r) => r.dataset.taskUrl === shown.dataset.taskUrl)
      .forEach((r) => r.classList.add("selected"));
  });

  function closePanel() {
    const p = panel();
    if (!p || !p.querySelector(".task-panel")) return false;
    p.classList.remove("is-open");
    p.innerHTML = placeholder;
    const selected = document.querySelector(".queue-row.selected");
    rows().forEach((r) => r.classList.remove("selected"));
    if (selected) selected.focus();
    return true;
  }

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-close-panel]")) closePanel();
  });

  // Keyboard: j/k move between rows, Enter opens, Escape closes; in the panel s/w/c/n/a/r/u open an action.
  document.addEventListener("keydown", (event) => {
    const tag = (event.target.tagName || "").toLowerCase();
    if (["input", "textarea", "select"].includes(tag) || event.metaKey || event.ctrlKey || event.altKey) return;
    if (event.key === "Escape" && closePanel()) { event.preventDefault(); return; }
    if (event.key === "j") { moveFocus(1); event.preventDefault(); return; }
    if (event.key === "k") { moveFocus(-1); event.preventDefault(); return; }
    if (event.key === "Enter" && event.target.classList.contains("queue-row")) {
      openRow(event.target); event.preventDefault(); return;
    }
    const verbs = { s: "start", w: "wait", c: "complete", n: "note", a: "attempt", r: "reassign", u: "resume" };
    const verb = verbs[event.key];
    if (!verb) return;
    const details = document.querySelector(`.task-panel details[data-verb="${verb}"]`);
    if (!details) return;
    details.open = true;
    const field = details.querySelector("select, textarea, input:not([type=hidden]), button[type=submit]");
    if (field) field.focus();
    event.preventDefault();
  });

  // Intake and transfer: the rows below were previewed for the choices above. Once those change,
  // saving would apply the old preview: ask for a new preview first.
  document.addEventListener("change", (event) => {
    if (!event.target.closest(".intake-pick, [data-preview-pick]")) return;
    const save = document.querySelector(".intake-save, [data-preview-save]");
    if (!save) return;
    save.querySelectorAll("button[type=submit]").forEach((button) => { button.disabled = true; });
    const stale = save.querySelector(".intake-stale, [data-preview-stale]");
    if (stale) stale.hidden = false;
  });

  // The queue's bulk bar: one form, a submit button per action (its formaction). Only the clicked
  // action's fields are required, and a row must be selected; the server checks both anyway.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("#bulk-form .bulk-action button[type=submit]");
    if (!button) return;
    button.form.querySelectorAll(".bulk-action").forEach((action) => {
      action.querySelectorAll("[data-required]").forEach((field) => { field.required = action.contains(button); });
    });
    const boxes = Array.from(button.form.querySelectorAll("input[name=task_ids]"));
    if (boxes.length) boxes[0].setCustomValidity(boxes.some((b) => b.checked) ? "" : "Select the tasks first.");
  });

  document.addEventListener("change", (event) => {
    if (!event.target.matches("#bulk-form input[name=task_ids]")) return;
    event.target.form.querySelector("input[name=task_ids]").setCustomValidity("");
  });

  // Enter in an action's field submits that action, not the form's first one (reassign).
  document.addEventListener("keydown", (event) => {
    const action = event.target.closest("#bulk-form .bulk-action");
    if (event.key !== "Enter" || !action || !["INPUT", "SELECT"].includes(event.target.tagName)) return;
    event.preventDefault();
    action.querySelector("button[type=submit]").click();
  });

  // Actions that need a second look ask for it once the fields are valid (data-confirm, "{n}": rows).
  document.addEventListener("submit", (event) => {
    const button = event.submitter;
    if (!button || !button.dataset.confirm) return;
    const n = event.target.querySelectorAll("input[name=task_ids]:checked").length;
    if (!window.confirm(button.dataset.confirm.replace("{n}", n))) event.preventDefault();
  });

  // The header's patient search: htmx fills the dropdown as one types (Enter opens the full
  // list). Arrow keys move between the input and the matches, Escape or a click elsewhere hides
  // them, coming back to the input shows them again.
  const searchBox = () => document.querySelector("[data-patient-search]");
  const searchResults = () => document.getElementById("header-search-results");

  function showResults(show) {
    const results = searchResults();
    if (results) results.hidden = !show;
  }

  document.addEventListener("keydown", (event) => {
    const box = searchBox();
    if (!box || !box.contains(event.target)) return;
    const input = box.querySelector("input[name=q]");
    const links = Array.from(box.querySelectorAll(".search-results a"));
    const index = links.indexOf(event.target);
    if (event.key === "Escape") {
      showResults(false);
      input.focus();
      event.preventDefault();
      event.stopPropagation();
    } else if (event.key === "ArrowDown" && links.length) {
      showResults(true);
      links[Math.min(index + 1, links.length - 1)].focus();
      event.preventDefault();
    } else if (event.key === "ArrowUp" && index >= 0) {
      (index === 0 ? input : links[index - 1]).focus();
      event.preventDefault();
    }
  });

  document.addEventListener("focusin", (event) => {
    const box = searchBox();
    if (!box || event.target !== box.querySelector("input[name=q]")) return;
    if (!box.contains(event.relatedTarget)) showResults(true); // back from elsewhere, not from Escape
  });

  document.addEventListener("click", (event) => {
    const box = searchBox();
    if (box && !box.contains(event.target)) showResults(false);
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target === searchResults()) showResults(true);
  });

  // Checkbox dropdowns (the queue's Status, Type, Owner): the summary names what is ticked; one
  // is open at a time, and a click elsewhere or Escape folds it.
  document.addEventListener("change", (event) => {
    const list = event.target.closest("details.checklist");
    if (!list) return;
    const ticked = Array.from(list.querySelectorAll("input:checked"), (box) => box.closest("label").textContent.trim());
    list.querySelector(".chosen").textContent = ticked.length ? ticked.join(", ") : "Any";
  });
  const foldChecklists = (except) => {
    document.querySelectorAll("details.checklist[open]").forEach((list) => {
      if (list !== except) list.open = false;
    });
  };
  document.addEventListener("click", (event) => foldChecklists(event.target.closest("details.checklist")));
  document.addEventListener("keydown", (event) => {
    const list = event.target.closest && event.target.closest("details.checklist[open]");
    if (event.key !== "Escape" || !list) return;
    list.open = false;
    list.querySelector("summary").focus();
    event.preventDefault();
    event.stopPropagation();
  }, true);

  // Bulk actions: the bar says how many tasks are ticked and, while any are, stays at the top of
  // the window (CSS: #bulk-form.has-selection). The count is made here: without JavaScript the
  // bar still works, as a plain form after the table.
  function showSelection(form) {
    const ticked = form.querySelectorAll("input[name=task_ids]:checked").length;
    form.classList.toggle("has-selection", ticked > 0);
    const count = form.querySelector(".bulk-bar .bulk-count");
    if (!count) return;
    count.textContent = ticked ? `${ticked} selected` : "Tick tasks in the list to act on them";
  }
  document.addEventListener("change", (event) => {
    const form = event.target.closest("#bulk-form");
    if (form && event.target.name === "task_ids") showSelection(form);
  });
  document.addEventListener("htmx:afterSwap", () => {
    const form = document.getElementById("bulk-form");
    if (form) showSelection(form);
  });
  const bulkForm = document.getElementById("bulk-form");
  if (bulkForm) showSelection(bulkForm); // boxes the browser kept ticked on going back

  // A reload button on a version conflict re-fetches the panel.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-reload-panel]");
    if (!button || !window.htmx) return;
    event.preventDefault();
    window.htmx.ajax("GET", button.dataset.reloadPanel, { target: button.closest(".task-panel"), swap: "outerHTML" });
  });
})();
