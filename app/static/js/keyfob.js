// Progressive enhancement for the key flows. Without this file every step is a plain
// page; with it, the steps open in a <dialog>: a link marked data-dialog-link, or a form
// inside the dialog, is fetched and the page's [data-panel] part is shown in the dialog.
//
// The contract with the templates (templates/settings/*.html, templates/macros.html):
//   dialog.dialog            the one dialog of a settings page (settings/layout.html)
//   [data-dialog-body]       inside it, where a step's content goes
//   [data-dialog-close]      closes the dialog
//   a[data-dialog-link]      a link whose page opens in the dialog (or replaces the step)
//   [data-dialog-back]       goes back one step in the dialog (Cancel), or closes it
//   [data-panel]             the part of a fetched page that is the step itself
//   [data-live="NAME"]       a section of the page refreshed when the dialog closes
//   button[data-copy]        copies the .key of its .key-box; data-copied and
//                            data-copy-failed hold the messages it announces
//   html[data-enhanced]      set by this script once it has taken over the page
"use strict";

(function () {
  const dialog = document.querySelector("dialog.dialog");
  const body = dialog && dialog.querySelector("[data-dialog-body]");
  let opener = null;
  let steps = []; // the dialog's earlier steps, for data-dialog-back
  let freshPage = null; // the page a finished flow redirected to, already fetched

  // Copy buttons exist in the markup, hidden until this script can make them work.
  function revealCopyButtons(root) {
    root.querySelectorAll("[data-copy]").forEach(function (button) { button.hidden = false; });
  }

  async function copy(button) {
    const box = button.closest(".key-box");
    const source = box.querySelector(".key");
    const status = box.querySelector(".copy-status");
    try {
      await navigator.clipboard.writeText(source.textContent.trim());
      status.textContent = button.dataset.copied;
    } catch (error) {
      status.textContent = button.dataset.copyFailed;
      window.getSelection().selectAllChildren(source);
    }
  }

  function focusFirst() {
    const target = body.querySelector("[autofocus]")
      || body.querySelector("[aria-invalid='true'], input:not([type='hidden']), .key, button, a");
    if (target) target.focus();
  }

  function show(nodes, remember) {
    if (remember && body.childNodes.length) steps.push(Array.from(body.childNodes));
    body.replaceChildren.apply(body, nodes);
    revealCopyButtons(body);
    const heading = body.querySelector("h1[id], h2[id]");
    if (heading) dialog.setAttribute("aria-labelledby", heading.id);
    if (!dialog.open) dialog.showModal();
    focusFirst();
  }

  async function load(url, options, remember) {
    let response;
    try {
      response = await fetch(url, Object.assign({ credentials: "same-origin" }, options));
    } catch (error) {
      window.location.assign(url);
      return;
    }
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const panel = page.querySelector("[data-panel]");
    if (!response.ok) {
      // An error page (a form that expired, too many attempts, a bot that is gone): its
      // message becomes the step, so the user reads it where they were working.
      show(imported(page.querySelector("main") || page.body), remember);
      return;
    }
    if (!panel && response.redirected) {
      if (new URL(response.url).pathname === window.location.pathname) {
        freshPage = page; // the flow ended back on this page: update it in place
        dialog.close();
      } else {
        window.location.assign(response.url); // e.g. the login page after the session ended
      }
      return;
    }
    show(imported(panel || page.querySelector("main") || page.body), remember);
  }

  function imported(container) {
    return Array.from(container.childNodes).map(function (n) { return document.importNode(n, true); });
  }

  async function refreshPage(focusId) {
    if (!document.querySelector("[data-live]")) return; // a page with nothing to update
    let page = freshPage;
    freshPage = null;
    if (!page) {
      const response = await fetch(window.location.href, { credentials: "same-origin" });
      page = new DOMParser().parseFromString(await response.text(), "text/html");
    }
    document.querySelectorAll("[data-live]").forEach(function (section) {
      const fresh = page.querySelector('[data-live="' + section.dataset.live + '"]');
      if (fresh) section.replaceWith(document.importNode(fresh, true));
    });
    revealCopyButtons(document);
    // The opener was replaced: focus its successor, or the page heading if it is gone.
    const again = (focusId && document.getElementById(focusId)) || document.querySelector("main h1");
    if (again) again.focus();
  }

  document.addEventListener("click", function (event) {
    const copyButton = event.target.closest("[data-copy]");
    if (copyButton) {
      copy(copyButton);
      return;
    }
    if (!dialog || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return; // a new tab or window was asked for: let the browser follow the link
    }
    const link = event.target.closest("a[data-dialog-link]");
    if (link) {
      event.preventDefault();
      if (!dialog.open) { opener = link; steps = []; }
      load(link.href, {}, dialog.open);
      return;
    }
    const back = event.target.closest("[data-dialog-back]");
    if (back && dialog.open) {
      event.preventDefault();
      const previous = steps.pop();
      if (previous) show(previous, false); else dialog.close();
      return;
    }
    if (event.target.closest("[data-dialog-close]")) dialog.close();
  });

  if (dialog) {
    dialog.addEventListener("submit", function (event) {
      const form = event.target;
      event.preventDefault();
      // The button pressed is part of what was asked (a preset is not "Create"); a browser
      // that ignores FormData's second argument gets it added by hand.
      const sent = new FormData(form, event.submitter);
      const pressed = event.submitter;
      if (pressed && pressed.name && !sent.has(pressed.name)) sent.append(pressed.name, pressed.value);
      load(form.action, { method: "POST", body: sent }, false);
    });

    dialog.addEventListener("close", function () {
      body.replaceChildren(); // the key leaves the page when the dialog closes
      steps = [];
      if (opener && opener.isConnected) opener.focus();
      refreshPage(opener && opener.id); // "last used", "created" and the log may have changed
    });
  }

  revealCopyButtons(document);
  // Links clicked before this point were followed as plain pages; from here on they open the
  // dialog. Tests wait for this mark instead of racing the deferred script.
  document.documentElement.dataset.enhanced = "";
})();
