// Dismissible notices. Delegated, so notices added later (htmx swaps) work too.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-dismiss]");
  if (!button) return;
  const notice = button.closest(".notice");
  if (notice) notice.remove();
  // Keyboard users would otherwise lose their place in the page.
  document.getElementById("main")?.focus();
});

// After htmx swaps a fragment in (the slot board), the button that was pressed is gone and
// keyboard focus would fall back to the top of the page. Move it to the fragment's notices
// instead: the message saying what happened is read out, and the next Tab stays nearby.
document.addEventListener("htmx:afterSettle", () => {
  const target = document.querySelector("[data-focus-after-swap]");
  if (target && target.childElementCount) target.focus();
});

// Escape closes an open menu (the account menu is a <details>) and puts focus back on it.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const menu = document.querySelector("details.dropdown[open]");
  if (!menu) return;
  menu.removeAttribute("open");
  menu.querySelector("summary")?.focus();
});
