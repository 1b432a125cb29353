/* PixelForge refine page: stroke masks as small PNGs (used by refine.js).
   encodeGrey writes an 8-bit greyscale PNG (0 untouched, 1 keep, 2 remove) deflated by the
   browser's CompressionStream; encodeFallback draws the same values on a canvas for browsers
   without it (a larger RGBA PNG; the server reads it as grey all the same). */
(function () {
  "use strict";
  var layerCanvas = window.PixelForge.layerCanvas;  // shared.js

  var crcTable = null;
  function crc32(bytes) {
    if (!crcTable) {
      crcTable = new Uint32Array(256);
      for (var n = 0; n < 256; n++) {
        var c = n;
        for (var k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        crcTable[n] = c >>> 0;
      }
    }
    var crc = 0xffffffff;
    for (var i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    return (crc ^ 0xffffffff) >>> 0;
  }
  function chunk(type, data) {
    var out = new Uint8Array(12 + data.length);
    var view32 = new DataView(out.buffer);
    view32.setUint32(0, data.length);
    for (var i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
    out.set(data, 8);
    view32.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  }
  function encodeGrey(width, height, values) {
    var raw = new Uint8Array((width + 1) * height);
    for (var y = 0; y < height; y++) raw.set(values.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
    var header = new Uint8Array(13);
    var hv = new DataView(header.buffer);
    hv.setUint32(0, width);
    hv.setUint32(4, height);
    header[8] = 8;  // bit depth
    header[9] = 0;  // grey
    var deflated = new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream("deflate")));
    return deflated.arrayBuffer().then(function (buffer) {
      var signature = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
      return new Blob([signature, chunk("IHDR", header), chunk("IDAT", new Uint8Array(buffer)),
        chunk("IEND", new Uint8Array(0))], { type: "image/png" });
    });
  }
  function encodeFallback(width, height, values) {  // browsers without CompressionStream
    var c = layerCanvas(width, height);
    var cctx = c.getContext("2d");
    var data = cctx.createImageData(width, height);
    for (var i = 0; i < values.length; i++) {
      data.data[4 * i] = data.data[4 * i + 1] = data.data[4 * i + 2] = values[i];
      data.data[4 * i + 3] = 255;
    }
    cctx.putImageData(data, 0, 0);
    return new Promise(function (resolve) { c.toBlob(resolve, "image/png"); });
  }

  window.PixelForgeMaskPng = { encodeGrey: encodeGrey, encodeFallback: encodeFallback };
})();
