/* PixelForge: small helpers the page scripts share. Loaded (deferred) before them; they find
   it as window.PixelForge. No inline scripts anywhere: pages pass data in data-* attributes. */
(function () {
  "use strict";

  /* A promise of the loaded <img> for url (rejected when it cannot be loaded). */
  function loadImage(url) {
    return new Promise(function (resolve, reject) {
      var image = new Image();
      image.onload = function () { resolve(image); };
      image.onerror = reject;
      image.src = url;
    });
  }

  /* Replace box's content with messages as a Django-style ul.errorlist (empty: no list). */
  function showErrors(box, messages) {
    box.innerHTML = "";
    if (!messages || !messages.length) return;
    var list = document.createElement("ul");
    list.className = "errorlist";
    messages.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  /* An off-screen canvas of w x h pixels. */
  function layerCanvas(w, h) {
    var canvas = document.createElement("canvas");
    canvas.width = w;
    canvas.height = h;
    return canvas;
  }

  /* Draw image so that it covers the w x h rectangle at (x, y), centred (CSS object-fit: cover). */
  function coverImage(ctx, image, x, y, w, h) {
    var scale = Math.max(w / image.naturalWidth, h / image.naturalHeight);
    var dw = image.naturalWidth * scale, dh = image.naturalHeight * scale;
    ctx.drawImage(image, x + (w - dw) / 2, y + (h - dh) / 2, dw, dh);
  }

  /* Poll url's JSON status, first after delay ms. onStatus(status, delay) answers the wait
     before the next poll in ms, or null to stop. A 404 reloads the page (the job or batch is
     gone; the server's page says so); a failed request is tried again, waiting twice as long
     each time up to maxErrorDelay ms. */
  function pollStatus(url, delay, onStatus, maxErrorDelay) {
    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" })
        .then(function (response) {
          if (response.status === 404) { window.location.reload(); return null; }
          return response.json();
        })
        .then(function (status) {
          if (!status) return;
          var next = onStatus(status, delay);
          if (next === null) return;
          delay = next;
          window.setTimeout(poll, delay);
        })
        .catch(function () { delay = Math.min(delay * 2, maxErrorDelay); window.setTimeout(poll, delay); });
    }
    window.setTimeout(poll, delay);
  }

  window.PixelForge = {
    loadImage: loadImage,
    showErrors: showErrors,
    layerCanvas: layerCanvas,
    coverImage: coverImage,
    pollStatus: pollStatus
  };
})();
