/* PixelForge refine page: the picture (used by refine.js). Strokes painted into mask-sized
   batches, the view (fit, zoom, pan) and drawing: the cut-out over the chosen background, with
   the strokes still on their way to the server applied crudely and tinted, and the brush
   outline under the pointer. refine.js owns the input, the history and the server. */
(function () {
  "use strict";
  var shared = window.PixelForge;  // shared.js
  var layerCanvas = shared.layerCanvas;
  var MAX_ZOOM = 16;
  var TINT = { 1: "rgba(22, 163, 74, 0.45)", 2: "rgba(220, 38, 38, 0.45)" };
  var KEEP = 1, REMOVE = 2;  // the values in a stroke mask

  /* picture: { fullW, fullH, maskW, maskH, maskScale, images: {original, cutout, background},
     batches: [], onZoom(percent) }. images and batches are read at every draw, so refine.js
     changes them in place. */
  window.PixelForgeRefineCanvas = function (root, canvas, picture) {
    var ctx = canvas.getContext("2d");
    var fullW = picture.fullW, fullH = picture.fullH;
    var maskW = picture.maskW, maskH = picture.maskH;
    var maskScale = picture.maskScale;  // mask pixels per image pixel
    var view = { scale: 1, x: 0, y: 0, fit: 1 };
    var brush = { tool: "keep", size: 20, hover: null };  // size: diameter in screen pixels
    var checker = null;

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
      var other = batch.layers[value === KEEP ? REMOVE : KEEP].getContext("2d");
      other.globalCompositeOperation = "destination-out";
      other.beginPath();
      other.arc(mx, my, radius, 0, 2 * Math.PI);
      other.fill();
      other.globalCompositeOperation = "source-over";
      batch.count += 1;
    }
    function brushRadius() {  // the brush is sized in screen pixels, whatever the zoom
      return Math.max(0.75, (brush.size / 2) / view.scale * maskScale);
    }
    function toMask(point) {
      return { x: (point.x - view.x) / view.scale * maskScale, y: (point.y - view.y) / view.scale * maskScale };
    }
    /* Paint the current tool from the batch's last point to point (canvas pixels). */
    function paint(batch, point) {
      var m = toMask(point);
      var value = brush.tool === "keep" ? KEEP : REMOVE;
      var radius = brushRadius();
      var last = batch.last || m;
      var dist = Math.hypot(m.x - last.x, m.y - last.y);
      var steps = Math.max(1, Math.ceil(dist / Math.max(0.5, radius / 3)));
      for (var i = 1; i <= steps; i++) {
        stamp(batch, value, last.x + (m.x - last.x) * i / steps, last.y + (m.y - last.y) * i / steps, radius);
      }
      batch.last = m;
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
    function composedCutout() {
      /* The server's cut-out with the strokes still on their way applied crudely: keep shows
         the photo, remove clears it. The server's matted answer replaces it within a second. */
      var fg = picture.images.cutout;
      var W = fg.naturalWidth, H = fg.naturalHeight;
      var layer = layerCanvas(W, H);
      var l = layer.getContext("2d");
      l.drawImage(fg, 0, 0, W, H);
      picture.batches.forEach(function (batch) {
        l.globalCompositeOperation = "destination-out";
        l.drawImage(batch.layers[REMOVE], 0, 0, W, H);
        var kept = layerCanvas(W, H);
        var k = kept.getContext("2d");
        k.drawImage(picture.images.original, 0, 0, W, H);
        k.globalCompositeOperation = "destination-in";
        k.drawImage(batch.layers[KEEP], 0, 0, W, H);
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
    function drawBackground(x, y, w, h) {
      var mode = root.dataset.background;
      var images = picture.images;
      if (mode === "color") {
        ctx.fillStyle = root.dataset.bgColor;
        ctx.fillRect(x, y, w, h);
      } else if (mode === "image" && images.background) {
        shared.coverImage(ctx, images.background, x, y, w, h);
      } else if (mode === "blur") {
        ctx.filter = "blur(" + (parseFloat(root.dataset.blur) * Math.max(w, h) / 1000) + "px)";
        ctx.drawImage(images.original, x, y, w, h);
        ctx.filter = "none";
      } else {
        ctx.fillStyle = checkerPattern();
        ctx.fillRect(x, y, w, h);
      }
    }
    function drawBrush() {
      var hover = brush.hover;
      if (!hover || brush.tool === "move") return;
      ctx.beginPath();
      ctx.arc(hover.x, hover.y, brush.size / 2, 0, 2 * Math.PI);
      ctx.lineWidth = 2;
      ctx.strokeStyle = "rgba(0, 0, 0, 0.7)";
      ctx.stroke();
      ctx.lineWidth = 1;
      ctx.strokeStyle = brush.tool === "keep" ? "#4ade80" : "#f87171";
      ctx.stroke();
    }
    function draw() {
      var images = picture.images, batches = picture.batches;
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
      drawBackground(x, y, w, h);
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(batches.length ? composedCutout() : images.cutout, x, y, w, h);
      batches.forEach(function (batch) {
        ctx.drawImage(tinted(batch.layers[KEEP], TINT[KEEP]), x, y, w, h);
        ctx.drawImage(tinted(batch.layers[REMOVE], TINT[REMOVE]), x, y, w, h);
      });
      ctx.restore();
      drawBrush();
      canvas.dataset.rendered = String(Date.now());
    }

    /* ---------- zoom and pan ---------- */
    function sizeCanvas() {
      /* As tall as the picture at full width, within the window; never a tiny strip. */
      var natural = canvas.clientWidth * fullH / fullW;
      var floor = Math.min(window.innerHeight * 0.45, 360);
      canvas.style.height = Math.round(Math.min(window.innerHeight * 0.7, Math.max(natural, floor))) + "px";
    }
    function clampView() {
      var cw = canvas.clientWidth, ch = canvas.clientHeight;
      var w = fullW * view.scale, h = fullH * view.scale;
      var margin = 40;
      view.x = w <= cw ? (cw - w) / 2 : Math.min(margin, Math.max(cw - w - margin, view.x));
      view.y = h <= ch ? (ch - h) / 2 : Math.min(margin, Math.max(ch - h - margin, view.y));
    }
    function zoomChanged() {
      clampView();
      if (picture.onZoom) picture.onZoom(Math.round(view.scale / view.fit * 100));
      draw();
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
    function zoomAt(factor, px, py) {
      var next = Math.min(view.fit * MAX_ZOOM, Math.max(view.fit, view.scale * factor));
      view.x = px - (px - view.x) * next / view.scale;
      view.y = py - (py - view.y) * next / view.scale;
      view.scale = next;
      zoomChanged();
    }
    function zoomCentre(factor) { zoomAt(factor, canvas.clientWidth / 2, canvas.clientHeight / 2); }
    function panBy(dx, dy) {
      view.x += dx;
      view.y += dy;
      clampView();
      draw();
    }
    function refit() {  // after a resize: fit again, keeping the zoom level
      var relative = view.scale / view.fit;
      fit();
      if (relative > 1) zoomCentre(relative);
    }

    return {
      brush: brush,
      newBatch: newBatch,
      paint: paint,
      draw: draw,
      fit: fit,
      refit: refit,
      zoomAt: zoomAt,
      zoomCentre: zoomCentre,
      panBy: panBy
    };
  };
})();
