// On-device hashing in the survivor portal: each chosen picture is hashed by pdq.js, one at a
// time (a cheap phone has little memory), and only {hash, quality, trimmed, frame} go into the
// form. The file chooser is outside the form and is cleared afterwards, so no picture is sent.
(function () {
  "use strict";
  var input = document.getElementById("images");
  var field = document.getElementById("hashes");
  var status = document.getElementById("hash-status");
  var submit = document.getElementById("hash-submit");
  if (!input || !field || !status || !submit || !window.VigilPDQ) { return; }
  var max = parseInt(input.getAttribute("data-max"), 10) || 20;

  function say(key, values) {
    var text = status.getAttribute("data-" + key) || "";
    Object.keys(values).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(values[name]));
    });
    status.textContent = text;
  }

  input.addEventListener("change", function () {
    var files = Array.prototype.slice.call(input.files || [], 0, max);
    var results = [];
    var failed = 0;
    field.value = "";
    submit.disabled = true;
    var chain = Promise.resolve();
    files.forEach(function (file, i) {
      chain = chain.then(function () {
        say("working", { n: i + 1, total: files.length });
        return window.VigilPDQ.hashFile(file).then(function (r) {
          results.push({ hash: r.hash, quality: r.quality, trimmed: r.trimmed || null,
                         frame: r.frame || null });
        }, function () { failed += 1; });
      });
    });
    chain.then(function () {
      input.value = "";  // forget the files: nothing of them stays in the page
      field.value = JSON.stringify(results);
      say("ready", { n: results.length });
      if (failed) { status.textContent += " " + (status.getAttribute("data-failed") || "").split("{n}").join(String(failed)); }
      submit.disabled = results.length === 0;
    });
  });
})();
