// Forms that keep what was typed and say their limits before sending (issue 16). Every form works without it.
document.addEventListener("DOMContentLoaded", () => {
  // Chinese file inputs: show the chosen file's name, and refuse a file over the limit before the upload.
  document.querySelectorAll(".file-input input[type=file]").forEach((input) => {
    const name = input.closest(".file-input").querySelector(".file-name");
    input.addEventListener("change", () => {
      const file = input.files[0];
      name.textContent = file ? file.name : name.dataset.empty;
      const tooLarge = file && file.size > Number(input.dataset.maxBytes);
      input.setCustomValidity(tooLarge ? input.dataset.tooLarge : "");
      name.classList.toggle("field-error", Boolean(tooLarge));
      if (tooLarge) name.textContent = input.dataset.tooLarge;
    });
  });
  // Text limits: a counter under each limited field, marked when over (the server says so on the field too).
  document.querySelectorAll("[data-max-length]").forEach((field) => {
    const max = Number(field.dataset.maxLength);
    const counter = document.createElement("span");
    counter.className = "char-count muted";
    field.insertAdjacentElement("afterend", counter);
    const update = () => {
      const length = field.value.length;
      counter.textContent = `${length} / ${max}`;
      counter.classList.toggle("over", length > max);
    };
    field.addEventListener("input", update);
    update();
  });
});
