// The CCM timer in a task's panel, and the print button of the CCM pages. Behaviour lives
// here, never inline (strict CSP).
//
// The server keeps when a timer started (data-started-at), so a reload, another tab or another
// computer shows the same running time and stopping it records the right minutes. What the user
// typed about the call is kept in localStorage, keyed by the task's id, until the timer stops:
// a reload in the middle of a call loses nothing.
(() => {
  "use strict";

  const draftKey = (taskId) => `ccm-timer-draft:${taskId}`;
  const startKey = (taskId) => `ccm-timer-started:${taskId}`;

  function store(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, value);
    } catch (e) {
      // Storage off (private mode): the server's start time still counts.
    }
  }

  function read(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (e) {
      return null;
    }
  }

  function format(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const rest = String(s % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
  }

  function setUp(section) {
    if (section.dataset.ccmReady) return;
    section.dataset.ccmReady = "1";
    const taskId = section.dataset.task;
    const started = section.dataset.startedAt;
    const description = section.querySelector(".ccm-timer-stop [name=description]");
    if (started) {
      store(startKey(taskId), started);
      const output = section.querySelector("[data-ccm-elapsed]");
      const begin = Date.parse(started);
      const tick = () => {
        if (!section.isConnected) return window.clearInterval(timer);
        output.textContent = format((Date.now() - begin) / 1000);
      };
      const timer = window.setInterval(tick, 1000);
      tick();
      if (description) {
        if (!description.value) description.value = read(draftKey(taskId)) || "";
        description.addEventListener("input", () => store(draftKey(taskId), description.value));
      }
    } else {
      // Not running (stopped or discarded, here or elsewhere): forget the draft.
      store(startKey(taskId), null);
      store(draftKey(taskId), null);
    }
  }

  function setUpAll(root) {
    (root || document).querySelectorAll("[data-ccm-timer]").forEach(setUp);
    if (root && root.matches && root.matches("[data-ccm-timer]")) setUp(root);
  }

  document.addEventListener("DOMContentLoaded", () => setUpAll(document));
  document.addEventListener("htmx:load", (event) => setUpAll(event.target));

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-print]")) window.print();
  });
})();
