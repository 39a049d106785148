// Abusive media stays blurred until the reviewer clicks it (or its "Show" button); a second
// click blurs it again.
(function () {
  "use strict";
  function toggle(target) {
    if (!target) { return; }
    target.classList.toggle("revealed");
    var shown = target.classList.contains("revealed");
    var button = document.querySelector('[data-reveal="' + target.id + '"]');
    if (button) { button.setAttribute("aria-pressed", shown ? "true" : "false"); }
  }
  document.addEventListener("click", function (event) {
    var el = event.target;
    if (!(el instanceof Element)) { return; }
    var button = el.closest("[data-reveal]");
    if (button) { toggle(document.getElementById(button.getAttribute("data-reveal"))); return; }
    var media = el.closest(".blurred");
    if (media) { toggle(media); }
  });
})();
