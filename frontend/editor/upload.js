// Pasting or dropping a file into the editor attaches it to the page (the page's files
// upload, as JSON) and puts its markdown where the cursor was, with progress; a refused
// file says why and leaves the text as it was.
import { EditorView } from "@codemirror/view";
import { gettext } from "./text.js";

export function uploads({ url, csrf, status }) {
  function send(view, file) {
    const marker = "![Uploading " + file.name.replace(/[[\]]/g, "") + "…]()";
    const at = view.state.selection.main.head;
    view.dispatch({ changes: { from: at, insert: marker } });

    function replace(text) {
      const doc = view.state.doc.toString();
      const found = doc.indexOf(marker);
      if (found >= 0) view.dispatch({ changes: { from: found, to: found + marker.length, insert: text } });
    }

    const data = new FormData();
    data.append("file", file, file.name);
    data.append("csrf_token", csrf);
    const request = new XMLHttpRequest();
    request.open("POST", url);
    request.setRequestHeader("Accept", "application/json");
    request.setRequestHeader("X-CSRFToken", csrf);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) {
        status(
          gettext("Uploading {file}: {percent}%", { file: file.name, percent: Math.round((100 * event.loaded) / event.total) }),
          event.loaded / event.total,
        );
      }
    });
    request.addEventListener("load", () => {
      let answer = {};
      try {
        answer = JSON.parse(request.responseText);
      } catch {
        answer = {};
      }
      if (request.status >= 200 && request.status < 300 && answer.attachments && answer.attachments.length) {
        replace(answer.attachments.map((a) => a.markdown).join("\n"));
        status(gettext("Attached {file}.", { file: file.name }));
      } else {
        replace("");
        const reason = answer.message || answer.error || gettext("the server said {status}", { status: request.status });
        status(gettext("Not attached: {reason}.", { reason }), null, true);
      }
    });
    request.addEventListener("error", () => {
      replace("");
      status(gettext("Not attached: the wiki could not be reached."), null, true);
    });
    request.send(data);
  }

  function files(list, view) {
    const found = Array.from(list || []);
    found.forEach((file) => send(view, file));
    return found.length > 0;
  }

  return {
    extension: EditorView.domEventHandlers({
      paste(event, view) {
        if (!url || !event.clipboardData || !event.clipboardData.files.length) return false;
        event.preventDefault();
        return files(event.clipboardData.files, view);
      },
      drop(event, view) {
        if (!url || !event.dataTransfer || !event.dataTransfer.files.length) return false;
        event.preventDefault();
        const at = view.posAtCoords({ x: event.clientX, y: event.clientY });
        if (at !== null) view.dispatch({ selection: { anchor: at } });
        return files(event.dataTransfer.files, view);
      },
    }),
    choose(view) {
      if (!url) {
        status(gettext("Save the page first: files are attached to a page that exists."), null, true);
        return true;
      }
      const input = document.createElement("input");
      input.type = "file";
      input.multiple = true;
      input.addEventListener("change", () => files(input.files, view));
      input.click();
      return true;
    },
  };
}
