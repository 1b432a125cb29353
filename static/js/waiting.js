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

  function next(status, delay) {  // the wait before the next poll, after one of delay ms
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

  window.PixelForge.pollStatus(page.dataset.jobStatus, FAST, function (status, delay) {
    if (status.state === "done" && status.result_url) { window.location.assign(status.result_url); return null; }
    if (status.state !== "queued" && status.state !== "processing") { window.location.reload(); return null; }
    var line = describe(status);
    if (text.textContent.trim() !== line) text.textContent = line;
    stages.forEach(function (item) {
      if (item.dataset.stage === status.stage) item.setAttribute("aria-current", "step");
      else item.removeAttribute("aria-current");
    });
    return next(status, delay);
  }, ERROR_MAX);
})();

// A download made on demand: start it as soon as its page says it is ready.
(function () {
  "use strict";
  var ready = document.querySelector("[data-download-ready]");
  if (ready) ready.click();
})();
