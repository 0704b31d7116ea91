// Idle logoff: a minute before the session would end for want of activity, say so and offer to
// stay signed in; when it ends, load the page again, which the server answers with the login page.
// The server keeps the time (accounts/middleware.py); this only warns. Strict CSP: no inline code.
(() => {
  "use strict";

  const body = document.body;
  const idleSeconds = Number(body.dataset.idleTimeout);
  const dialog = document.getElementById("idle-warning");
  if (!idleSeconds || !dialog) return;
  const WARN_SECONDS = 60;
  let warnTimer = null;
  let endTimer = null;

  function schedule(secondsLeft) {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(check, Math.max(0, secondsLeft - WARN_SECONDS) * 1000);
  }

  // Ended (or no longer ours): a fresh load of this page shows the login page and says why.
  function signedOut() {
    window.location.assign(window.location.href);
  }

  async function ask(url, options) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, ...options });
    const json = (response.headers.get("Content-Type") || "").includes("application/json");
    if (!response.ok || !json) return 0;
    return (await response.json()).seconds_left;
  }

  // Before warning, ask the server (asking is no activity): work in another tab keeps this
  // session alive too, and then there is nothing to warn about yet.
  async function check() {
    let left;
    try {
      left = await ask(body.dataset.sessionStatus);
    } catch {
      left = WARN_SECONDS; // the server is out of reach: warn, the end comes anyway
    }
    if (left <= 0) { signedOut(); return; }
    if (left > WARN_SECONDS) { schedule(left); return; }
    if (!dialog.open) dialog.showModal();
    endTimer = setTimeout(signedOut, (left + 1) * 1000);
  }

  document.addEventListener("click", async (event) => {
    if (!event.target.closest("[data-stay-signed-in]")) return;
    const token = document.querySelector("input[name=csrfmiddlewaretoken]");
    let left = 0;
    try {
      left = await ask(body.dataset.sessionExtend, {
        method: "POST",
        headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
      });
    } catch {
      left = 0;
    }
    if (left <= 0) { signedOut(); return; }
    dialog.close();
    schedule(left);
  });

  // Escape would only hide the warning, not stop the clock.
  dialog.addEventListener("cancel", (event) => event.preventDefault());

  // Every htmx request the user caused is activity; the inbox badge's polling is not.
  document.addEventListener("htmx:afterRequest", (event) => {
    const source = event.detail.elt;
    if (source && source.closest && source.closest("[data-not-activity]")) return;
    if (!dialog.open) schedule(idleSeconds);
  });

  schedule(idleSeconds);
})();
