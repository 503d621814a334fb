// The participant page's script: no framework, nothing from elsewhere.
// - follows the room over Server-Sent Events (/events): swaps the sections it is sent by id
//   (server-rendered, escaped HTML), never while its user is filling in a form there;
// - sends forms marked data-live with fetch (Accept: application/json) and says the answer
//   in the aria-live status line;
// - counts the phase timer down from its end time;
// - shows a banner when the server stops or restarts (the stream reconnects by itself), and
//   when the facilitator removed this participant or freed their name (the page is shut then;
//   a freed name's banner links to the join page).
(() => {
  "use strict";

  const meta = document.querySelector('meta[name="csrf-token"]');
  const status = document.getElementById("status");
  const banner = document.getElementById("banner");
  const pending = new Map();
  let offset = 0; // server clock minus this device's, in seconds
  let phase = null;
  let source = null;
  let lost = false;
  let stopped = false; // the server said bye: its banner stays until it is back
  let removed = false;

  const serverTime = document.querySelector('meta[name="server-time"]');
  if (serverTime) offset = Number(serverTime.content) - Date.now() / 1000;

  function say(message, ok) {
    status.textContent = message || "";
    status.classList.toggle("ok", ok === true);
    status.classList.toggle("bad", ok === false);
  }

  function showBanner(text, kind) {
    banner.textContent = text;
    banner.className = "banner " + (kind || "");
    banner.hidden = !text;
  }

  // -- sections -------------------------------------------------------------------------

  function changed(field) {
    if (field.type === "hidden" || field.type === "submit" || field.type === "button") {
      return false;
    }
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    if (field.tagName === "SELECT") {
      // A select without a `selected` option shows its first one by default.
      const options = Array.from(field.options);
      const chosen = options.findIndex((o) => o.defaultSelected);
      return field.selectedIndex !== (chosen === -1 ? 0 : chosen);
    }
    return field.value !== field.defaultValue;
  }

  // Someone is filling in a form in this section: swapping it would lose what they typed.
  function busy(section) {
    const active = document.activeElement;
    if (active && section.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)
        && active.type !== "hidden" && active.type !== "submit") {
      return true;
    }
    return Array.from(section.querySelectorAll("input, textarea, select")).some(changed);
  }

  function swap(id, html, force) {
    const section = document.getElementById(id);
    if (!section) return;
    if (!force && busy(section)) {
      pending.set(id, html);
      section.classList.add("stale");
      return;
    }
    pending.delete(id);
    section.classList.remove("stale");
    const active = document.activeElement;
    const focusId = active && section.contains(active) ? active.id : "";
    section.innerHTML = html; // rendered and escaped by the server's templates
    if (focusId) {
      const again = document.getElementById(focusId);
      if (again) again.focus();
    }
    tick();
  }

  // The phase list scrolls sideways on a phone: keep the room's phase in sight.
  function showCurrentPhase() {
    const list = document.querySelector(".phases");
    const current = list && list.querySelector(".current");
    if (list && current && list.scrollWidth > list.clientWidth) {
      list.scrollLeft = current.offsetLeft - list.offsetLeft - 16;
    }
  }

  function flush() {
    for (const [id, html] of Array.from(pending)) swap(id, html, false);
  }

  document.addEventListener("focusout", () => setTimeout(flush, 0));
  document.addEventListener("reset", () => setTimeout(flush, 0));

  // -- the live channel -----------------------------------------------------------------

  async function refreshToken() {
    try {
      const answer = await fetch("/token", { headers: { Accept: "application/json" } });
      const data = await answer.json();
      if (data.ok && data.csrf) meta.content = data.csrf;
      if (data.ok && !data.joined && !removed) window.location.assign("/");
      return Boolean(data.ok);
    } catch (error) {
      return false;
    }
  }

  function connect() {
    source = new EventSource("/events");
    source.addEventListener("view", (event) => {
      const view = JSON.parse(event.data);
      if (typeof view.now === "number") offset = view.now - Date.now() / 1000;
      const moved = phase !== null && view.phase !== phase;
      phase = view.phase;
      if (lost) {
        lost = false;
        stopped = false;
        showBanner("", "");
        refreshToken();
      }
      for (const [id, html] of Object.entries(view.sections || {})) swap(id, html, moved);
      if (moved) say("The room moved to the " + view.phase + " phase.", true);
      if ("phases" in (view.sections || {})) showCurrentPhase();
    });
    // Out of the room: the stream ends, the page is shut (what it shows is no longer theirs).
    function shutOut(event, fallback, again) {
      removed = true;
      source.close();
      let message = fallback;
      try { message = JSON.parse(event.data); } catch (error) { /* keep the default */ }
      showBanner(message, "removed");
      if (again) {
        const link = document.createElement("a");
        link.href = "/";
        link.className = "again";
        link.textContent = "Open the join page";
        banner.append(" ", link);
      }
      document.getElementById("main").setAttribute("inert", "");
      document.body.classList.add("removed");
    }
    source.addEventListener("removed", (event) => {
      shutOut(event, "The facilitator removed you from this workshop.", false);
    });
    source.addEventListener("freed", (event) => {
      shutOut(event, "Your name was freed by the facilitator: join again.", true);
    });
    source.addEventListener("bye", () => {
      lost = true;
      stopped = true;
      showBanner("The workshop server has stopped. This page reconnects when it is back.",
                 "lost");
    });
    source.addEventListener("error", () => {
      if (removed) return;
      lost = true;
      if (!stopped) {
        showBanner("The connection to the workshop server is lost; reconnecting…", "lost");
      }
      if (source.readyState === EventSource.CLOSED) {
        // Refused (not joined any more, or the room is full): look again in a while.
        setTimeout(async () => {
          if (await refreshToken()) connect();
          else setTimeout(connect, 5000);
        }, 3000);
      }
    });
  }

  // -- forms ----------------------------------------------------------------------------

  async function post(form) {
    const body = new URLSearchParams(new FormData(form));
    body.set("csrf", meta.content);
    return fetch(form.action, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": meta.content },
    });
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-live")) return;
    event.preventDefault();
    if (form.dataset.sending) return;
    form.dataset.sending = "1";
    try {
      let answer = await post(form);
      if (answer.status === 403 && await refreshToken()) answer = await post(form);
      let data;
      try {
        data = await answer.json();
      } catch (error) {
        data = { ok: false, message: "The server did not answer clearly; try again." };
      }
      say(data.message, Boolean(data.ok));
      if (data.ok && form.hasAttribute("data-reset")) form.reset();
      if (data.ok) {
        for (const field of form.querySelectorAll("input, textarea, select")) {
          field.defaultValue = field.value;
          if ("defaultChecked" in field) field.defaultChecked = field.checked;
        }
        for (const option of form.querySelectorAll("option")) {
          option.defaultSelected = option.selected;
        }
      }
    } catch (error) {
      say("The workshop server cannot be reached; try again in a moment.", false);
    } finally {
      delete form.dataset.sending;
      setTimeout(flush, 0);
    }
  });

  // -- the phase timer ------------------------------------------------------------------

  function clock(seconds) {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    const mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function tick() {
    for (const timer of document.querySelectorAll("[data-ends]")) {
      const left = Math.max(0, Math.ceil(Number(timer.dataset.ends) - (Date.now() / 1000 + offset)));
      const length = Number(timer.dataset.seconds) || 0;
      const text = timer.querySelector(".timer-text");
      if (text) text.textContent = left > 0 ? clock(left) + " left" : "Time is up";
      timer.classList.toggle("ended", left === 0);
      timer.classList.toggle("warning", left > 0 && left <= Math.min(30, Math.max(5, Math.floor(length / 5))));
    }
  }

  setInterval(tick, 1000);
  tick();
  showCurrentPhase();
  if (window.EventSource) connect();
})();
