/* PixelForge refine page: a keep/remove brush over the cut-out, with zoom, pan and history.
   The page works without it (history and subject buttons are plain forms); this adds the
   brush. Mouse, pen and touch through Pointer Events: one finger draws, two fingers zoom and
   pan. Each finished stroke is sent as a small 8-bit grey PNG (0 untouched, 1 keep,
   2 remove) at most 1024 px on its long side; the server re-solves the edge and answers with
   the new version, which replaces the instant preview drawn meanwhile. */
(function () {
  "use strict";
  var root = document.querySelector("[data-refine]");
  if (!root) return;
  document.documentElement.classList.add("js");

  var MASK_SIDE = 1024;
  var MAX_ZOOM = 16;
  var TINT = { 1: "rgba(22, 163, 74, 0.45)", 2: "rgba(220, 38, 38, 0.45)" };

  var canvas = root.querySelector("[data-refine-canvas]");
  var ctx = canvas.getContext("2d");
  var fallback = root.querySelector("[data-fallback]");
  var statusLine = root.querySelector("[data-refine-status]");
  var errorBox = root.querySelector("[data-refine-errors]");
  var sizeInput = root.querySelector("[data-brush-size]");
  var sizeOutput = root.querySelector("[data-brush-size-value]");
  var zoomOutput = root.querySelector("[data-zoom-value]");
  var fullW = parseInt(root.dataset.width, 10);
  var fullH = parseInt(root.dataset.height, 10);
  var maskScale = Math.min(1, MASK_SIDE / Math.max(fullW, fullH));
  var maskW = Math.max(1, Math.round(fullW * maskScale));
  var maskH = Math.max(1, Math.round(fullH * maskScale));

  var state = {
    revision: parseInt(root.dataset.revision, 10) || 0,
    undo: root.dataset.undo === "" ? null : parseInt(root.dataset.undo, 10),
    redo: root.dataset.redo === "" ? null : parseInt(root.dataset.redo, 10)
  };
  var images = { original: null, cutout: null, background: null };
  var view = { scale: 1, x: 0, y: 0, fit: 1 };
  var tool = "keep";
  var batches = [];  // strokes not yet applied by the server, oldest first
  var stroke = null;  // the batch being drawn
  var busy = false;
  var pointers = {};  // active touch pointers: id -> {x, y}
  var gesture = null;  // two-finger or move-tool pan/zoom
  var hover = null;  // last pointer position over the canvas, for the brush outline
  var checker = null;

  /* ---------- small helpers ---------- */
  function loadImage(url) {
    return new Promise(function (resolve, reject) {
      var image = new Image();
      image.onload = function () { resolve(image); };
      image.onerror = reject;
      image.src = url;
    });
  }
  function setStatus(text) { statusLine.textContent = text; }
  function showErrors(list) {
    errorBox.innerHTML = "";
    if (!list || !list.length) return;
    var ul = document.createElement("ul");
    ul.className = "errorlist";
    list.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      ul.appendChild(li);
    });
    errorBox.appendChild(ul);
  }
  function csrfToken() {
    var input = root.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }
  function layerCanvas(w, h) {
    var c = document.createElement("canvas");
    c.width = w;
    c.height = h;
    return c;
  }

  /* ---------- strokes ---------- */
  function newBatch() {
    return {
      values: new Uint8Array(maskW * maskH),
      layers: { 1: layerCanvas(maskW, maskH), 2: layerCanvas(maskW, maskH) },
      last: null,
      done: false,
      count: 0
    };
  }
  function stamp(batch, value, mx, my, radius) {
    var r2 = radius * radius;
    var x0 = Math.max(0, Math.floor(mx - radius)), x1 = Math.min(maskW - 1, Math.ceil(mx + radius));
    var y0 = Math.max(0, Math.floor(my - radius)), y1 = Math.min(maskH - 1, Math.ceil(my + radius));
    for (var y = y0; y <= y1; y++) {
      var dy = y + 0.5 - my;
      for (var x = x0; x <= x1; x++) {
        var dx = x + 0.5 - mx;
        if (dx * dx + dy * dy <= r2) batch.values[y * maskW + x] = value;
      }
    }
    var layer = batch.layers[value].getContext("2d");
    layer.fillStyle = "#000";
    layer.beginPath();
    layer.arc(mx, my, radius, 0, 2 * Math.PI);
    layer.fill();
    // A later stroke wins: erase the other kind under it.
    var other = batch.layers[value === 1 ? 2 : 1].getContext("2d");
    other.globalCompositeOperation = "destination-out";
    other.beginPath();
    other.arc(mx, my, radius, 0, 2 * Math.PI);
    other.fill();
    other.globalCompositeOperation = "source-over";
    batch.count += 1;
  }
  function brushRadius() {  // the brush is sized in screen pixels, whatever the zoom
    return Math.max(0.75, (parseInt(sizeInput.value, 10) / 2) / view.scale * maskScale);
  }
  function toMask(point) {
    return { x: (point.x - view.x) / view.scale * maskScale, y: (point.y - view.y) / view.scale * maskScale };
  }
  function strokeTo(point) {
    var m = toMask(point);
    var value = tool === "keep" ? 1 : 2;
    var radius = brushRadius();
    var last = stroke.last || m;
    var dist = Math.hypot(m.x - last.x, m.y - last.y);
    var steps = Math.max(1, Math.ceil(dist / Math.max(0.5, radius / 3)));
    for (var i = 1; i <= steps; i++) {
      stamp(stroke, value, last.x + (m.x - last.x) * i / steps, last.y + (m.y - last.y) * i / steps, radius);
    }
    stroke.last = m;
  }
  function finishStroke() {
    if (!stroke) return;
    stroke.done = true;
    stroke = null;
    send();
  }
  function cancelStroke() {
    if (!stroke) return;
    batches.splice(batches.indexOf(stroke), 1);
    stroke = null;
    draw();
  }

  /* ---------- talking to the server ---------- */
  function failure(response, body) {
    if (body && body.errors) return body.errors;
    if (response.status === 404) {
      return ["This result has expired or was deleted, so it cannot be refined. Upload the image again."];
    }
    return ["Refining failed (HTTP " + response.status + "). Please try again."];
  }
  function post(data) {
    data.append("csrfmiddlewaretoken", csrfToken());
    return fetch(root.dataset.action, {
      method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (!response.ok) throw failure(response, body);
        return body;
      });
    }, function () {
      throw ["The server could not be reached. Check your connection and try again."];
    });
  }
  function applyState(body) {
    state.revision = body.revision;
    state.undo = body.undo;
    state.redo = body.redo;
    return loadImage(body.cutout).then(function (image) {
      images.cutout = image;
      fallback.src = body.cutout;
      return refreshSidebar();
    });
  }
  function send() {
    if (busy) return;
    var batch = batches[0];
    if (!batch || !batch.done) return;
    busy = true;
    root.classList.add("is-busy");
    setStatus("Working out the edge…");
    var png = window.PixelForgeMaskPng;
    var encode = window.CompressionStream ? png.encodeGrey : png.encodeFallback;
    encode(maskW, maskH, batch.values).then(function (blob) {
      var data = new FormData();
      data.append("action", "strokes");
      data.append("base", String(state.revision));
      data.append("strokes", blob, "strokes.png");
      return post(data);
    }).then(function (body) {
      return applyState(body).then(function () {
        showErrors([]);
        setStatus("Done: " + body.description.toLowerCase() + " (version " + body.revision + "). Undo with Ctrl+Z.");
      });
    }).catch(function (errors) {
      showErrors(Array.isArray(errors) ? errors : [String(errors)]);
      setStatus("");
    }).then(function () {
      batches.shift();
      busy = false;
      root.classList.remove("is-busy");
      draw();
      send();
    });
  }
  function historyAction(form) {
    if (busy || batches.length) { setStatus("Wait for the last stroke to finish."); return; }
    var data = new FormData(form);
    data.delete("csrfmiddlewaretoken");
    if (data.get("action") === "use" && data.get("revision") === "") return;
    if (data.has("base")) data.set("base", String(state.revision));
    busy = true;
    setStatus("Working…");
    post(data).then(function (body) {
      return applyState(body).then(function () {
        showErrors([]);
        setStatus("Showing version " + body.revision + ": " + body.description.toLowerCase() + ".");
        draw();
      });
    }).catch(function (errors) {
      showErrors(Array.isArray(errors) ? errors : [String(errors)]);
      setStatus("");
    }).then(function () { busy = false; });
  }
  /* The history list and the subjects come from the server's page, so they never drift. */
  function refreshSidebar() {
    return fetch(window.location.pathname, { credentials: "same-origin" }).then(function (response) {
      return response.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.querySelector("[data-refine] .sidebar");
      var old = root.querySelector(".sidebar");
      if (fresh && old) {
        var focusedName = document.activeElement && document.activeElement.closest(".sidebar") ?
          document.activeElement.textContent : null;
        old.replaceWith(fresh);
        fresh.querySelectorAll(".js-only[hidden]").forEach(function (el) { el.hidden = false; });
        if (focusedName) {  // keep keyboard users where they were
          var match = Array.prototype.find.call(fresh.querySelectorAll("button"), function (b) {
            return b.textContent === focusedName && !b.disabled;
          });
          (match || fresh.querySelector("h2")).focus({ preventScroll: true });
        }
      }
    }).catch(function () { /* the page still works; the list is refreshed on reload */ });
  }

  /* ---------- drawing ---------- */
  function checkerPattern() {
    if (checker) return checker;
    var tile = layerCanvas(16, 16);
    var t = tile.getContext("2d");
    t.fillStyle = "#ffffff";
    t.fillRect(0, 0, 16, 16);
    t.fillStyle = "#e3e6eb";
    t.fillRect(0, 0, 8, 8);
    t.fillRect(8, 8, 8, 8);
    checker = ctx.createPattern(tile, "repeat");
    return checker;
  }
  function coverRect(image, x, y, w, h) {
    var scale = Math.max(w / image.naturalWidth, h / image.naturalHeight);
    var dw = image.naturalWidth * scale, dh = image.naturalHeight * scale;
    ctx.drawImage(image, x + (w - dw) / 2, y + (h - dh) / 2, dw, dh);
  }
  function composedCutout() {
    /* The server's cut-out with the strokes still on their way applied crudely: keep shows
       the photo, remove clears it. The server's matted answer replaces it within a second. */
    var fg = images.cutout;
    var W = fg.naturalWidth, H = fg.naturalHeight;
    var layer = layerCanvas(W, H);
    var l = layer.getContext("2d");
    l.drawImage(fg, 0, 0, W, H);
    batches.forEach(function (batch) {
      l.globalCompositeOperation = "destination-out";
      l.drawImage(batch.layers[2], 0, 0, W, H);
      var kept = layerCanvas(W, H);
      var k = kept.getContext("2d");
      k.drawImage(images.original, 0, 0, W, H);
      k.globalCompositeOperation = "destination-in";
      k.drawImage(batch.layers[1], 0, 0, W, H);
      l.globalCompositeOperation = "source-over";
      l.drawImage(kept, 0, 0);
    });
    return layer;
  }
  function tinted(layer, color) {
    var c = layerCanvas(layer.width, layer.height);
    var t = c.getContext("2d");
    t.drawImage(layer, 0, 0);
    t.globalCompositeOperation = "source-in";
    t.fillStyle = color;
    t.fillRect(0, 0, c.width, c.height);
    return c;
  }
  function draw() {
    if (!images.cutout || !images.original) return;
    var dpr = window.devicePixelRatio || 1;
    var cw = canvas.clientWidth, ch = canvas.clientHeight;
    if (canvas.width !== Math.round(cw * dpr) || canvas.height !== Math.round(ch * dpr)) {
      canvas.width = Math.round(cw * dpr);
      canvas.height = Math.round(ch * dpr);
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cw, ch);
    var x = view.x, y = view.y, w = fullW * view.scale, h = fullH * view.scale;
    ctx.save();
    ctx.beginPath();
    ctx.rect(x, y, w, h);
    ctx.clip();
    var mode = root.dataset.background;
    if (mode === "color") {
      ctx.fillStyle = root.dataset.bgColor;
      ctx.fillRect(x, y, w, h);
    } else if (mode === "image" && images.background) {
      coverRect(images.background, x, y, w, h);
    } else if (mode === "blur") {
      ctx.filter = "blur(" + (parseFloat(root.dataset.blur) * Math.max(w, h) / 1000) + "px)";
      ctx.drawImage(images.original, x, y, w, h);
      ctx.filter = "none";
    } else {
      ctx.fillStyle = checkerPattern();
      ctx.fillRect(x, y, w, h);
    }
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(batches.length ? composedCutout() : images.cutout, x, y, w, h);
    batches.forEach(function (batch) {
      ctx.drawImage(tinted(batch.layers[1], TINT[1]), x, y, w, h);
      ctx.drawImage(tinted(batch.layers[2], TINT[2]), x, y, w, h);
    });
    ctx.restore();
    if (hover && tool !== "move") {
      ctx.beginPath();
      ctx.arc(hover.x, hover.y, parseInt(sizeInput.value, 10) / 2, 0, 2 * Math.PI);
      ctx.lineWidth = 2;
      ctx.strokeStyle = "rgba(0, 0, 0, 0.7)";
      ctx.stroke();
      ctx.lineWidth = 1;
      ctx.strokeStyle = tool === "keep" ? "#4ade80" : "#f87171";
      ctx.stroke();
    }
    canvas.dataset.rendered = String(Date.now());
  }

  /* ---------- zoom and pan ---------- */
  function sizeCanvas() {
    /* As tall as the picture at full width, within the window; never a tiny strip. */
    var natural = canvas.clientWidth * fullH / fullW;
    var floor = Math.min(window.innerHeight * 0.45, 360);
    canvas.style.height = Math.round(Math.min(window.innerHeight * 0.7, Math.max(natural, floor))) + "px";
  }
  function fit() {
    sizeCanvas();
    var cw = canvas.clientWidth, ch = canvas.clientHeight;
    view.fit = Math.min(cw / fullW, ch / fullH);
    view.scale = view.fit;
    view.x = (cw - fullW * view.scale) / 2;
    view.y = (ch - fullH * view.scale) / 2;
    zoomChanged();
  }
  function clampView() {
    var cw = canvas.clientWidth, ch = canvas.clientHeight;
    var w = fullW * view.scale, h = fullH * view.scale;
    var margin = 40;
    view.x = w <= cw ? (cw - w) / 2 : Math.min(margin, Math.max(cw - w - margin, view.x));
    view.y = h <= ch ? (ch - h) / 2 : Math.min(margin, Math.max(ch - h - margin, view.y));
  }
  function zoomAt(factor, px, py) {
    var next = Math.min(view.fit * MAX_ZOOM, Math.max(view.fit, view.scale * factor));
    view.x = px - (px - view.x) * next / view.scale;
    view.y = py - (py - view.y) * next / view.scale;
    view.scale = next;
    zoomChanged();
  }
  function zoomChanged() {
    clampView();
    zoomOutput.textContent = Math.round(view.scale / view.fit * 100) + "%";
    draw();
  }
  function panBy(dx, dy) {
    view.x += dx;
    view.y += dy;
    clampView();
    draw();
  }

  /* ---------- pointer input ---------- */
  function at(event) {
    var rect = canvas.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }
  function touchCount() { return Object.keys(pointers).length; }
  function startGesture() {
    var ids = Object.keys(pointers);
    var a = pointers[ids[0]], b = pointers[ids[1]] || a;
    gesture = { cx: (a.x + b.x) / 2, cy: (a.y + b.y) / 2, dist: Math.hypot(a.x - b.x, a.y - b.y) || 1 };
  }
  canvas.addEventListener("pointerdown", function (event) {
    if (event.pointerType === "mouse" && event.button !== 0) return;
    canvas.setPointerCapture(event.pointerId);
    var p = at(event);
    if (event.pointerType === "touch") pointers[event.pointerId] = p;
    if (touchCount() >= 2 || tool === "move" || event.shiftKey) {
      cancelStroke();
      if (event.pointerType !== "touch") pointers[event.pointerId] = p;
      startGesture();
      return;
    }
    showErrors([]);
    stroke = newBatch();
    batches.push(stroke);
    strokeTo(p);
    hover = p;
    draw();
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", function (event) {
    var p = at(event);
    if (pointers[event.pointerId]) pointers[event.pointerId] = p;
    if (gesture) {
      var before = gesture;
      startGesture();
      if (touchCount() >= 2) zoomAt(gesture.dist / before.dist, gesture.cx, gesture.cy);
      panBy(gesture.cx - before.cx, gesture.cy - before.cy);
      return;
    }
    hover = event.pointerType === "touch" ? null : p;
    if (stroke) {
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      (events.length ? events : [event]).forEach(function (e) { strokeTo(at(e)); });
    }
    draw();
  });
  function pointerEnd(event) {
    delete pointers[event.pointerId];
    if (gesture) {
      if (touchCount() >= 1 && event.pointerType === "touch") startGesture();
      else gesture = null;
      return;
    }
    if (event.type === "pointercancel") cancelStroke();
    else finishStroke();
  }
  canvas.addEventListener("pointerup", pointerEnd);
  canvas.addEventListener("pointercancel", pointerEnd);
  canvas.addEventListener("pointerleave", function () { hover = null; draw(); });
  canvas.addEventListener("wheel", function (event) {
    if (!event.ctrlKey && !event.metaKey) return;  // plain wheel scrolls the page
    event.preventDefault();
    var p = at(event);
    zoomAt(Math.exp(-event.deltaY / 300), p.x, p.y);
  }, { passive: false });

  /* ---------- controls and keys ---------- */
  function setTool(value) {
    tool = value;
    canvas.dataset.tool = value;
    var radio = root.querySelector('[data-tool-choice][value="' + value + '"]');
    if (radio) radio.checked = true;
    draw();
  }
  root.querySelectorAll("[data-tool-choice]").forEach(function (radio) {
    radio.addEventListener("change", function () { setTool(radio.value); });
  });
  function setSize(value) {
    sizeInput.value = Math.max(parseInt(sizeInput.min, 10), Math.min(parseInt(sizeInput.max, 10), value));
    sizeOutput.textContent = sizeInput.value + " px";
    draw();
  }
  sizeInput.addEventListener("input", function () { setSize(parseInt(sizeInput.value, 10)); });
  root.querySelectorAll("[data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      var kind = button.dataset.zoom;
      if (kind === "fit") fit();
      else zoomAt(kind === "in" ? 1.5 : 1 / 1.5, canvas.clientWidth / 2, canvas.clientHeight / 2);
    });
  });
  root.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.closest(".sidebar")) return;
    event.preventDefault();
    historyAction(form);
  });
  function historyForm(kind) { return root.querySelector('[data-history-form="' + kind + '"]'); }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target.matches && target.matches("input[type=text], input[type=number], textarea")) return;
    var key = event.key;
    if ((event.ctrlKey || event.metaKey) && (key === "z" || key === "Z" || key === "y")) {
      event.preventDefault();
      var redo = key === "y" || (key === "Z" || event.shiftKey);
      var form = historyForm(redo ? "redo" : "undo");
      if (form && !form.querySelector("button").disabled) historyAction(form);
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (key === "k" || key === "K") setTool("keep");
    else if (key === "r" || key === "R") setTool("remove");
    else if (key === "m" || key === "M") setTool("move");
    else if (key === "[") setSize(parseInt(sizeInput.value, 10) - 4);
    else if (key === "]") setSize(parseInt(sizeInput.value, 10) + 4);
    else if (key === "+" || key === "=") zoomAt(1.5, canvas.clientWidth / 2, canvas.clientHeight / 2);
    else if (key === "-") zoomAt(1 / 1.5, canvas.clientWidth / 2, canvas.clientHeight / 2);
    else if (key === "0") fit();
    else if (target === canvas && key.indexOf("Arrow") === 0) {
      event.preventDefault();
      var step = 60;
      panBy(key === "ArrowLeft" ? step : key === "ArrowRight" ? -step : 0,
        key === "ArrowUp" ? step : key === "ArrowDown" ? -step : 0);
    }
  });
  window.addEventListener("resize", function () {
    var relative = view.scale / view.fit;
    fit();
    if (relative > 1) zoomAt(relative, canvas.clientWidth / 2, canvas.clientHeight / 2);
  });

  /* ---------- start ---------- */
  var loads = [
    loadImage(root.dataset.originalUrl).then(function (image) { images.original = image; }),
    loadImage(root.dataset.cutoutUrl).then(function (image) { images.cutout = image; })
  ];
  if (root.dataset.backgroundUrl) {
    loads.push(loadImage(root.dataset.backgroundUrl).then(function (image) { images.background = image; }));
  }
  Promise.all(loads).then(function () {
    fallback.hidden = true;
    canvas.hidden = false;
    canvas.tabIndex = 0;
    root.querySelectorAll(".js-only[hidden]").forEach(function (el) { el.hidden = false; });
    setTool("keep");
    setSize(parseInt(sizeInput.value, 10));
    fit();
    root.dataset.ready = "1";
  }).catch(function () {
    showErrors(["The images could not be loaded; reload the page to try again."]);
  });
})();
