// Quick exit: leave at once for a neutral site and replace this page in the history, so the
// Back button does not return here. Also on Shift pressed three times within 1.5 seconds.
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) { return; }
  var target = link.getAttribute("data-exit-url") || "https://www.google.com/";
  function leave(event) {
    if (event) { event.preventDefault(); }
    try { document.body.innerHTML = ""; document.title = ""; } catch (e) { /* keep going */ }
    window.location.replace(target);
  }
  link.addEventListener("click", leave);
  var presses = [];
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift" || event.repeat) { return; }
    var now = Date.now();
    presses = presses.filter(function (t) { return now - t < 1500; });
    presses.push(now);
    if (presses.length >= 3) { leave(null); }
  });
})();
