/* PixelForge upload page: enhances a form that works without JavaScript.
   Drag and drop anywhere, paste, client-side checks, upload progress; several files go to
   batch.js. No inline scripts: data comes from data-* attributes. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  /* ---------- Upload page ---------- */
  /* The file input is drawn by its label (a button): say which file was chosen beside it. */
  function showChosenFiles(form, files) {
    var line = form.querySelector("[data-file-name]");
    if (!line) return;
    if (!files.length) { line.textContent = ""; return; }
    line.textContent = files.length === 1 ? "Chosen: " + files[0].name : files.length + " photos chosen";
  }

  function setupUpload(form) {
    var input = form.querySelector('input[type="file"]');
    var errors = form.querySelector("[data-upload-errors]");
    var progress = form.querySelector("[data-progress]");
    var label = form.querySelector("[data-progress-label]");
    var bar = form.querySelector("[data-progress-bar]");
    var maxBytes = parseInt(form.dataset.maxBytes, 10);
    var accept = form.dataset.accept.split(",");
    var acceptedText = form.dataset.acceptedText;
    var busy = false;

    function showError(messages) {
      window.PixelForge.showErrors(errors, messages);
    }

    function accepted(file) {
      var name = (file.name || "").toLowerCase();
      return accept.some(function (rule) {
        return rule.charAt(0) === "." ? name.endsWith(rule) : file.type === rule;
      });
    }

    function check(file) {
      if (!accepted(file)) {
        return "This file is not an image we accept" + (file.type ? " (" + file.type + ")" : "") +
          ". Upload a " + acceptedText + " file.";
      }
      if (file.size > maxBytes) {
        return "This file is " + (file.size / 1048576).toFixed(1) + " MB; the limit is " +
          Math.round(maxBytes / 1048576) + " MB. Upload a smaller file.";
      }
      if (file.size === 0) return "This file is empty. Upload a " + acceptedText + " file.";
      return null;
    }

    function setBusy(state, text) {
      busy = state;
      form.classList.toggle("is-busy", state);
      form.classList.toggle("is-processing", state && !bar.hasAttribute("value"));
      progress.hidden = !state;
      if (text) label.textContent = text;
    }

    /* POST data to the form's URL with a progress bar; open the page the answer names.
       words: what is being sent ("" or "2 images selected. "), then what the server does. */
    function send(data, words) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (event) {
        if (!event.lengthComputable) return;
        var percent = Math.round((event.loaded / event.total) * 100);
        bar.value = percent;
        label.textContent = words.prefix + "Uploading… " + percent + "%";
      });
      xhr.upload.addEventListener("load", function () {
        bar.removeAttribute("value");
        setBusy(true, words.prefix + words.working);
      });
      xhr.addEventListener("load", function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
        if (xhr.status === 201 && body.url) {
          label.textContent = words.opening;
          window.location.assign(body.url);
          return;
        }
        setBusy(false);
        bar.value = 0;
        showError(body.errors || ["The upload failed (HTTP " + xhr.status + "). Please try again."]);
      });
      xhr.addEventListener("error", function () {
        setBusy(false);
        showError(["The upload failed: the connection was lost. Please try again."]);
      });
      bar.value = 0;
      setBusy(true, words.prefix + "Uploading… 0%");
      xhr.send(data);
    }

    /* Several files at once go to batch.js (one request, then the batch's page). */
    function several(files) {
      if (!files || files.length < 2 || !window.PixelForgeBatch) return false;
      var ui = { showError: showError, send: send, isBusy: function () { return busy; } };
      window.PixelForgeBatch.upload(form, files, ui);
      return true;
    }

    function upload(file) {
      if (busy) return;
      var problem = check(file);
      if (problem) { showError([problem]); return; }
      showError([]);
      var data = new FormData(form);
      data.set("image", file, file.name || "pasted-image.png");
      send(data, { prefix: "", working: "Removing background… this takes a few seconds.",
        opening: "Done. Opening your result…" });
    }

    input.addEventListener("change", function () {
      showChosenFiles(form, input.files);
      if (several(input.files)) return;
      if (input.files.length) upload(input.files[0]);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (several(input.files)) return;
      if (input.files.length) upload(input.files[0]);
      else showError(["Choose an image to upload: a " + acceptedText + " file."]);
    });

    var depth = 0;
    window.addEventListener("dragenter", function (event) {
      event.preventDefault();
      depth += 1;
      document.body.classList.add("is-dragging");
    });
    window.addEventListener("dragleave", function () {
      depth = Math.max(0, depth - 1);
      if (!depth) document.body.classList.remove("is-dragging");
    });
    window.addEventListener("dragover", function (event) { event.preventDefault(); });
    window.addEventListener("drop", function (event) {
      event.preventDefault();
      depth = 0;
      document.body.classList.remove("is-dragging");
      var files = event.dataTransfer && event.dataTransfer.files;
      if (several(files)) return;
      if (files && files.length) upload(files[0]);
    });
    document.addEventListener("paste", function (event) {
      var data = event.clipboardData;
      if (!data) return;
      if (several(data.files)) { event.preventDefault(); return; }
      var file = data.files && data.files[0];
      if (!file && data.items) {
        for (var i = 0; i < data.items.length && !file; i++) {
          if (data.items[i].kind === "file") file = data.items[i].getAsFile();
        }
      }
      if (file) { event.preventDefault(); upload(file); }
    });

    document.querySelectorAll("[data-sample-form]").forEach(function (sampleForm) {
      sampleForm.addEventListener("submit", function () {
        bar.removeAttribute("value");
        setBusy(true, "Removing background… this takes a few seconds.");
      });
    });
  }

  var uploadForm = document.querySelector("[data-upload]");
  if (uploadForm) setupUpload(uploadForm);
})();
