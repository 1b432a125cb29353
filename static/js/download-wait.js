/* The "Preparing your download" page: asks every few seconds whether the file is ready and
   opens the ready page when it is. Without JavaScript a <noscript> meta refresh does the same;
   with it the page is not reloaded while waiting, so a screen reader is not sent back to the
   top every two seconds (and axe-core's meta-refresh rule holds). */
(function () {
  "use strict";
  var section = document.querySelector("[data-download-wait]");
  if (!section) return;
  var url = section.dataset.downloadWait;
  var delay = (parseInt(section.dataset.refresh, 10) || 2) * 1000;

  function poll() {
    fetch(url, { cache: "no-store", credentials: "same-origin" }).then(function (response) {
      if (response.status === 202) window.setTimeout(poll, delay);
      else window.location.replace(url); // ready, or an error the page explains
    }, function () {
      window.setTimeout(poll, delay * 2); // offline for a moment: try again later
    });
  }
  window.setTimeout(poll, delay);
})();
