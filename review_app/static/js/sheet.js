// The score sheet: autosave of drafts, a running total, the comment's length.
// The page works without this script: "Save draft" and "Check and submit" are ordinary form posts.
(function () {
  "use strict";
  const form = document.getElementById("sheet-form");
  if (!form) return;
  const url = form.dataset.autosaveUrl;
  const status = document.getElementById("save-status");
  const total = document.getElementById("sheet-total");
  const comment = document.getElementById("comment");
  const counter = document.getElementById("comment-count");
  const version = form.querySelector("input[name=version]");
  const DELAY_MS = 1500;
  let timer = null;
  let inflight = null;
  let dirty = false;
  let stopped = false;

  function say(text, tone) {
    status.textContent = text;
    status.className = tone ? "save-" + tone : "muted";
  }

  function updateTotal() {
    let sum = 0;
    let any = false;
    form.querySelectorAll("input[data-max]").forEach((input) => {
      const value = parseFloat(input.value.replace("，", "."));
      const max = parseFloat(input.dataset.max);
      const bad = input.value.trim() !== "" && (isNaN(value) || value < 0 || value > max);
      input.setAttribute("aria-invalid", bad ? "true" : "false");
      if (!isNaN(value) && !bad) { sum += value; any = true; }
    });
    total.textContent = any ? (Math.round(sum * 100) / 100).toString() : "—";
  }

  function updateCounter() {
    if (!comment || !counter) return;
    const min = parseInt(comment.dataset.min, 10);
    const n = comment.value.trim().length;
    counter.textContent = n < min ? form.dataset.countShort.replace("{n}", n).replace("{min}", min)
                                  : form.dataset.countOk.replace("{n}", n);
  }

  function showErrors(errors) {
    form.querySelectorAll("[data-error-for]").forEach((el) => {
      el.textContent = errors[el.dataset.errorFor] || "";
    });
  }

  function save(keepalive) {
    if (stopped || !dirty) return inflight || Promise.resolve();
    dirty = false;
    const body = new FormData(form);
    say(form.dataset.saving, "");
    inflight = fetch(url, { method: "POST", body: body, credentials: "same-origin", keepalive: !!keepalive,
                            headers: { "Accept": "application/json" } })
      .then((response) => response.json().then((data) => ({ response, data })))
      .then(({ response, data }) => {
        if (response.ok) {
          version.value = data.version;
          showErrors(data.errors || {});
          say(data.message, Object.keys(data.errors || {}).length ? "error" : "ok");
        } else {
          // Stale (saved elsewhere) or refused (locked, deadline): stop, and say what to do.
          stopped = true;
          say(data.message || form.dataset.failed, "error");
        }
      })
      .catch(() => { dirty = true; say(form.dataset.offline, "error"); })
      .finally(() => { inflight = null; });
    return inflight;
  }

  function changed() {
    dirty = true;
    updateTotal();
    updateCounter();
    clearTimeout(timer);
    timer = setTimeout(() => { save(false); }, DELAY_MS);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  // Leaving the page or switching away: save what is typed.
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") save(true); });
  // A button post must carry the version the last autosave produced: wait for it.
  form.addEventListener("submit", (event) => {
    clearTimeout(timer);
    if (inflight) {
      event.preventDefault();
      const submitter = event.submitter;
      inflight.then(() => form.requestSubmit(submitter));
      return;
    }
    stopped = true;  // the post saves; no autosave may race it
  });
  updateTotal();
  updateCounter();
})();
