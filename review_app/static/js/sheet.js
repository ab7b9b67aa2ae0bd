// The score sheet: autosave of drafts, a running total that equals the stored one, the comment's length,
// the stale-tab banner, the conflict question and the PDF reader beside the form.
// The page works without this script: "Save draft" and "Check and submit" are ordinary form posts.
(function () {
  "use strict";

  // The PDF reader beside the form (wide screens): documents open in it rather than in a new tab.
  const reader = document.querySelector("iframe.pdf-reader");
  const readerShown = () => reader && getComputedStyle(reader).display !== "none";
  if (readerShown()) reader.src = reader.dataset.src;
  document.querySelectorAll("a[data-reader]").forEach((link) => {
    link.addEventListener("click", (event) => {
      if (!readerShown()) return;
      event.preventDefault();
      reader.src = link.href;
      document.querySelectorAll("a[data-reader]").forEach((l) => l.removeAttribute("aria-current"));
      link.setAttribute("aria-current", "true");
    });
  });

  // Declaring a conflict withdraws the expert: ask first.
  const declaration = document.getElementById("declaration-form");
  if (declaration) {
    declaration.addEventListener("submit", (event) => {
      const chosen = declaration.querySelector("input[name=declaration]:checked");
      if (chosen && chosen.value === "conflict" && !window.confirm(declaration.dataset.conflictQuestion)) {
        event.preventDefault();
      }
    });
  }

  const form = document.getElementById("sheet-form");
  if (!form) return;
  const url = form.dataset.autosaveUrl;
  const status = document.getElementById("save-status");
  const total = document.getElementById("sheet-total");
  const comment = document.getElementById("comment");
  const counter = document.getElementById("comment-count");
  const version = form.querySelector("input[name=version]");
  const banner = document.getElementById("stale-banner");
  const keptKey = "sheet-kept-" + form.dataset.sheet;
  const inputs = Array.from(form.querySelectorAll("input[data-max]"));
  const DELAY_MS = 1500;
  let timer = null;
  let inflight = null;
  let dirty = false;
  let stopped = false;
  let staleVersion = null;

  function say(text, tone) {
    status.textContent = text;
    status.className = tone ? "save-" + tone : "muted";
  }

  // Points as the server reads them (review.sheets.parse_points): full-width digits and points made
  // ASCII, the Chinese comma or full stop read as a decimal point; digits with at most one point,
  // at most two decimals (no sign, no exponent), from 0 to the criterion's maximum. In hundredths.
  function normalised(raw) {
    return raw.normalize("NFKC").trim().replace(/[,。，]/g, ".");
  }
  function hundredths(raw, max) {
    const text = normalised(raw);
    if (text === "") return { empty: true };
    if (!/^[0-9]+(\.[0-9]+)?$/.test(text)) return { problem: "number" };
    const [whole, fraction = ""] = text.split(".");
    const decimals = fraction.replace(/0+$/, "");
    if (decimals.length > 2) return { problem: "number" };
    const value = parseInt(whole, 10) * 100 + parseInt((decimals + "00").slice(0, 2), 10);
    if (value > max * 100) return { problem: "range" };
    return { value: value };
  }
  function shown(value) {
    const whole = Math.floor(value / 100);
    const rest = value % 100;
    if (rest === 0) return String(whole);
    return whole + "." + String(rest).padStart(2, "0").replace(/0$/, "");
  }

  // The total the server will store: each valid entry, and for a refused one the points saved before.
  function updateTotal() {
    let sum = 0;
    let any = false;
    inputs.forEach((input) => {
      const max = parseInt(input.dataset.max, 10);
      const typed = hundredths(input.value, max);
      const error = form.querySelector(`[data-error-for="${input.name}"]`);
      input.setAttribute("aria-invalid", typed.problem ? "true" : "false");
      // The page's own message, unless the server's (rendered with the page) is there already.
      const serverSays = error && error.textContent.trim() !== "" && !error.dataset.client;
      if (typed.problem && error && !serverSays) {
        error.textContent = typed.problem === "range" ? form.dataset.outOfRange.replace("{max}", max)
                                                      : form.dataset.notNumber;
        error.dataset.client = "1";
      } else if (!typed.problem && error && error.dataset.client) {
        error.textContent = "";
        error.dataset.client = "";
      }
      const counted = typed.problem ? hundredths(input.dataset.saved || "", max) : typed;
      if (counted.value !== undefined) { sum += counted.value; any = true; }
    });
    total.textContent = any ? shown(sum) : "—";
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
      el.dataset.client = "";
    });
  }

  function showStale(data) {
    stopped = true;
    staleVersion = data.version;
    say(data.message || form.dataset.failed, "error");
    banner.hidden = false;
    banner.scrollIntoView({ block: "start" });
    document.getElementById("stale-load").focus();
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
          const errors = data.errors || {};
          inputs.forEach((input) => {
            if (!errors[input.name]) {
              const typed = hundredths(input.value, parseInt(input.dataset.max, 10));
              input.dataset.saved = typed.value !== undefined ? shown(typed.value) : "";
            }
          });
          showErrors(errors);
          total.textContent = data.total || "—";  // the stored total
          say(data.message, Object.keys(errors).length ? "error" : "ok");
        } else if (data.status === "stale") {
          showStale(data);
        } else {
          stopped = true;  // refused (locked, deadline): stop, and say what to do
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

  // What this window holds, to keep across a reload.
  function entries() {
    const chosen = form.querySelector("input[name=recommend]:checked");
    const points = {};
    inputs.forEach((input) => { points[input.name] = input.value; });
    return { points: points, comment: comment ? comment.value : "", recommend: chosen ? chosen.value : "" };
  }
  function fill(kept) {
    inputs.forEach((input) => { if (kept.points[input.name] !== undefined) input.value = kept.points[input.name]; });
    if (comment) comment.value = kept.comment;
    form.querySelectorAll("input[name=recommend]").forEach((r) => { r.checked = r.value === kept.recommend; });
    changed();
  }

  document.getElementById("stale-load").addEventListener("click", () => {
    sessionStorage.setItem(keptKey, JSON.stringify(entries()));
    window.location.reload();
  });
  document.getElementById("stale-keep").addEventListener("click", (event) => {
    if (!window.confirm(event.target.dataset.question)) return;
    version.value = staleVersion;
    stopped = false;
    dirty = true;
    banner.hidden = true;
    save(false);
  });

  const kept = sessionStorage.getItem(keptKey);
  if (kept) {
    const held = JSON.parse(kept);
    const list = document.getElementById("restored-list");
    const item = (text) => { const li = document.createElement("li"); li.textContent = text; list.appendChild(li); };
    inputs.forEach((input) => {
      const label = form.querySelector(`label[for="${input.id}"]`);
      if (held.points[input.name]) item(`${label ? label.textContent : input.name}: ${held.points[input.name]}`);
    });
    const choice = form.querySelector(`input[name=recommend][value="${held.recommend}"]`);
    if (choice) item(`${form.dataset.recommendLabel}: ${choice.parentElement.textContent.trim()}`);
    if (held.comment) item(`${form.dataset.commentLabel}: ${held.comment}`);
    const restored = document.getElementById("restored");
    restored.hidden = false;
    document.getElementById("restore-fill").addEventListener("click", () => {
      sessionStorage.removeItem(keptKey);
      restored.hidden = true;
      fill(held);
    });
    document.getElementById("restore-drop").addEventListener("click", () => {
      sessionStorage.removeItem(keptKey);
      restored.hidden = true;
    });
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  // Leaving the page or switching away: save what is typed.
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") save(true); });
  // A button post must carry the version the last autosave produced: wait for it.
  form.addEventListener("submit", (event) => {
    clearTimeout(timer);
    if (staleVersion !== null && stopped) {
      // Saved elsewhere: a post would be refused; the banner offers the two ways on.
      event.preventDefault();
      banner.hidden = false;
      banner.scrollIntoView({ block: "start" });
      return;
    }
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
