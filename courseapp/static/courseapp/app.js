// Dismissible notices. Delegated, so notices added later (htmx swaps) work too.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-dismiss]");
  if (!button) return;
  const notice = button.closest(".notice");
  if (notice) notice.remove();
  // Keyboard users would otherwise lose their place in the page.
  document.getElementById("main")?.focus();
});
