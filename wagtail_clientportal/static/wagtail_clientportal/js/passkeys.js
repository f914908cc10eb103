// Passkeys (WebAuthn): one button per page, [data-passkey="login"|"register"], with its
// begin/complete URLs and its messages in data- attributes. A static file: the portal's
// CSP allows no inline script (the library's own script reads its configuration from an
// inline JSON block and talks to the library's URLs, which bypass the portal's rules).
// Without WebAuthn the button stays hidden and the page says so; codes keep working.
(function () {
  "use strict";
  var button = document.querySelector("[data-passkey]");
  if (!button) { return; }
  var status = document.querySelector("[data-passkey-status]");
  function say(message) { if (status) { status.textContent = message || ""; } }

  if (!(window.PublicKeyCredential && navigator.credentials && window.fetch)) {
    var note = document.querySelector("[data-passkey-unsupported]");
    if (note) { note.hidden = false; }
    return;
  }
  button.hidden = false;

  function toBytes(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }
  function toText(buffer) {
    if (!buffer) { return null; }
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: toBytes(item.id), transports: item.transports };
    });
  }
  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken()
      },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var failure = new Error(data.detail || button.getAttribute("data-failed"));
          failure.fromServer = true;
          throw failure;
        }
        return data;
      });
    });
  }
  function answer(credential) {
    var response = credential.response;
    var result = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults
        ? credential.getClientExtensionResults() : {},
      response: { clientDataJSON: toText(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      result.response.attestationObject = toText(response.attestationObject);
      result.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      result.response.authenticatorData = toText(response.authenticatorData);
      result.response.signature = toText(response.signature);
      result.response.userHandle = toText(response.userHandle);
    }
    return result;
  }
  function ceremony(options) {
    var publicKey = Object.assign({}, options, { challenge: toBytes(options.challenge) });
    if (button.getAttribute("data-passkey") === "register") {
      publicKey.user = Object.assign({}, options.user, { id: toBytes(options.user.id) });
      publicKey.excludeCredentials = descriptors(options.excludeCredentials);
      return navigator.credentials.create({ publicKey: publicKey });
    }
    publicKey.allowCredentials = descriptors(options.allowCredentials);
    return navigator.credentials.get({ publicKey: publicKey });
  }

  var busy = false;
  button.addEventListener("click", function () {
    if (busy) { return; }
    busy = true;
    button.setAttribute("aria-busy", "true");
    say(button.getAttribute("data-working"));
    var begin = {};
    if (button.hasAttribute("data-alone")) { begin.alone = true; }
    if (button.getAttribute("data-next")) { begin.next = button.getAttribute("data-next"); }
    post(button.getAttribute("data-begin"), begin)
      .then(ceremony)
      .then(function (credential) {
        return post(button.getAttribute("data-complete"), { credential: answer(credential) });
      })
      .then(function (result) { window.location.assign(result.redirect); })
      .catch(function (failure) {
        busy = false;
        button.removeAttribute("aria-busy");
        if (failure && failure.fromServer) {
          say(failure.message);
        } else if (failure && (failure.name === "NotAllowedError" || failure.name === "AbortError")) {
          say(button.getAttribute("data-cancelled"));
        } else {
          say(button.getAttribute("data-failed"));
        }
      });
  });
})();
