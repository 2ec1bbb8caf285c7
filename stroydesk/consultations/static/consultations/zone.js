// The applicant's own time zone, so that free times are shown in it too (next to Moscow time).
document.addEventListener("DOMContentLoaded", () => {
  const field = document.querySelector("#pick-form input[name=tz]");
  if (field && !field.value && window.Intl) {
    field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  }
});
