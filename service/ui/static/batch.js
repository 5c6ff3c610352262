// Batch job page: poll the job's status and update the progress bar in place (the page works
// without this script too: it then refreshes itself every 2 s).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  function text(id, value) { document.getElementById(id).textContent = value; }
  function fmt(n) { return n === null ? "?" : n.toLocaleString("en"); }
  function poll() {
    fetch(url, {credentials: "same-origin", cache: "no-store"}).then(function (r) { return r.json(); })
      .then(function (job) {
        text("job-status", job.status);
        var bar = document.getElementById("job-progress");
        if (job.percent !== null) { bar.value = job.percent; bar.textContent = job.percent + "%"; }
        text("job-rows", fmt(job.rows_done) + " of " + fmt(job.total_rows));
        text("job-rate", job.rate + " rows/s");
        text("job-eta", job.eta_seconds !== null ? job.eta_seconds + " s"
          : (job.status === "done" ? "done in " + job.elapsed_seconds + " s" : "–"));
        if (job.status === "done") {
          text("job-alerts", job.alerts);
          text("job-rejects", job.rejects);
          document.getElementById("job-downloads").hidden = false;
        }
        if (job.error) {
          var err = document.getElementById("job-error");
          err.textContent = job.error;
          err.hidden = false;
        }
        if (job.status === "queued" || job.status === "running") { window.setTimeout(poll, 500); }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  poll();
}());
