// Sends a dropzone's files with tus (tus-js-client), one resumable upload per file.
//
// Rendered once by the /resumable page (components/resumable_uploads.py wraps it). It reads
// the files the dropzone holds from Reflex's upload context, and reports each file's
// state through its event triggers: onChange (progress, paused, retrying, resuming,
// failed, cancelled) and onFinished (the server has every byte and has stored it).
// The page's buttons call the exported functions below, by the dropzone's id.
//
// tus-js-client keeps each upload's URL in localStorage under the file's fingerprint
// (name, type, size, modification time, endpoint), so the same file chosen again after
// a reload or a browser restart resumes from the last byte the server confirmed.
import { createElement, useContext, useEffect, useRef, useState } from "react";
import * as tus from "tus-js-client";
import { UploadFilesContext } from "$/utils/context";

// Progress reaches the page at most this often per file (each report is an event).
const PROGRESS_EVERY_MS = 250;

// A request that has sent nothing for this long is given up and tried again: a pulled
// cable or a dead Wi-Fi leaves the request hanging, not failing, for minutes.
const STALLED_MS = 15000;

// While the browser says it is offline, try again this often.
const OFFLINE_RETRY_MS = 2000;

// Where a file's request is under way (so it can stall, or be cut).
const SENDING = new Set(["queued", "sending", "resuming"]);

// One controller per mounted component, by dropzone id.
const controllers = {};

function statusOf(err) {
  return err && err.originalResponse ? err.originalResponse.getStatus() : 0;
}

// The server's reason (a JSON {"detail": ...} body), else what went wrong in words.
function reasonOf(err) {
  const response = err && err.originalResponse;
  if (!response || !response.getStatus()) {
    return "the connection was lost";
  }
  try {
    const body = JSON.parse(response.getBody() || "{}");
    if (body && body.detail) {
      return body.detail;
    }
  } catch (e) {
    // Not our JSON: a proxy's page, say.
  }
  return `the server answered ${response.getStatus()}`;
}

// A network failure, a server error, or "offset moved" / "locked" is worth another try;
// any other 4xx is the server's final word.
function isRetryable(status) {
  return !(status >= 400 && status < 500) || status === 409 || status === 423;
}

function newBatch() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// What the page shows while files wait for the network. It is drawn here, in the
// browser: with the network gone, the page's websocket (and so its State) is cut off too.
function ConnectionNotice({ waiting }) {
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((tick) => tick + 1), 500);
    return () => clearInterval(timer);
  }, []);
  const lines = Object.values(waiting).map((w) => {
    const seconds = Math.max(0, Math.ceil((w.at - Date.now()) / 1000));
    const when = seconds > 0 ? `retrying in ${seconds} s` : "retrying now";
    const percent = w.size ? Math.floor((100 * w.sent) / w.size) : 0;
    return createElement("div", { key: w.key }, `${w.name}: connection lost, ${when} (${percent}% sent)`);
  });
  return createElement(
    "div",
    {
      role: "status",
      "aria-live": "polite",
      className: "resumable-connection",
      style: {
        padding: "0.75em 1em",
        borderRadius: "var(--radius-3)",
        background: "var(--amber-a3)",
        color: "var(--amber-11)",
        fontSize: "var(--font-size-2)",
      },
    },
    lines,
  );
}

export function ResumableUploads(props) {
  const [filesById] = useContext(UploadFilesContext);
  const [waiting, setWaiting] = useState({});
  const latest = useRef(props);
  latest.current = { ...props, files: filesById[props.uploadId] || [] };

  useEffect(() => {
    const entries = new Map();

    const report = (entry, status, extra = {}) => {
      entry.status = status;
      setWaiting((before) => {
        if (status !== "retrying" && !(entry.key in before)) {
          return before;
        }
        const after = { ...before };
        if (status === "retrying") {
          const { key, file, sent } = entry;
          after[key] = { key, name: file.name, size: file.size, sent, at: Date.now() + (extra.retry_in_ms || 0) };
        } else {
          delete after[entry.key];
        }
        return after;
      });
      entry.reportedAt = Date.now();
      const onChange = latest.current.onChange;
      if (onChange) {
        onChange({
          key: entry.key,
          name: entry.file.name,
          size: entry.file.size,
          sent: entry.sent,
          status,
          reason: "",
          code: 0,
          retry_in_ms: 0,
          resumed_at: -1,
          ...extra,
        });
      }
    };

    // Stop the file's request and start it again (a HEAD first: it resumes at the
    // server's offset) once the aborted request has settled.
    const restart = (entry, delay, reason) => {
      entry.upload.abort(false);
      entry.resuming = true;
      report(entry, "retrying", { retry_in_ms: delay, reason });
      clearTimeout(entry.restartTimer);
      entry.restartTimer = setTimeout(() => entry.upload.start(), delay);
    };

    const onOffline = () => {
      for (const entry of entries.values()) {
        if (SENDING.has(entry.status) || entry.status === "retrying") {
          restart(entry, OFFLINE_RETRY_MS, "offline");
        }
      }
    };
    const onOnline = () => {
      for (const entry of entries.values()) {
        if (entry.status === "retrying") {
          restart(entry, 0, "online");
        }
      }
    };
    const watchdog = setInterval(() => {
      for (const entry of entries.values()) {
        if (SENDING.has(entry.status) && Date.now() - entry.activeAt > STALLED_MS) {
          entry.activeAt = Date.now();
          restart(entry, 0, "stalled");
        }
      }
    }, 1000);
    window.addEventListener("offline", onOffline);
    window.addEventListener("online", onOnline);

    const begin = (key, file, batch) => {
      const { endpoint, headers, chunkSize, retryDelays } = latest.current;
      const entry = {
        key,
        file,
        sent: 0,
        status: "queued",
        reportedAt: 0,
        activeAt: Date.now(),
        resuming: false,
      };
      const upload = new tus.Upload(file, {
        endpoint,
        headers,
        chunkSize,
        retryDelays,
        metadata: {
          filename: file.name,
          relativePath: file.path || "",
          filetype: file.type || "",
          batch,
        },
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        onProgress(sent) {
          entry.sent = sent;
          entry.activeAt = Date.now();
          if (entry.status !== "sending" || Date.now() - entry.reportedAt >= PROGRESS_EVERY_MS) {
            report(entry, "sending");
          }
        },
        onShouldRetry(err, attempt, options) {
          const retry = isRetryable(statusOf(err));
          if (retry) {
            entry.resuming = true;
            report(entry, "retrying", { retry_in_ms: options.retryDelays[attempt] || 0 });
          }
          return retry;
        },
        onAfterResponse(req, res) {
          entry.activeAt = Date.now();
          if (req.getMethod() === "HEAD" && entry.resuming && res.getStatus() === 200) {
            entry.resuming = false;
            entry.sent = Number(res.getHeader("Upload-Offset")) || 0;
            report(entry, "resuming", { resumed_at: entry.sent });
          }
        },
        onError(err) {
          const code = statusOf(err);
          report(entry, "failed", { reason: reasonOf(err), code });
        },
        onSuccess() {
          entry.sent = file.size;
          const onFinished = latest.current.onFinished;
          if (onFinished) {
            onFinished({ key, url: upload.url || "" });
          }
        },
      });
      entry.upload = upload;
      entries.set(key, entry);
      report(entry, "queued");
      upload
        .findPreviousUploads()
        .then((previous) => {
          if (previous.length > 0) {
            upload.resumeFromPreviousUpload(previous[0]);
            entry.resuming = true;
          }
          upload.start();
        })
        .catch(() => upload.start());
    };

    controllers[props.uploadId] = {
      start() {
        const batch = newBatch();
        latest.current.files.forEach((file, index) => begin(`${batch}-${index}`, file, batch));
      },
      pause(key) {
        const entry = entries.get(key);
        if (entry) {
          clearTimeout(entry.restartTimer);
          entry.upload.abort(false);
          report(entry, "paused");
        }
      },
      resume(key) {
        const entry = entries.get(key);
        if (entry) {
          entry.resuming = true;
          entry.activeAt = Date.now();
          report(entry, "sending");
          entry.upload.start();
        }
      },
      cancel(key) {
        const entry = entries.get(key);
        if (entry) {
          entries.delete(key);
          clearTimeout(entry.restartTimer);
          // abort(true) also sends DELETE: the server drops the partial data at once.
          entry.upload.abort(true).catch(() => {});
          report(entry, "cancelled");
        }
      },
    };
    return () => {
      // Leaving the page stops the uploads; they stay resumable.
      clearInterval(watchdog);
      window.removeEventListener("offline", onOffline);
      window.removeEventListener("online", onOnline);
      for (const entry of entries.values()) {
        clearTimeout(entry.restartTimer);
        entry.upload.abort(false);
      }
      delete controllers[props.uploadId];
    };
  }, [props.uploadId]);

  return Object.keys(waiting).length > 0 ? createElement(ConnectionNotice, { waiting }) : null;
}

export function startResumable(uploadId) {
  controllers[uploadId]?.start();
}

export function pauseResumable(uploadId, key) {
  controllers[uploadId]?.pause(key);
}

export function resumeResumable(uploadId, key) {
  controllers[uploadId]?.resume(key);
}

export function cancelResumable(uploadId, key) {
  controllers[uploadId]?.cancel(key);
}
