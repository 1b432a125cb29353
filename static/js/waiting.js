// The waiting page: poll the job's status, show the queue place, stage and estimate, and open
// the result when it is done. Without JavaScript a <noscript> meta refresh does the same.
// Most jobs take a second or two: poll every FAST ms for the first FAST_FOR ms of the wait and
// of the processing, so the result opens within about FAST of being done, then back off to SLOW
// (a long job or a long queue costs the server one cheap request a second per waiting page).
(function () {
  "use strict";
  var page = document.querySelector("[data-job-status]");
  if (!page) return;
  var text = page.querySelector("[data-status-text]");
  var stages = page.querySelectorAll("[data-stage]");
  var FAST = 250, FAST_FOR = 6000, SLOW = 1000, BACKOFF = 1.5, ERROR_MAX = 10000;
  var since = Date.now(), processing = false;
  var delay = FAST;

  function next(status) {  // the wait before the next poll
    if (status.state === "queued" && status.position > 1) return SLOW;  // others go first
    if (status.state === "processing" && !processing) { processing = true; since = Date.now(); }
    if (Date.now() - since < FAST_FOR) return FAST;
    return Math.min(SLOW, Math.max(delay, FAST) * BACKOFF);
  }

  function describe(status) {
    var line = status.state === "queued"
      ? "Waiting for a free worker: you are number " + status.position + " in line."
      : (status.stage_label || "Starting") + "…";
    if (status.estimate_seconds) line += " About " + status.estimate_seconds + " s left.";
    return line;
  }

  function poll() {
    fetch(page.dataset.jobStatus, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (response.status === 404) { window.location.reload(); return null; }
        return response.json();
      })
      .then(function (status) {
        if (!status) return;
        if (status.state === "done" && status.result_url) { window.location.assign(status.result_url); return; }
        if (status.state !== "queued" && status.state !== "processing") { window.location.reload(); return; }
        var line = describe(status);
        if (text.textContent.trim() !== line) text.textContent = line;
        stages.forEach(function (item) {
          if (item.dataset.stage === status.stage) item.setAttribute("aria-current", "step");
          else item.removeAttribute("aria-current");
        });
        delay = next(status);
        window.setTimeout(poll, delay);
      })
      .catch(function () { delay = Math.min(delay * 2, ERROR_MAX); window.setTimeout(poll, delay); });
  }
  window.setTimeout(poll, delay);
})();

// A download made on demand: start it as soon as its page says it is ready.
(function () {
  "use strict";
  var ready = document.querySelector("[data-download-ready]");
  if (ready) ready.click();
})();
