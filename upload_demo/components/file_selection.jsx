// Keeps one dropzone's selection the way the page's policy says, whatever adds to it.
//
// Rendered once per dropzone by the shared panel (components/file_selection.py wraps it).
// The dropzone's own drops and clicks, a paste (Ctrl/Cmd+V), a folder chosen in the
// folder picker and a photo or video from the camera input all come through `add`: the
// same type, size, count and total checks as react-dropzone's, over the whole selection,
// so that a folder bigger than the page allows is refused before anything is sent.
// The selection itself stays Reflex's (the upload context's filesById, which
// rx.selected_files reads and rx.clear_selected_files empties); this appends to it and
// removes one file from it. It reports every change of the selection (onChange) and
// every refusal (onRefused) to the page's State. On a one-step page nothing is selected:
// each add is checked on its own and its files go to onFiles, the chain of the
// dropzone's on_drop, so a paste or a folder is uploaded as a drop is.
//
// Previews are object URLs of the selected images, made on first use and revoked as
// soon as their file leaves the selection (removed, cleared, or sent and cleared).
import { createElement, useContext, useEffect, useRef } from "react";

// The pages' dropzones, by id: what the exported functions reach.
const controllers = {};

// An empty selection, always the same array (an effect runs when the selection changes).
const NOTHING = [];

// Object URLs of the images shown, by file, and per dropzone the files that have one.
const previewUrls = new WeakMap();
const previewed = {};

function isImage(file) {
  return /^image\/(png|jpeg|gif|webp|avif|bmp)$/.test(file.type || "");
}

// The path the browser gave a file: "./a.png" for a chosen file, "/photos/2024/a.png" for
// a dropped folder, "photos/2024/a.png" from the folder picker (the server keeps its folder).
function pathOf(file) {
  return file.path || file.webkitRelativePath || "";
}

// The same file chosen twice (from the same place) is selected once.
function identity(file) {
  return [pathOf(file).replace(/^\.?\//, ""), file.name, file.size, file.lastModified].join("\u0000");
}

// The preview URLs of a selection, in its order ("" for a file that is not an image).
export function previewsOf(uploadId, files) {
  const list = files || [];
  const kept = previewed[uploadId] || (previewed[uploadId] = new Set());
  return list.map((file) => {
    if (!isImage(file)) {
      return "";
    }
    let url = previewUrls.get(file);
    if (!url) {
      url = URL.createObjectURL(file);
      previewUrls.set(file, url);
      kept.add(file);
    }
    return url;
  });
}

function revokeAllBut(uploadId, files) {
  const kept = previewed[uploadId];
  if (!kept) {
    return;
  }
  const current = new Set(files);
  for (const file of [...kept]) {
    if (!current.has(file)) {
      URL.revokeObjectURL(previewUrls.get(file));
      previewUrls.delete(file);
      kept.delete(file);
    }
  }
}

// What the page's State is told of a selection: no bytes, only what the list shows.
export function describeFiles(files) {
  return files.map((file) => ({
    name: file.name,
    path: pathOf(file),
    size: file.size,
    type: file.type || "",
  }));
}

// react-dropzone's accept rule: a MIME type (or a type/* wildcard), or an extension.
function accepts(file, accept) {
  const entries = Object.entries(accept || {});
  if (entries.length === 0) {
    return true;
  }
  const type = (file.type || "").toLowerCase();
  const name = (file.name || "").toLowerCase();
  return entries.some(
    ([mime, extensions]) =>
      mime === type ||
      (mime.endsWith("/*") && type.startsWith(mime.slice(0, -1))) ||
      (extensions || []).some((extension) => name.endsWith(extension.toLowerCase())),
  );
}

// The codes react-dropzone would give a file on its own (the page words them).
function fileCodes(file, rules) {
  const codes = [];
  if (!accepts(file, rules.accept)) {
    codes.push("file-invalid-type");
  }
  if (file.size > rules.maxSize) {
    codes.push("file-too-large");
  }
  if (file.size < rules.minSize) {
    codes.push("file-too-small");
  }
  return codes;
}

// Which of `files` join `selection`, and which are refused and why. A page that takes
// one file replaces its selection; a page that takes several adds to it, all of one
// add or none of it when the count or total would go over (as react-dropzone refuses
// a whole drop of too many files).
export function merge(selection, files, rules) {
  const refused = [];
  const fitting = [];
  const known = new Set(selection.map(identity));
  for (const file of files) {
    const codes = fileCodes(file, rules);
    if (codes.length === 0 && rules.multiple && known.has(identity(file))) {
      codes.push("already-selected");
    }
    if (codes.length) {
      refused.push(refusal(file, codes));
    } else {
      known.add(identity(file));
      fitting.push(file);
    }
  }
  if (!rules.multiple) {
    if (fitting.length > 1) {
      return { selection, refused: [...refused, ...tooMany(fitting)] };
    }
    return { selection: fitting.length ? fitting : selection, refused };
  }
  if (selection.length + fitting.length > rules.maxFiles) {
    return { selection, refused: [...refused, ...tooMany(fitting)] };
  }
  const bytes = [...selection, ...fitting].reduce((sum, file) => sum + file.size, 0);
  if (fitting.length && bytes > rules.maxTotal) {
    const over = fitting.map((f) => refusal(f, ["total-too-large"]));
    return { selection, refused: [...refused, ...over] };
  }
  return { selection: [...selection, ...fitting], refused };
}

function tooMany(files) {
  return files.map((f) => refusal(f, ["too-many-files"]));
}

// What the page is told of a refused file: its name and path, and why (codes).
function refusal(file, codes) {
  return { name: file.name, path: pathOf(file), codes };
}

// A folder picker's files carry their path as webkitRelativePath; Reflex's upload sends
// `file.path`, which file-selector sets on dropped files: set it the same way.
function withPath(file) {
  if (typeof file.path !== "string" && file.webkitRelativePath) {
    Object.defineProperty(file, "path", { value: file.webkitRelativePath, enumerable: true });
  }
  return file;
}

function filesOfPaste(event) {
  const items = Array.from(event.clipboardData ? event.clipboardData.items : []);
  return items
    .filter((item) => item.kind === "file")
    .map((item) => item.getAsFile())
    .filter(Boolean);
}

function isTextField(target) {
  return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

function hiddenInput(ref, props, onFiles) {
  return createElement("input", {
    ref,
    type: "file",
    tabIndex: -1,
    "aria-hidden": "true",
    style: { display: "none" },
    onChange: (event) => {
      onFiles(Array.from(event.target.files || []).map(withPath));
      event.target.value = "";
    },
    ...props,
  });
}

export function FileSelection(props) {
  const [filesById, setFilesById] = useContext(props.context);
  const files = filesById[props.uploadId] || NOTHING;
  const latest = useRef({});
  latest.current = { ...props, files };
  const refusedSoFar = useRef([]);
  const folderInput = useRef(null);
  const captureInput = useRef(null);

  useEffect(() => {
    const uploadId = props.uploadId;
    const report = (refused) => {
      if (refused.length === 0) {
        return;
      }
      // react-dropzone reports a drop's refusals and its accepted files in two calls:
      // the page hears of both at once.
      if (refusedSoFar.current.length === 0) {
        queueMicrotask(() => {
          const all = refusedSoFar.current;
          refusedSoFar.current = [];
          latest.current.onRefused?.(all);
        });
      }
      refusedSoFar.current.push(...refused);
    };
    const add = (added) => {
      const now = latest.current;
      if (now.disabled || added.length === 0) {
        return;
      }
      if (now.oneStep) {
        const { selection, refused } = merge(NOTHING, added, now.rules);
        report(refused);
        if (selection.length) {
          now.onFiles?.(selection);
        }
        return;
      }
      const { selection, refused } = merge(now.files, added, now.rules);
      report(refused);
      if (selection !== now.files) {
        latest.current = { ...now, files: selection };
        setFilesById((byId) => ({ ...byId, [uploadId]: selection }));
      }
    };
    const onPaste = (event) => {
      const pasted = filesOfPaste(event);
      if (pasted.length === 0 || isTextField(event.target)) {
        return;
      }
      event.preventDefault();
      add(pasted);
    };
    controllers[uploadId] = {
      add,
      refuse: (records) =>
        report(records.map((r) => refusal(r.file, r.errors.map((e) => e.code)))),
      remove: (index) => {
        const kept = latest.current.files.filter((_, i) => i !== index);
        latest.current = { ...latest.current, files: kept };
        setFilesById((byId) => ({ ...byId, [uploadId]: kept }));
      },
      chooseFolder: () => folderInput.current?.click(),
      capture: () => captureInput.current?.click(),
    };
    if (props.paste) {
      document.addEventListener("paste", onPaste);
    }
    return () => {
      document.removeEventListener("paste", onPaste);
      delete controllers[uploadId];
      revokeAllBut(uploadId, []);
    };
  }, [props.uploadId, props.paste, setFilesById]);

  useEffect(() => {
    revokeAllBut(props.uploadId, files);
    latest.current.onChange?.(describeFiles(files));
  }, [files]);

  const add = (added) => controllers[props.uploadId]?.add(added);
  const inputs = [];
  if (props.folders) {
    inputs.push(
      hiddenInput(folderInput, { key: "folder", webkitdirectory: "", multiple: true, className: "folder-input" }, add),
    );
  }
  if (props.capture) {
    inputs.push(
      hiddenInput(
        captureInput,
        { key: "capture", accept: props.capture.accept, capture: props.capture.mode, className: "capture-input" },
        add,
      ),
    );
  }
  return createElement("span", { className: "file-selection-inputs" }, ...inputs);
}

export function addDropped(uploadId, files) {
  controllers[uploadId]?.add(Array.from(files || []));
}

export function refuseDropped(uploadId, records) {
  controllers[uploadId]?.refuse(Array.from(records || []));
}

export function removeSelected(uploadId, index) {
  controllers[uploadId]?.remove(index);
}

export function chooseFolder(uploadId) {
  controllers[uploadId]?.chooseFolder();
}

export function openCapture(uploadId) {
  controllers[uploadId]?.capture();
}
