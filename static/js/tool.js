/* PixelForge result page: enhances a page that already works without JavaScript.
   Instant canvas preview of the background choice, saved in the background; a before/after
   divider dragged on the picture. No inline scripts: data comes from data-* attributes.
   The upload page is upload.js; the waiting and download pages are waiting.js. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  /* ---------- Result page ---------- */
  var shared = window.PixelForge;
  var loadImage = shared.loadImage;

  /* The subject's bounding box in the cut-out (alpha above 8), like pipeline.subject_bbox. */
  function alphaBox(image) {
    var canvas = shared.layerCanvas(image.naturalWidth, image.naturalHeight);
    var ctx = canvas.getContext("2d");
    ctx.drawImage(image, 0, 0);
    var data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    var left = canvas.width, top = canvas.height, right = -1, bottom = -1;
    for (var y = 0; y < canvas.height; y++) {
      for (var x = 0; x < canvas.width; x++) {
        if (data[(y * canvas.width + x) * 4 + 3] > 8) {
          if (x < left) left = x;
          if (x > right) right = x;
          if (y < top) top = y;
          if (y > bottom) bottom = y;
        }
      }
    }
    if (right < 0) return null;
    return { x: left, y: top, w: right - left + 1, h: bottom - top + 1 };
  }

  /* The before/after divider's value in words, for screen readers (aria-valuetext). */
  function compareText(value) {
    if (value <= 0) return "Showing the result only";
    if (value >= 100) return "Showing the original only";
    return "Original on the left " + value + "%, result on the right";
  }

  /* Drag the before/after divider on the picture itself: mouse, pen or touch (pointer events).
     The range input under it stays the keyboard control (arrows, Page Up/Down, Home, End).
     A touch moves the divider only once it moves sideways or lifts, so the page still
     scrolls under a finger that moves up or down (touch-action: pan-y in tool.css). */
  function setupCompareDrag(frame, range, setReveal) {
    var pointer = null;
    function valueAt(event) {
      var box = frame.getBoundingClientRect();
      var value = Math.round(((event.clientX - box.left) / box.width) * 100);
      return Math.min(100, Math.max(0, value));
    }
    function active() { return frame.classList.contains("is-comparing"); }
    frame.addEventListener("pointerdown", function (event) {
      if (!active() || (event.pointerType === "mouse" && event.button !== 0)) return;
      pointer = event.pointerId;
      frame.setPointerCapture(event.pointerId);
      frame.classList.add("is-dragging-divider", "is-pointer");
      if (event.pointerType !== "touch") {
        event.preventDefault();  // no text selection or image drag while moving the divider
        setReveal(valueAt(event));
      }
      range.focus({ preventScroll: true });
    });
    frame.addEventListener("pointermove", function (event) {
      if (event.pointerId === pointer) setReveal(valueAt(event));
    });
    function release(event) {
      if (event.pointerId !== pointer) return;
      if (event.type === "pointerup") setReveal(valueAt(event));
      pointer = null;
      frame.classList.remove("is-dragging-divider");
    }
    // The focus ring shows for the keyboard, not after a click or a drag.
    range.addEventListener("keydown", function () { frame.classList.remove("is-pointer"); });
    frame.addEventListener("pointerup", release);
    frame.addEventListener("pointercancel", release);
  }

  /* The chosen colour in words beside the colour input. */
  function showColorValue(form) {
    var output = form.querySelector("[data-color-value]");
    if (output) output.textContent = form.elements.namedItem("bg_color").value;
  }

  function setupResult(tool) {
    var form = tool.querySelector("[data-background-form]");
    var canvas = tool.querySelector("[data-canvas]");
    var serverImage = tool.querySelector("[data-result-image]");
    var frame = tool.querySelector("[data-compare]");
    var before = tool.querySelector("[data-compare-before]");
    var compare = tool.querySelector("[data-compare-control]");
    var range = tool.querySelector("[data-compare-range]");
    var hint = tool.querySelector("[data-compare-hint]");
    var status = form.querySelector("[data-save-status]");
    var errors = form.querySelector("[data-form-errors]");
    var fullWidth = parseInt(tool.dataset.width, 10);
    var images = { original: null, cutout: null, background: null, upload: null, box: null };
    var saving = Promise.resolve();
    var pending = 0;
    var files = window.PixelForgeResultFiles(tool, {
      pending: function () { return pending; },
      saving: function () { return saving; },
      serverImage: serverImage,
      before: before,
      frame: frame
    });
    var canvasReady = null;

    function field(name) { return form.elements.namedItem(name); }
    function checked(name) {
      var el = form.querySelector('input[name="' + name + '"]:checked');
      return el ? el.value : null;
    }
    function keepList() {
      var boxes = form.querySelectorAll('input[name="keep"]');
      var kept = [];
      boxes.forEach(function (box) { if (box.checked) kept.push(box.value); });
      return kept.length === boxes.length ? null : kept.join(",");
    }
    function state() {
      return {
        background: checked("background") || "none",
        color: field("bg_color").value,
        blur: parseFloat(field("blur").value) || 12,
        crop: field("crop").checked,
        margin: Math.max(0, parseInt(field("margin").value, 10) || 0),
        size: checked("size") || "original",
        shadow: checked("shadow") || "none"
      };
    }

    function showOptions() {
      var mode = checked("background");
      form.querySelectorAll("[data-show-for]").forEach(function (option) {
        option.toggleAttribute("data-inactive", option.dataset.showFor !== mode);
      });
    }

    function draw() {
      if (!images.ready) return;
      var s = state();
      var fg = images.cutout;
      var W = fg.naturalWidth, H = fg.naturalHeight;
      var scale = W / fullWidth;
      var region = { x: 0, y: 0, w: W, h: H };
      var framed = s.crop || s.size === "square";
      if (framed && images.box) {
        var m = Math.round(s.margin * scale), b = images.box;
        var x0 = Math.max(0, b.x - m), y0 = Math.max(0, b.y - m);
        var x1 = Math.min(W, b.x + b.w + m), y1 = Math.min(H, b.y + b.h + m);
        region = { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
      }
      var cw = region.w, ch = region.h;
      if (s.size === "square") cw = ch = Math.max(region.w, region.h);
      var fit = Math.min(cw / region.w, ch / region.h);
      var pw = Math.round(region.w * fit), ph = Math.round(region.h * fit);
      var px = Math.floor((cw - pw) / 2), py = Math.floor((ch - ph) / 2);
      canvas.width = cw;
      canvas.height = ch;
      var ctx = canvas.getContext("2d");
      ctx.clearRect(0, 0, cw, ch);
      if (s.background === "color") {
        ctx.fillStyle = s.color;
        ctx.fillRect(0, 0, cw, ch);
      } else if (s.background === "image" && images.background) {
        shared.coverImage(ctx, images.background, 0, 0, cw, ch);
      } else if (s.background === "blur") {
        var orig = images.original;
        ctx.filter = "blur(" + (s.blur * Math.max(W, H) / 1000) + "px)";
        shared.coverImage(ctx, orig, 0, 0, cw, ch);
        ctx.drawImage(orig, region.x * orig.naturalWidth / W, region.y * orig.naturalHeight / H,
          region.w * orig.naturalWidth / W, region.h * orig.naturalHeight / H, px, py, pw, ph);
        ctx.filter = "none";
      }
      ctx.drawImage(fg, region.x, region.y, region.w, region.h, px, py, pw, ph);
      canvas.dataset.rendered = String(Date.now());
      frame.style.setProperty("--w", cw);
      frame.style.setProperty("--h", ch);
      showServerPreview(s.shadow !== "none");
      // Before/after only lines up while the picture keeps its original frame.
      showCompare(images.ready && !framed);
    }

    /* Shadows are computed on the server: show its preview (updated on each save) instead. */
    function showServerPreview(server) {
      if (!images.ready) return;
      canvas.hidden = server;
      serverImage.hidden = !server;
    }

    function showCompare(shown) {
      compare.hidden = !shown;
      hint.hidden = !shown;
      before.hidden = !shown;
      frame.classList.toggle("is-comparing", shown);
      frame.style.setProperty("--reveal", (shown ? range.value : 0) + "%");
    }

    function setReveal(value) {
      range.value = value;
      frame.style.setProperty("--reveal", range.value + "%");
      range.setAttribute("aria-valuetext", compareText(parseInt(range.value, 10)));
    }

    function loadCutout() {
      var keep = keepList();
      var url = keep !== null ? tool.dataset.cutoutUrl + "?keep=" + encodeURIComponent(keep)
        : files.pictureUrl("cutout") || tool.dataset.cutoutUrl;
      return loadImage(url).then(function (image) {
        images.cutout = image;
        images.box = alphaBox(image);
        draw();
      });
    }

    function showErrors(body) {
      var messages = [];
      Object.keys(body.errors || {}).forEach(function (name) {
        messages = messages.concat(body.errors[name]);
      });
      shared.showErrors(errors, messages);
    }

    /* Each download button says what its file shows for the saved mode. */
    function showDownloadLabels(mode) {
      tool.querySelectorAll("[data-download-label]").forEach(function (label) {
        var labels = JSON.parse(label.dataset.downloadLabel);
        label.textContent = labels[mode] || labels.none;
      });
    }

    /* The visitor's own background file, named beside its button (the input itself is hidden). */
    function showBackgroundFile(text) {
      var line = form.querySelector("[data-bg-file-name]");
      if (line) line.textContent = text;
    }

    /* "Image" with no image yet is not an error: wait until the visitor picks one. */
    function waitingForImage() {
      var input = field("bg_image");
      return checked("background") === "image" && !checked("stock") && !images.upload &&
        !(input && input.files.length);
    }

    function save() {
      if (waitingForImage()) {
        errors.innerHTML = "";
        status.textContent = "Pick a background from the library, or upload your own.";
        return saving;
      }
      var saved = checked("background") || "none";
      var data = new FormData(form);
      data.delete("preset");
      pending += 1;
      status.textContent = "Saving…";
      files.unmark();
      saving = saving.then(function () {
        return fetch(form.action, {
          method: "POST",
          body: data,
          headers: { Accept: "application/json" },
          credentials: "same-origin"
        }).then(function (response) {
          return response.json().then(function (body) {
            if (!response.ok) { showErrors(body); status.textContent = ""; return; }
            errors.innerHTML = "";
            showDownloadLabels(saved);
            files.apply(body, true);
            var sent = field("bg_image");
            if (sent.files.length) showBackgroundFile("Uploaded: " + sent.files[0].name);
            sent.value = "";
            status.textContent = "Saved. Downloads use these settings.";
          });
        }).catch(function () {
          status.textContent = "Could not save; your downloads may not match the preview.";
        }).then(function () { pending -= 1; });
      });
      return saving;
    }

    function chooseMode(mode) {
      form.querySelector('input[name="background"][value="' + mode + '"]').checked = true;
      showOptions();
    }

    /* The picture behind the subject: the library background picked, or the upload. */
    function useBackground() {
      var stock = form.querySelector('input[name="stock"]:checked');
      var thumb = stock && stock.value ? stock.parentNode.querySelector("[data-full]") : null;
      if (!thumb) { images.background = images.upload; draw(); return Promise.resolve(); }
      return loadImage(thumb.dataset.full).then(function (image) {
        if (form.querySelector('input[name="stock"]:checked') === stock) {
          images.background = image;
          draw();
        }
      });
    }

    form.addEventListener("input", function () { showOptions(); showColorValue(form); draw(); });
    form.addEventListener("change", function (event) {
      showOptions();
      if (event.target.name === "keep") loadCutout();
      else if (event.target.name === "bg_image" && event.target.files.length) {
        showBackgroundFile("Chosen: " + event.target.files[0].name);
        form.querySelector('input[name="stock"][value=""]').checked = true;
        chooseMode("image");
        loadImage(URL.createObjectURL(event.target.files[0])).then(function (image) {
          images.upload = image;
          useBackground();
        });
      } else if (event.target.name === "stock") {
        chooseMode("image");
        useBackground();
      } else draw();
      save();
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); save(); });
    form.querySelectorAll(".swatch").forEach(function (swatch) {
      swatch.addEventListener("click", function (event) {
        event.preventDefault();
        field("bg_color").value = swatch.dataset.color;
        showColorValue(form);
        form.querySelector('input[name="background"][value="color"]').checked = true;
        showOptions();
        draw();
        save();
      });
    });
    range.addEventListener("input", function () { setReveal(range.value); });
    /* One arrow key press shows a tenth of the original (the page opens on the result). */
    range.addEventListener("keydown", function (event) {
      var step = { ArrowRight: 10, ArrowUp: 10, ArrowLeft: -10, ArrowDown: -10 }[event.key];
      if (!step) return;
      event.preventDefault();
      setReveal(Math.min(100, Math.max(0, parseInt(range.value, 10) + step)));
    });
    setupCompareDrag(frame, range, setReveal);

    /* The instant preview needs the original and the cut-out in the page: loaded once the
       page's own pictures (the worker's stored ones) are in, or on the visitor's first change. */
    function prepareCanvas() {
      if (canvasReady) return canvasReady;
      var original = before.currentSrc || files.pictureUrl("original") || tool.dataset.originalUrl;
      var loads = [loadImage(original).then(function (image) { images.original = image; })];
      if (tool.dataset.backgroundUrl) {
        loads.push(loadImage(tool.dataset.backgroundUrl).then(function (image) { images.upload = image; }));
      }
      canvasReady = Promise.all(loads).then(useBackground).then(loadCutout).then(function () {
        images.ready = true;
        serverImage.hidden = true;
        canvas.hidden = false;
        draw();
      });
      return canvasReady;
    }
    form.addEventListener("input", prepareCanvas);
    form.addEventListener("change", prepareCanvas);

    if (document.readyState === "complete") prepareCanvas();
    else window.addEventListener("load", prepareCanvas);
    showOptions();
    showCompare(!tool.hasAttribute("data-framed"));
    setReveal(range.value);
    files.watch();
  }

  /* "in 58 minutes" (from the server) becomes "at 21:19 (in 58 minutes)" in the visitor's time. */
  document.querySelectorAll("time[data-local-time]").forEach(function (time) {
    var when = new Date(time.getAttribute("datetime"));
    if (isNaN(when)) return;
    var clock = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    var minutes = Math.ceil((when - Date.now()) / 60000);
    time.textContent = minutes > 0 ? "at " + clock + " (in " + (minutes < 120 ? minutes + " minute" +
      (minutes === 1 ? "" : "s") : Math.round(minutes / 60) + " hours") + ")" : "now";
  });

  var tool = document.querySelector("[data-tool]");
  if (tool) setupResult(tool);
})();
