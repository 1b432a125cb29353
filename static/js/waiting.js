// The waiting page: poll the job's status, show the queue place, stage and estimate, and open
// the result when it is done. Without JavaScript a <noscript> meta refresh does the same.
(function () {
  "use strict";
  var page = document.querySelector("[data-job-status]");
  if (!page) return;
  var text = page.querySelector("[data-status-text]");
  var stages = page.querySelectorAll("[data-stage]");
  var delay = 1000;

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
        window.setTimeout(poll, delay);
      })
      .catch(function () { delay = Math.min(delay * 2, 10000); window.setTimeout(poll, delay); });
  }
  window.setTimeout(poll, delay);
})();

// A download made on demand: start it as soon as its page says it is ready.
(function () {
  "use strict";
  var ready = document.querySelector("[data-download-ready]");
  if (ready) ready.click();
})();
