/* PixelForge batches: several images at once. Enhances pages that already work without it.
   Upload page: upload.js hands over a drop, paste or pick of several files (PixelForgeBatch.upload);
   they go up in one multipart request with a progress bar, then the batch page opens.
   Batch page: polls the batch's status and updates each file's state, thumbnail and link. */
(function () {
  "use strict";

  function megabytes(bytes) { return (bytes / 1048576).toFixed(bytes < 10485760 ? 1 : 0); }

  function plural(count, word) { return count + " " + word + (count === 1 ? "" : "s"); }

  /* Called by upload.js with the upload form, the files and its display and send helpers. */
  function upload(form, files, ui) {
    if (ui.isBusy()) return;
    var list = Array.prototype.slice.call(files);
    var maxFiles = parseInt(form.dataset.batchMaxFiles, 10);
    var maxBytes = parseInt(form.dataset.batchMaxBytes, 10);
    var total = list.reduce(function (sum, file) { return sum + file.size; }, 0);
    var selected = plural(list.length, "image") + " selected";
    if (list.length > maxFiles) {
      ui.showError(["You chose " + list.length + " images; choose at most " + maxFiles + " at once."]);
      return;
    }
    if (total > maxBytes) {
      ui.showError(["These " + list.length + " images add up to " + megabytes(total) + " MB; one upload " +
        "may hold at most " + megabytes(maxBytes) + " MB. Choose fewer or smaller images."]);
      return;
    }
    ui.showError([]);
    var data = new FormData(form);
    data.delete("image");
    list.forEach(function (file, index) {
      data.append("image", file, file.name || "pasted-image-" + (index + 1) + ".png");
    });
    ui.send(data, { prefix: selected + ". ", working: "Checking and queueing them…",
      opening: "Uploaded. Opening the list of your images…" });
  }

  window.PixelForgeBatch = { upload: upload };

  /* ---------- Batch page ---------- */
  var page = document.querySelector("[data-batch-status]");
  if (!page || page.hasAttribute("data-finished")) return;
  var summary = page.querySelector("[data-batch-summary]");
  var bar = page.querySelector("[data-batch-bar]");
  var zip = page.querySelector("[data-batch-zip]");
  var delay = 1000;

  function setText(element, text) {
    if (element.textContent !== text) element.textContent = text;
  }

  function showFile(item, file) {
    item.dataset.state = file.state;
    setText(item.querySelector("[data-batch-state]"), file.state_label);
    var error = item.querySelector("[data-batch-error]");
    setText(error, file.error || "");
    error.hidden = !file.error;
    var thumb = item.querySelector("[data-batch-thumb]");
    if (file.thumb_url && !thumb.querySelector("img")) {
      var image = document.createElement("img");
      image.src = file.thumb_url;
      image.alt = "";
      image.width = 72;
      image.height = 72;
      thumb.appendChild(image);
    }
  }

  function show(status) {
    setText(summary, status.summary + (status.finished ? "." : ". This page updates by itself."));
    bar.max = status.total;
    bar.value = status.done + status.failed;
    if (status.zip_url) {
      zip.href = status.zip_url;
      zip.hidden = false;
      setText(zip, status.finished ? "Download all (ZIP)" : "Download the finished ones (ZIP)");
    }
    var items = page.querySelectorAll("[data-batch-item]");
    if (items.length !== status.files.length) return false;
    for (var i = 0; i < status.files.length; i++) {
      var item = page.querySelector('[data-batch-item="' + status.files[i].code + '"]');
      if (!item) return false;
      showFile(item, status.files[i]);
    }
    if (status.finished) {
      page.setAttribute("data-finished", "");
      document.title = document.title.replace("Removing backgrounds…", "Your images are ready");
    }
    return true;
  }

  window.PixelForge.pollStatus(page.dataset.batchStatus, delay, function (status, wait) {
    if (!show(status)) { window.location.reload(); return null; }  // a file was deleted meanwhile
    return status.finished ? null : wait;
  }, 10000);
})();
