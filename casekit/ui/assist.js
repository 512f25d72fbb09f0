// casekit's page helper (see casekit/ui/assist.py): the forms keep their state in
// CSS classes; this mirrors it into ARIA attributes as the page changes, and moves
// the focus when the forms ask. It only adds attributes: without it the forms still
// work, and every single input still has its <label>.

const APP = ".casekit-app";
let counter = 0;

function idOf(el) {
  if (!el.id) el.id = `casekit-a11y-${++counter}`;
  return el.id;
}

function put(el, name, value) {
  // Only write what changed: a write of the same value would still wake observers.
  if (value === null) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== value) {
    el.setAttribute(name, value);
  }
}

function label(row) {
  return row.querySelector(".casekit-group-label, .widget-label");
}

function fields(root) {
  for (const row of root.querySelectorAll(".casekit-row")) {
    const described = [".casekit-help", ".casekit-problem"]
      .map((selector) => row.querySelector(`:scope > ${selector}`))
      .filter((el) => el && el.textContent.trim())
      .map(idOf)
      .join(" ");
    const invalid = row.classList.contains("casekit-invalid") ? "true" : null;
    const group = row.querySelector(".casekit-group");
    const named = label(row);
    if (group && named) {
      put(group, "role", "group");
      put(group, "aria-labelledby", idOf(named));
      put(group, "aria-describedby", described || null);
    }
    for (const input of row.querySelectorAll("input, select, textarea")) {
      if (!group) put(input, "aria-describedby", described || null);
      put(input, "aria-invalid", invalid);
    }
    for (const button of row.querySelectorAll(".casekit-group button")) {
      put(button, "aria-pressed", String(button.classList.contains("mod-active")));
    }
  }
}

function folds(root) {
  for (const fold of root.querySelectorAll(".casekit-fold")) {
    const header = fold.querySelector(":scope > .casekit-fold-header");
    const body = fold.querySelector(":scope > .casekit-fold-body");
    if (!header || !body) continue;
    const open = header.classList.contains("casekit-fold-open");
    put(header, "aria-expanded", String(open));
    put(header, "aria-controls", idOf(body));
  }
}

function regions(root) {
  // A live region must be in the page before its text changes to be announced:
  // the status line is always there, empty until there is something to say.
  for (const status of root.querySelectorAll(".casekit-status")) {
    put(status, "role", "status");
    put(status, "aria-live", "polite");
    put(status, "aria-atomic", "true");
    put(status, "tabindex", "-1"); // the focus goes here after Save
  }
  for (const region of root.querySelectorAll(".casekit-region")) {
    put(region, "role", "region");
    const heading = region.querySelector("h2, h3, b");
    if (heading) put(region, "aria-labelledby", idOf(heading));
  }
}

function enhance(root) {
  fields(root);
  folds(root);
  regions(root);
}

function shown(el) {
  return el.isConnected && el.getClientRects().length > 0;
}

function focusable(el) {
  if (el.matches("input, select, textarea, button, [tabindex]")) return el;
  return el.querySelector("input:not([disabled]), select, textarea, button") || el;
}

function focusWhenShown(root, selector, tries = 120) {
  // The forms ask for the focus in the same breath as they change the page: wait
  // (a frame at a time, two seconds at most) until the target is drawn.
  const target = root.querySelector(selector);
  if (!target || !shown(target)) {
    if (tries > 0) {
      requestAnimationFrame(() => focusWhenShown(root, selector, tries - 1));
    }
    return;
  }
  enhance(root);
  const el = focusable(target);
  el.focus({ preventScroll: true });
  el.scrollIntoView({ block: "center", inline: "nearest" });
}

function watch(root) {
  let queued = false;
  const update = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      enhance(root);
    });
  };
  const observer = new MutationObserver(update);
  observer.observe(root, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
    attributeFilter: ["class", "style"],
  });
  enhance(root);
  return observer;
}

function render({ model, el }) {
  el.classList.add("casekit-assist");
  let root = null;
  let observer = null;
  const attach = (tries) => {
    root = el.closest(APP);
    if (root) {
      observer = watch(root);
    } else if (tries > 0) {
      requestAnimationFrame(() => attach(tries - 1)); // not in the page yet
    }
  };
  attach(600);
  const onMessage = (message) => {
    if (message && message.focus && root) focusWhenShown(root, message.focus);
  };
  model.on("msg:custom", onMessage);
  return () => {
    model.off("msg:custom", onMessage);
    if (observer) observer.disconnect();
  };
}

export default { render };
