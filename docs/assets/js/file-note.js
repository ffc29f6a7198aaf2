// Opened straight from disk (file://), a browser refuses the module scripts, workers and data
// fetches the live widgets need, so they would stay silently static. This classic script (it
// does run from disk) says so in every widget box, and how to serve the folder (issue 23).
(function () {
  if (location.protocol !== "file:") return;
  var page = location.pathname.split("/").pop() || "index.html";
  var boxes = document.querySelectorAll(".llm-widget[data-widget]");
  for (var i = 0; i < boxes.length; i++) {
    var root = boxes[i];
    root.dataset.widgetState = "unavailable";
    var note = document.createElement("p");
    note.className = "llm-widget-status llm-file-note";
    note.setAttribute("role", "note");
    note.append("Serve the folder over http to use the live widgets: in the folder that holds site/, run ");
    var cmd = document.createElement("code");
    cmd.textContent = "python -m http.server -d site";
    note.append(cmd, " and open ");
    var url = document.createElement("code");
    url.textContent = "localhost:8000/" + page; // (no scheme: the site names no outside URL)
    note.append(url, ". Until then this box shows the result computed when the page was built.");
    root.prepend(note);
  }
})();
