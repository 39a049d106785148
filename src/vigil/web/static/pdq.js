/*
 * PDQ perceptual hashing in the survivor's browser: the image never leaves her device,
 * only the 256-bit hash (64 hex digits) and its quality score do.
 *
 * Written for Vigil from the published description of PDQ ("The TMK+PDQF and PDQ hashing
 * algorithms", Meta, 2019):
 *   1. luminance Y = 0.299 R + 0.587 G + 0.114 B;
 *   2. a Jarosz filter (two passes of a box filter along rows, then columns; window
 *      ceil(side / 128)) and decimation to 64x64 by sampling the centre of each cell;
 *   3. the 16x16 lowest non-constant coefficients of the 2-D DCT-II of that 64x64 block;
 *   4. bit k = (i*16 + j) is 1 when coefficient (i, j) exceeds the median of the 256;
 *      the hex form writes bit 255 first (as ThreatExchange and pdqhash do);
 *   5. quality: the sum of absolute neighbour differences of the 64x64 block (in percent
 *      of full scale), divided by 90, capped at 100.
 *
 * Public API (window.VigilPDQ):
 *   hashImageData(imageData)          -> {hash, quality}
 *   hashFile(fileOrBlob)              -> Promise<{hash, quality, trimmed, frame}>
 *   frameHash(imageData)              -> the crop-tolerant frame hash (hex)
 *   trimUniformBorders(imageData)     -> imageData without near-uniform frames
 *   hamming(hexA, hexB)               -> number of differing bits
 */
(function (global) {
  "use strict";

  var SIDE = 64;
  var FRAME_MIN_QUALITY = 30;
  var COEFFS = 16;
  var DCT = (function () {
    var m = new Float64Array(COEFFS * SIDE);
    var scale = Math.sqrt(2 / SIDE);
    for (var i = 0; i < COEFFS; i++) {
      for (var j = 0; j < SIDE; j++) {
        m[i * SIDE + j] = scale * Math.cos((Math.PI / 2 / SIDE) * (i + 1) * (2 * j + 1));
      }
    }
    return m;
  })();

  function luminance(rgba, count) {
    var y = new Float64Array(count);
    for (var p = 0, q = 0; p < count; p++, q += 4) {
      y[p] = 0.299 * rgba[q] + 0.587 * rgba[q + 1] + 0.114 * rgba[q + 2];
    }
    return y;
  }

  // Centred moving average over `length` values spaced `stride` apart, the window clipped
  // at both ends: out[k] averages in[k - left .. k + right].
  function box(src, dst, start, length, stride, window) {
    var half = Math.floor((window + 2) / 2);
    var left = window - half;
    var right = half - 1;
    var sum = 0;
    var lo = 0;
    var hi = -1;
    for (var k = 0; k < length; k++) {
      var wantHi = Math.min(length - 1, k + right);
      var wantLo = Math.max(0, k - left);
      while (hi < wantHi) { hi++; sum += src[start + hi * stride]; }
      while (lo < wantLo) { sum -= src[start + lo * stride]; lo++; }
      dst[start + k * stride] = sum / (hi - lo + 1);
    }
  }

  function jarosz(buffer, rows, cols) {
    var alongRows = Math.floor((cols + 2 * SIDE - 1) / (2 * SIDE));
    var alongCols = Math.floor((rows + 2 * SIDE - 1) / (2 * SIDE));
    var other = new Float64Array(buffer.length);
    for (var pass = 0; pass < 2; pass++) {
      for (var r = 0; r < rows; r++) box(buffer, other, r * cols, cols, 1, alongRows);
      for (var c = 0; c < cols; c++) box(other, buffer, c, rows, cols, alongCols);
    }
    return buffer;
  }

  function decimate(buffer, rows, cols) {
    var out = new Float64Array(SIDE * SIDE);
    for (var i = 0; i < SIDE; i++) {
      var r = Math.floor(((i + 0.5) * rows) / SIDE);
      for (var j = 0; j < SIDE; j++) {
        var c = Math.floor(((j + 0.5) * cols) / SIDE);
        out[i * SIDE + j] = buffer[r * cols + c];
      }
    }
    return out;
  }

  function quality(block) {
    var sum = 0;
    for (var i = 0; i < SIDE - 1; i++) {
      for (var j = 0; j < SIDE; j++) {
        sum += Math.abs(Math.trunc(((block[i * SIDE + j] - block[(i + 1) * SIDE + j]) * 100) / 255));
      }
    }
    for (i = 0; i < SIDE; i++) {
      for (j = 0; j < SIDE - 1; j++) {
        sum += Math.abs(Math.trunc(((block[i * SIDE + j] - block[i * SIDE + j + 1]) * 100) / 255));
      }
    }
    return Math.min(100, Math.floor(sum / 90));
  }

  function dct(block) {
    var tmp = new Float64Array(COEFFS * SIDE); // DCT applied to columns: 16 x 64
    for (var i = 0; i < COEFFS; i++) {
      for (var j = 0; j < SIDE; j++) {
        var s = 0;
        for (var k = 0; k < SIDE; k++) s += DCT[i * SIDE + k] * block[k * SIDE + j];
        tmp[i * SIDE + j] = s;
      }
    }
    var out = new Float64Array(COEFFS * COEFFS);
    for (i = 0; i < COEFFS; i++) {
      for (j = 0; j < COEFFS; j++) {
        s = 0;
        for (k = 0; k < SIDE; k++) s += tmp[i * SIDE + k] * DCT[j * SIDE + k];
        out[i * COEFFS + j] = s;
      }
    }
    return out;
  }

  function median(values) {
    var sorted = Array.prototype.slice.call(values).sort(function (a, b) { return a - b; });
    var n = sorted.length;
    return (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  function toHex(coefficients) {
    var m = median(coefficients);
    var hex = "";
    for (var nibble = 63; nibble >= 0; nibble--) {
      var v = 0;
      for (var b = 3; b >= 0; b--) {
        v = (v << 1) | (coefficients[nibble * 4 + b] > m ? 1 : 0);
      }
      hex += v.toString(16);
    }
    return hex;
  }

  function hashImageData(imageData) {
    var rows = imageData.height;
    var cols = imageData.width;
    if (!rows || !cols) throw new Error("empty image");
    var block = decimate(jarosz(luminance(imageData.data, rows * cols), rows, cols), rows, cols);
    return { hash: toHex(dct(block)), quality: quality(block) };
  }

  // Remove near-uniform frames (added borders, letterboxing) from each side; a side flat
  // for 40% or more is content and stays (as vigil.media.images.trim_uniform_borders).
  function trimUniformBorders(imageData, tolerance, maxFraction) {
    tolerance = tolerance === undefined ? 12 : tolerance;
    maxFraction = maxFraction === undefined ? 0.4 : maxFraction;
    var w = imageData.width, h = imageData.height, d = imageData.data;
    if (w < 8 || h < 8) return imageData;
    function px(x, y, ch) { return d[(y * w + x) * 4 + ch]; }
    function flatLine(fixed, horizontal, ref) {
      var n = horizontal ? w : h;
      for (var t = 0; t < n; t++) {
        var x = horizontal ? t : fixed, y = horizontal ? fixed : t;
        for (var ch = 0; ch < 3; ch++) {
          if (Math.abs(px(x, y, ch) - ref[ch]) > tolerance) return false;
        }
      }
      return true;
    }
    function run(horizontal, fromEnd) {
      var n = horizontal ? h : w;
      var limit = Math.floor(n * maxFraction);
      var first = fromEnd ? n - 1 : 0;
      var ref = horizontal ? [px(0, first, 0), px(0, first, 1), px(0, first, 2)]
                           : [px(first, 0, 0), px(first, 0, 1), px(first, 0, 2)];
      var count = 0;
      while (count < limit && flatLine(fromEnd ? n - 1 - count : count, horizontal, ref)) count++;
      return count >= limit ? 0 : count; // that deep, it is flat content, not a frame
    }
    var top = run(true, false), bottom = run(true, true);
    var left = run(false, false), right = run(false, true);
    if (top + bottom >= h - 8 || left + right >= w - 8) return imageData;
    if (!(top || bottom || left || right)) return imageData;
    var nw = w - left - right, nh = h - top - bottom;
    var out = new Uint8ClampedArray(nw * nh * 4);
    for (var y = 0; y < nh; y++) {
      var from = ((y + top) * w + left) * 4;
      out.set(d.subarray(from, from + nw * 4), y * nw * 4);
    }
    return { width: nw, height: nh, data: out };
  }

  // Round half to even, as Python's round() does.
  function pyRound(x) {
    var r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }

  // Pillow's BILINEAR resize (a triangle filter widened when shrinking), one axis at a time,
  // rounding to 8 bits after each pass as Pillow does. src/dst: 3 channels, row-major.
  function resampleAxis(src, w, h, out, horizontal) {
    var inSize = horizontal ? w : h;
    var scale = inSize / out;
    var filterScale = Math.max(scale, 1);
    var support = filterScale;
    var ow = horizontal ? out : w, oh = horizontal ? h : out;
    var dst = new Float64Array(ow * oh * 3);
    for (var o = 0; o < out; o++) {
      var center = (o + 0.5) * scale;
      var lo = Math.max(Math.trunc(center - support + 0.5), 0);
      var hi = Math.min(Math.trunc(center + support + 0.5), inSize);
      var weights = [], total = 0;
      for (var x = lo; x < hi; x++) {
        var wgt = Math.max(0, 1 - Math.abs((x - center + 0.5) / filterScale));
        weights.push(wgt);
        total += wgt;
      }
      var lines = horizontal ? h : w;
      for (var line = 0; line < lines; line++) {
        for (var ch = 0; ch < 3; ch++) {
          var acc = 0;
          for (var t = 0; t < weights.length; t++) {
            var idx = horizontal ? (line * w + lo + t) : ((lo + t) * w + line);
            acc += src[idx * 3 + ch] * weights[t];
          }
          var v = Math.min(255, Math.max(0, Math.round(acc / total)));
          var didx = horizontal ? (line * ow + o) : (o * ow + line);
          dst[didx * 3 + ch] = v;
        }
      }
    }
    return dst;
  }

  function taper(length, fraction) {
    var out = new Float64Array(length);
    for (var i = 0; i < length; i++) {
      var x = (i + 0.5) / length;
      var edge = Math.min(x, 1 - x) / fraction;
      out[i] = edge < 1 ? 0.5 - 0.5 * Math.cos(Math.PI * edge) : 1;
    }
    return out;
  }

  // The frame hash (vigil.media.robust): the image reduced to at most 128 px, faded to its
  // mean colour at the edges, centred on its content on a canvas twice its size, then PDQ.
  // Banks keep it so that crops of the image still match.
  function frameHash(imageData) {
    var w = imageData.width, h = imageData.height, d = imageData.data;
    var rgb = new Float64Array(w * h * 3);
    for (var p = 0; p < w * h; p++) {
      rgb[p * 3] = d[p * 4]; rgb[p * 3 + 1] = d[p * 4 + 1]; rgb[p * 3 + 2] = d[p * 4 + 2];
    }
    var scale = 128 / Math.max(w, h);
    if (scale < 1) {
      var nw = Math.max(1, pyRound(w * scale)), nh = Math.max(1, pyRound(h * scale));
      if (nw !== w) { rgb = resampleAxis(rgb, w, h, nw, true); w = nw; }
      if (nh !== h) { rgb = resampleAxis(rgb, w, h, nh, false); h = nh; }
    }
    var mean = [0, 0, 0];
    for (p = 0; p < w * h; p++) for (var ch = 0; ch < 3; ch++) mean[ch] += rgb[p * 3 + ch];
    for (ch = 0; ch < 3; ch++) mean[ch] /= w * h;
    var ty = taper(h, 0.15), tx = taper(w, 0.15);
    var centred = new Float64Array(w * h * 3);
    var total = 0, sy = 0, sx = 0;
    for (var y = 0; y < h; y++) {
      for (var x = 0; x < w; x++) {
        var e = 0;
        for (ch = 0; ch < 3; ch++) {
          var v = (rgb[(y * w + x) * 3 + ch] - mean[ch]) * ty[y] * tx[x];
          centred[(y * w + x) * 3 + ch] = v;
          e += Math.abs(v);
        }
        total += e; sy += e * y; sx += e * x;
      }
    }
    var cy = total > 0 ? sy / total : (h - 1) / 2;
    var cx = total > 0 ? sx / total : (w - 1) / 2;
    var side = Math.max(Math.trunc(Math.max(w, h) * 2), w, h);
    var y0 = Math.min(Math.max(pyRound(side / 2 - cy), 0), side - h);
    var x0 = Math.min(Math.max(pyRound(side / 2 - cx), 0), side - w);
    var canvas = new Uint8ClampedArray(side * side * 4);
    for (p = 0; p < side * side; p++) {
      canvas[p * 4] = canvas[p * 4 + 1] = canvas[p * 4 + 2] = 128;
      canvas[p * 4 + 3] = 255;
    }
    for (y = 0; y < h; y++) {
      for (x = 0; x < w; x++) {
        var q = ((y + y0) * side + x + x0) * 4;
        for (ch = 0; ch < 3; ch++) {
          canvas[q + ch] = Math.trunc(Math.min(255, Math.max(0, centred[(y * w + x) * 3 + ch] + 128)));
        }
      }
    }
    return hashImageData({ width: side, height: side, data: canvas }).hash;
  }

  function pixelsOf(bitmap) {
    var canvas;
    if (typeof OffscreenCanvas !== "undefined") {
      canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    } else {
      canvas = document.createElement("canvas");
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
    }
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(bitmap, 0, 0);
    return context.getImageData(0, 0, bitmap.width, bitmap.height);
  }

  // A photo is box-reduced to at most HASH_SIDE px a side before hashing, as the server does
  // (Pillow's Image.reduce in vigil.media.hashers._bounded): the hash moves by 0-4 bits, and a
  // cheap phone hashes a 12-megapixel photo in megabytes rather than hundreds of them.
  var HASH_SIDE = 1024;
  function bounded(imageData) {
    var w = imageData.width, h = imageData.height, src = imageData.data;
    var f = Math.ceil(Math.max(w, h) / HASH_SIDE);
    if (f <= 1) return imageData;
    var ow = Math.ceil(w / f), oh = Math.ceil(h / f);
    var out = new Uint8ClampedArray(ow * oh * 4);
    var sums = new Float64Array(4);
    for (var oy = 0; oy < oh; oy++) {
      var y0 = oy * f, y1 = Math.min(y0 + f, h);
      for (var ox = 0; ox < ow; ox++) {
        var x0 = ox * f, x1 = Math.min(x0 + f, w);
        var n = (y1 - y0) * (x1 - x0);
        sums.fill(0);
        for (var y = y0; y < y1; y++) {
          for (var i = (y * w + x0) * 4, end = (y * w + x1) * 4; i < end; i += 4) {
            sums[0] += src[i]; sums[1] += src[i + 1]; sums[2] += src[i + 2]; sums[3] += src[i + 3];
          }
        }
        var o = (oy * ow + ox) * 4;
        for (var ch = 0; ch < 4; ch++) out[o + ch] = Math.floor((sums[ch] + (n >> 1)) / n);
      }
    }
    return { width: ow, height: oh, data: out };
  }

  // Decode locally (no upload, no object URL fetched over the network) and hash.
  function hashFile(file) {
    return createImageBitmap(file, { colorSpaceConversion: "none", premultiplyAlpha: "none" })
      .then(function (bitmap) {
        var data = bounded(pixelsOf(bitmap));
        if (bitmap.close) bitmap.close();
        var plain = hashImageData(data);
        var trimmedData = trimUniformBorders(data);
        var trimmed = trimmedData === data ? null : hashImageData(trimmedData).hash;
        return {
          hash: plain.hash, quality: plain.quality, trimmed: trimmed,
          // Near-flat images get no frame hash (FRAME_MIN_QUALITY in vigil.media.robust).
          frame: plain.quality >= FRAME_MIN_QUALITY ? frameHash(trimmedData) : null,
        };
      });
  }

  function hamming(a, b) {
    var n = 0;
    for (var i = 0; i < a.length; i++) {
      var x = parseInt(a[i], 16) ^ parseInt(b[i], 16);
      while (x) { n += x & 1; x >>= 1; }
    }
    return n;
  }

  global.VigilPDQ = {
    hashImageData: hashImageData,
    hashFile: hashFile,
    frameHash: frameHash,
    trimUniformBorders: trimUniformBorders,
    hamming: hamming,
  };
})(typeof window !== "undefined" ? window : globalThis);
