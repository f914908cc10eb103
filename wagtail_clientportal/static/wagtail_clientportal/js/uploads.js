// Sending files: drag and drop onto the form and a progress bar. A static file (the
// portal's CSP allows no inline script). Without JavaScript the plain form posts and
// the page answers; with it the same form is posted with XMLHttpRequest, whose upload
// events give the progress, and the server answers in JSON.
(function () {
  "use strict";
  var form = document.querySelector("[data-upload-form]");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var input = form.querySelector("input[type=file]");
  var drop = form.querySelector("[data-upload-drop]");
  var hint = form.querySelector("[data-upload-hint]");
  var progress = form.querySelector("[data-upload-progress]");
  var status = form.querySelector("[data-upload-status]");
  var button = form.querySelector("button[type=submit]");

  function say(lines) {
    status.textContent = "";
    lines.forEach(function (line) {
      var p = document.createElement("p");
      p.textContent = line;
      status.appendChild(p);
    });
  }

  if (hint) { hint.hidden = false; }
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (event) {
      event.preventDefault();
      drop.classList.add("upload-drop--over");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function () { drop.classList.remove("upload-drop--over"); });
  });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
    }
  });

  form.addEventListener("submit", function (event) {
    if (!input.files.length) { return; }
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    progress.hidden = false;
    progress.value = 0;
    button.disabled = true;
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { progress.value = Math.round((e.loaded / e.total) * 100); }
    });
    xhr.addEventListener("load", function () {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (ignored) { answer = null; }
      if (xhr.status === 200 && answer && answer.location) {
        window.location.assign(answer.location);
        return;
      }
      button.disabled = false;
      progress.hidden = true;
      if (answer && answer.files && answer.files.length) {
        say(answer.files.map(function (f) { return f.name + ": " + f.message; }));
      } else if (answer && answer.message) {
        say([answer.message]);
      } else {
        form.submit(); // an unexpected answer: let the page say what happened
      }
    });
    xhr.addEventListener("error", function () {
      button.disabled = false;
      progress.hidden = true;
      form.submit();
    });
    xhr.send(new FormData(form));
  });
}());
