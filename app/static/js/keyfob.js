// Progressive enhancement for the key flows. Without this file every step is a plain
// page; with it, the steps open in a <dialog>: a link marked data-dialog-link, or a form
// inside the dialog, is fetched and the page's [data-panel] part is shown in the dialog.
"use strict";

(function () {
  const dialog = document.querySelector("dialog.dialog");
  const body = dialog && dialog.querySelector("[data-dialog-body]");
  let opener = null;
  let history = [];
  let freshPage = null; // the page a finished flow redirected to, already fetched

  function enhanceCopyButtons(root) {
    root.querySelectorAll("[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", async function () {
        const source = document.getElementById(button.dataset.copy);
        const status = button.parentElement.querySelector(".copy-status");
        try {
          await navigator.clipboard.writeText(source.textContent.trim());
          if (status) status.textContent = button.dataset.copied || "Copied!";
        } catch (error) {
          if (status) status.textContent = button.dataset.copyFailed || "Select the key and copy it.";
          window.getSelection().selectAllChildren(source);
        }
      });
    });
  }

  function show(nodes, remember) {
    if (remember && body.childNodes.length) {
      history.push(Array.from(body.childNodes));
    }
    body.replaceChildren.apply(body, nodes);
    enhanceCopyButtons(body);
    const heading = body.querySelector("h1, h2");
    if (heading && heading.id) dialog.setAttribute("aria-labelledby", heading.id);
    const target = body.querySelector("[autofocus], input, .key, button, a");
    if (target) target.focus();
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
    if (!panel && response.redirected) {
      if (new URL(response.url).pathname === window.location.pathname) {
        freshPage = page; // the flow ended back on this page: update it in place
        dialog.close();
      } else {
        window.location.assign(response.url); // e.g. the login page after the session ended
      }
      return;
    }
    const content = panel || page.querySelector("main") || page.body;
    show(Array.from(content.childNodes).map(function (n) { return document.importNode(n, true); }), remember);
    if (!dialog.open) dialog.showModal();
  }

  async function refreshPage(focusId) {
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
    // The opener was replaced: focus its successor, or the page heading if it is gone.
    const again = (focusId && document.getElementById(focusId)) || document.querySelector("main h1");
    if (again) again.focus();
  }

  if (!dialog) {
    enhanceCopyButtons(document);
    return;
  }

  document.addEventListener("click", function (event) {
    const link = event.target.closest("a[data-dialog-link]");
    if (link) {
      event.preventDefault();
      if (!dialog.open) { opener = link; history = []; }
      load(link.href, {}, dialog.open);
      return;
    }
    const back = event.target.closest("[data-dialog-back]");
    if (back && dialog.open) {
      event.preventDefault();
      const previous = history.pop();
      if (previous) show(previous, false); else dialog.close();
      return;
    }
    if (event.target.closest("[data-dialog-close]")) dialog.close();
  });

  dialog.addEventListener("submit", function (event) {
    const form = event.target;
    event.preventDefault();
    load(form.action, { method: "POST", body: new FormData(form) }, false);
  });

  dialog.addEventListener("close", function () {
    body.replaceChildren(); // the key leaves the page when the dialog closes
    history = [];
    if (opener) opener.focus();
    refreshPage(opener && opener.id); // "last used", "created" and the log may have changed
  });

  enhanceCopyButtons(document);
})();
