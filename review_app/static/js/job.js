// Follows a job's progress on its page and opens the result when it is done.
document.addEventListener("DOMContentLoaded", () => {
  const card = document.querySelector("[data-job-status]");
  if (!card) return;
  const bar = card.querySelector("progress");
  const message = card.querySelector("[data-job-message]");
  const poll = async () => {
    const response = await fetch(card.dataset.jobStatus, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const job = await response.json();
    bar.value = job.progress;
    message.textContent = job.message;
    if (job.target) window.location.assign(job.target);
    else if (job.status === "queued" || job.status === "running") setTimeout(poll, 1000);
  };
  setTimeout(poll, 500);
});
