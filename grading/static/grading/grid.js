// The grade grid: Enter moves down a column (Shift+Enter up), as in a spreadsheet; Tab moves
// along a row by itself. A changed cell is marked until the grid is saved.
document.addEventListener("keydown", (event) => {
  const input = event.target.closest(".grid-input");
  if (!input || event.key !== "Enter") return;
  event.preventDefault();
  const step = event.shiftKey ? -1 : 1;
  const column = input.dataset.col;
  let row = Number(input.dataset.row) + step;
  const grid = input.closest("[data-grade-grid]");
  while (row >= 0) {
    const next = grid.querySelector(`.grid-input[data-row="${row}"][data-col="${column}"]`);
    if (next) {
      next.focus();
      next.select();
      return;
    }
    // A row without this cell (filtered out) ends the column.
    if (!grid.querySelector(`.grid-input[data-row="${row}"]`)) return;
    row += step;
  }
});

document.addEventListener("input", (event) => {
  const input = event.target.closest(".grid-input");
  if (!input) return;
  const original = input.parentElement.querySelector('input[name^="orig-"]');
  input.classList.toggle("grid-changed", original && input.value.trim() !== original.value);
});
