// pressroom dashboard: the little the pages cannot do without script. Everything works without
// it (forms post, statements expand); this adds copy buttons and applies the window selector.
"use strict";

document.documentElement.classList.add("js");

function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text);
  }
  // Plain http on another host is not a secure context: fall back to a hidden selection.
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "offscreen";
  document.body.appendChild(area);
  area.select();
  try {
    document.execCommand("copy");
  } finally {
    area.remove();
  }
  return Promise.resolve();
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const code = button.closest(".sqlblock").querySelector("pre");
  copyText(code.textContent).then(
    () => { button.textContent = "Copied"; },
    () => { button.textContent = "Select and copy"; },
  );
  setTimeout(() => { button.textContent = "Copy"; }, 1500);
});

document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    const form = select.form;
    const custom = () => form.classList.toggle("custom", select.value === "custom");
    custom();
    select.addEventListener("change", () => {
      custom();
      if (select.value !== "custom") form.submit();
    });
  }
});
