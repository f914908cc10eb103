// Copy buttons: <button data-copy="text" data-done="…" data-failed="…" hidden>.
// A static file: the portal's CSP allows no inline script. Without JavaScript (or the
// Clipboard API) the buttons stay hidden; the text is on the page to select by hand.
(function () {
  "use strict";
  var status = document.querySelector("[data-copy-status]");
  function say(message) { if (status) { status.textContent = message; } }
  if (!navigator.clipboard) { return; }
  Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-copy")).then(
        function () { say(button.getAttribute("data-done")); },
        function () { say(button.getAttribute("data-failed")); }
      );
    });
  });
})();
