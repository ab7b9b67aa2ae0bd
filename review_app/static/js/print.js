// The print view's button (inline handlers are not allowed by the page's content security policy).
document.querySelectorAll("[data-print]").forEach((button) => button.addEventListener("click", () => window.print()));
