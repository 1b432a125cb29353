/* The result page's stored files (views.result.files_document): which pictures and downloads
   a worker has made for the saved choice. A download link is marked `download` only once its
   URL names a stored file; a click on any other says the file is being made and starts the
   download when the worker is done. Used by tool.js (loaded before it, as this global). */
(function () {
  "use strict";

  window.PixelForgeResultFiles = function (tool, page) {
    var files = JSON.parse(tool.dataset.files);
    var pictureStatus = tool.querySelector("[data-picture-status]");
    var downloadStatus = tool.querySelector("[data-download-status]");
    var serverImage = page.serverImage, before = page.before, frame = page.frame;
    var watching = null;

    /* The stored picture of `name` at the width the page shows the original at (the one the
       browser chose from its srcset), so the canvas adds no second copy of the same picture. */
    function pictureUrl(name) {
      var picture = files.pictures[name];
      if (!picture || !picture.ready) return null;
      var shown = before.currentSrc && (files.pictures.original.candidates || []).filter(function (c) {
        return before.currentSrc.indexOf(c.url) !== -1;
      })[0];
      var want = shown ? shown.width : frame.clientWidth * (window.devicePixelRatio || 1);
      var pick = picture.candidates[picture.candidates.length - 1];
      picture.candidates.forEach(function (c) { if (c.width >= want && c.width < pick.width) pick = c; });
      return pick.url;
    }

    /* The worker's files for the saved choice (views.result.files_document): each download
       link is marked `download` only once its file is stored; the result picture follows. */
    function applyFiles(doc, saved) {
      files = doc;
      tool.querySelectorAll("[data-download]").forEach(function (link) {
        var file = doc.downloads[link.dataset.download];
        if (!file || page.pending() > (saved ? 1 : 0)) return;  // a newer choice is on its way
        link.href = file.url;
        link.toggleAttribute("download", file.ready);
      });
      var picture = doc.pictures.result;
      pictureStatus.hidden = picture.ready || serverImage.hidden;
      pictureStatus.textContent = picture.ready ? ""
        : doc.failed ? "The preview could not be made. Try again, or change the settings."
        : "Applying your settings to the preview…";
      if (picture.ready && serverImage.getAttribute("src") !== picture.src) {
        serverImage.srcset = picture.srcset;
        serverImage.src = picture.src;
      }
      if (!doc.complete && !doc.failed) watchFiles();
    }

    function unmarkDownloads() {
      tool.querySelectorAll('[data-download]:not([data-download^="subject-"])').forEach(function (link) {
        link.removeAttribute("download");
        link.href = link.href.split("?")[0];
      });
    }

    function getFiles() {
      return fetch(tool.dataset.filesUrl, {
        headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store"
      }).then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      });
    }

    /* Ask every second or so while the worker makes what the page lacks. */
    function watchFiles() {
      if (files.complete || files.failed || watching) return;
      watching = window.setTimeout(function () {
        getFiles().then(function (doc) { watching = null; if (!page.pending()) applyFiles(doc); else watchFiles(); },
          function () { watching = null; window.setTimeout(watchFiles, 3000); });
      }, 1000);
    }

    function downloadWhenReady(kind, name) {
      getFiles().then(function (doc) {
        var file = doc.downloads[kind];
        if (!page.pending()) applyFiles(doc);
        if (file && (file.error || (doc.failed && !file.ready))) {
          downloadStatus.textContent = file.error || "This download could not be made. Please try again, or change the settings.";
          return;
        }
        if (!file || !file.ready) { window.setTimeout(function () { downloadWhenReady(kind, name); }, 1000); return; }
        var link = document.createElement("a");
        link.href = file.url;
        link.download = "";
        link.hidden = true;
        document.body.appendChild(link);
        link.click();
        link.remove();
        downloadStatus.textContent = "Your " + name + " is downloading.";
      }, function () {
        window.setTimeout(function () { downloadWhenReady(kind, name); }, 2000);
      });
    }

    /* A link marked `download` names its stored file: the browser fetches it. Any other
       click waits for the save and the worker, says so, then starts the download itself. */
    tool.querySelectorAll("[data-download]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (!page.pending() && link.hasAttribute("download")) return;
        event.preventDefault();
        var name = link.dataset.download.indexOf("subject-") === 0
          ? "subject " + (parseInt(link.dataset.download.slice(8), 10) + 1)
          : link.firstChild.textContent.trim();
        downloadStatus.textContent = "Making your " + name + "… it downloads by itself when ready.";
        page.saving().then(function () { downloadWhenReady(link.dataset.download, name); });
      });
    });
    return {
      apply: applyFiles,
      unmark: unmarkDownloads,
      watch: watchFiles,
      pictureUrl: pictureUrl
    };
  };
})();
