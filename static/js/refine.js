/* PixelForge refine page: a keep/remove brush over the cut-out, with zoom, pan and history.
   The page works without it (history and subject buttons are plain forms); this adds the
   brush. Mouse, pen and touch through Pointer Events: one finger draws, two fingers zoom and
   pan. Each finished stroke is sent as a small 8-bit grey PNG (0 untouched, 1 keep,
   2 remove) at most 1024 px on its long side; the server re-solves the edge and answers with
   the new version, which replaces the instant preview drawn meanwhile. The picture (strokes,
   view, drawing) is refine-canvas.js; shared.js and refine-mask-png.js load before both. */
(function () {
  "use strict";
  var root = document.querySelector("[data-refine]");
  if (!root) return;
  document.documentElement.classList.add("js");

  var MASK_SIDE = 1024;
  var shared = window.PixelForge;  // shared.js

  var canvas = root.querySelector("[data-refine-canvas]");
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
  var batches = [];  // strokes not yet applied by the server, oldest first
  var picture = window.PixelForgeRefineCanvas(root, canvas, {
    fullW: fullW, fullH: fullH, maskW: maskW, maskH: maskH, maskScale: maskScale,
    images: images, batches: batches,
    onZoom: function (percent) { zoomOutput.textContent = percent + "%"; }
  });
  var brush = picture.brush;
  var stroke = null;  // the batch being drawn
  var busy = false;
  var pointers = {};  // active touch pointers: id -> {x, y}
  var gesture = null;  // two-finger or move-tool pan/zoom

  function setStatus(text) { statusLine.textContent = text; }
  function showErrors(list) { shared.showErrors(errorBox, list); }
  function csrfToken() {
    var input = root.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  /* ---------- strokes ---------- */
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
    picture.draw();
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
    return shared.loadImage(body.cutout).then(function (image) {
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
      picture.draw();
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
        picture.draw();
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
    if (touchCount() >= 2 || brush.tool === "move" || event.shiftKey) {
      cancelStroke();
      if (event.pointerType !== "touch") pointers[event.pointerId] = p;
      startGesture();
      return;
    }
    showErrors([]);
    stroke = picture.newBatch();
    batches.push(stroke);
    picture.paint(stroke, p);
    brush.hover = p;
    picture.draw();
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", function (event) {
    var p = at(event);
    if (pointers[event.pointerId]) pointers[event.pointerId] = p;
    if (gesture) {
      var before = gesture;
      startGesture();
      if (touchCount() >= 2) picture.zoomAt(gesture.dist / before.dist, gesture.cx, gesture.cy);
      picture.panBy(gesture.cx - before.cx, gesture.cy - before.cy);
      return;
    }
    brush.hover = event.pointerType === "touch" ? null : p;
    if (stroke) {
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      (events.length ? events : [event]).forEach(function (e) { picture.paint(stroke, at(e)); });
    }
    picture.draw();
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
  canvas.addEventListener("pointerleave", function () { brush.hover = null; picture.draw(); });
  canvas.addEventListener("wheel", function (event) {
    if (!event.ctrlKey && !event.metaKey) return;  // plain wheel scrolls the page
    event.preventDefault();
    var p = at(event);
    picture.zoomAt(Math.exp(-event.deltaY / 300), p.x, p.y);
  }, { passive: false });

  /* ---------- controls and keys ---------- */
  function setTool(value) {
    brush.tool = value;
    canvas.dataset.tool = value;
    var radio = root.querySelector('[data-tool-choice][value="' + value + '"]');
    if (radio) radio.checked = true;
    picture.draw();
  }
  root.querySelectorAll("[data-tool-choice]").forEach(function (radio) {
    radio.addEventListener("change", function () { setTool(radio.value); });
  });
  function setSize(value) {
    sizeInput.value = Math.max(parseInt(sizeInput.min, 10), Math.min(parseInt(sizeInput.max, 10), value));
    sizeOutput.textContent = sizeInput.value + " px";
    brush.size = parseInt(sizeInput.value, 10);
    picture.draw();
  }
  sizeInput.addEventListener("input", function () { setSize(parseInt(sizeInput.value, 10)); });
  root.querySelectorAll("[data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      var kind = button.dataset.zoom;
      if (kind === "fit") picture.fit();
      else picture.zoomCentre(kind === "in" ? 1.5 : 1 / 1.5);
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
    else if (key === "+" || key === "=") picture.zoomCentre(1.5);
    else if (key === "-") picture.zoomCentre(1 / 1.5);
    else if (key === "0") picture.fit();
    else if (target === canvas && key.indexOf("Arrow") === 0) {
      event.preventDefault();
      var step = 60;
      picture.panBy(key === "ArrowLeft" ? step : key === "ArrowRight" ? -step : 0,
        key === "ArrowUp" ? step : key === "ArrowDown" ? -step : 0);
    }
  });
  window.addEventListener("resize", picture.refit);

  /* ---------- start ---------- */
  var loads = [
    shared.loadImage(root.dataset.originalUrl).then(function (image) { images.original = image; }),
    shared.loadImage(root.dataset.cutoutUrl).then(function (image) { images.cutout = image; })
  ];
  if (root.dataset.backgroundUrl) {
    loads.push(shared.loadImage(root.dataset.backgroundUrl).then(function (image) { images.background = image; }));
  }
  Promise.all(loads).then(function () {
    fallback.hidden = true;
    canvas.hidden = false;
    canvas.tabIndex = 0;
    root.querySelectorAll(".js-only[hidden]").forEach(function (el) { el.hidden = false; });
    setTool("keep");
    setSize(parseInt(sizeInput.value, 10));
    picture.fit();
    root.dataset.ready = "1";
  }).catch(function () {
    showErrors(["The images could not be loaded; reload the page to try again."]);
  });
})();
