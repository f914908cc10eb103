// Backup codes: copy, download as a text file, print. A static file: the portal's CSP
// allows no inline script. Without JavaScript the buttons stay hidden; the codes are
// on the page and the browser's own print still works.
(function () {
  "use strict";
  var box = document.querySelector("[data-backup-codes]");
  if (!box) { return; }
  var codes = Array.prototype.map.call(box.querySelectorAll("code"), function (el) {
    return el.textContent.trim();
  });
  var text = codes.join("\n") + "\n";
  var status = document.querySelector("[data-backup-codes-status]");
  function say(message) { if (status) { status.textContent = message; } }

  var copy = document.querySelector("[data-backup-codes-copy]");
  if (copy && navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      navigator.clipboard.writeText(text).then(
        function () { say(copy.getAttribute("data-done")); },
        function () { say(copy.getAttribute("data-failed")); }
      );
    });
  }
  var download = document.querySelector("[data-backup-codes-download]");
  if (download) {
    download.hidden = false;
    download.addEventListener("click", function () {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
      link.download = download.getAttribute("data-filename");
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    });
  }
  var print = document.querySelector("[data-backup-codes-print]");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
})();
