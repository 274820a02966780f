// Passkeys in the browser (app/people/factors/passkeys.py is the server's side). A form
// that offers a passkey holds the server's options as JSON and an empty answer field; its
// passkey button asks the browser's own navigator.credentials, puts the answer (JSON, its
// bytes as base64url) in the field and submits the form as any form (in a dialog too).
//
// The contract with the templates (templates/macros.html passkey_form):
//   form[data-passkey-options]     the options, JSON in an attribute (escaped as any)
//   input[data-passkey-answer]     where the answer goes
//   button[data-passkey]           "create" or "get"; data-failed is said when it fails
//   [data-passkey-status]          where that is said (a live region)
//   [data-passkey-only]            shown only where the browser can use passkeys
//   [data-passkey-unsupported]     shown where it cannot
//   [data-passkey-needs-script]    the note for browsers without JavaScript: hidden here
"use strict";

(function () {
  function bytes(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    return Uint8Array.from(atob(padded), function (c) { return c.charCodeAt(0); });
  }

  function text(buffer) {
    let binary = "";
    new Uint8Array(buffer).forEach(function (b) { binary += String.fromCharCode(b); });
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withBytes(options) {
    options.challenge = bytes(options.challenge);
    if (options.user) options.user.id = bytes(options.user.id);
    (options.excludeCredentials || options.allowCredentials || []).forEach(function (c) {
      c.id = bytes(c.id);
    });
    return options;
  }

  function answerOf(credential) {
    const r = credential.response;
    const response = { clientDataJSON: text(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = text(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = text(r.authenticatorData);
      response.signature = text(r.signature);
      if (r.userHandle) response.userHandle = text(r.userHandle);
    }
    return JSON.stringify({
      id: credential.id,
      rawId: text(credential.rawId),
      type: credential.type,
      response: response,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
    });
  }

  async function ask(button) {
    const form = button.form;
    const status = form.querySelector("[data-passkey-status]");
    if (button.dataset.passkey === "create" && !form.reportValidity()) return;
    const options = withBytes(JSON.parse(form.dataset.passkeyOptions));
    status.textContent = "";
    try {
      const credential = button.dataset.passkey === "create"
        ? await navigator.credentials.create({ publicKey: options })
        : await navigator.credentials.get({ publicKey: options });
      form.querySelector("[data-passkey-answer]").value = answerOf(credential);
    } catch (error) {
      status.textContent = button.dataset.failed; // cancelled, timed out, or no passkey here
      return;
    }
    form.requestSubmit();
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-passkey]");
    if (!button) return;
    event.preventDefault();
    ask(button);
  });

  function showWhatWorks() {
    const able = Boolean(window.PublicKeyCredential && navigator.credentials);
    document.querySelectorAll("[data-passkey-only]").forEach(function (el) { el.hidden = !able; });
    document.querySelectorAll("[data-passkey-unsupported]").forEach(function (el) {
      el.hidden = able;
    });
    document.querySelectorAll("[data-passkey-needs-script]").forEach(function (el) {
      el.hidden = true;
    });
  }

  showWhatWorks();
  // A step fetched into the dialog (keyfob.js) arrives after this ran: show its parts too.
  new MutationObserver(showWhatWorks).observe(document.body, { childList: true, subtree: true });
})();
