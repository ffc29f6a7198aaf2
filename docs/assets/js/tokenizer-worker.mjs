// The tokenizer widget's Web Worker: runs the model's own tokenizer (llmsite/tokenizer.py,
// pure Python) in Pyodide, so typing never blocks the page. Everything is fetched from the
// site itself, relative to the folder the page hands over ("base": assets/widget/).
//
// Messages in:  {type: "load", base}            boot Python and the tokenizer (once)
//               {type: "tokenize", id, text}     tokenize text (after "ready")
// Messages out: {type: "status", text}           a loading step, for the status line
//               {type: "ready", ms, precompiled} booted; ms counts from "load"
//               {type: "result", id, json, ms}   llmsite.site.tokenview.view_json(tok, text)
//               {type: "error", id?, text}        something failed (id: that request only)
//               {type: "unavailable", text}       this build has no widget files

let viewJson = null;
let booting = null;

const post = (msg) => self.postMessage(msg);
const message = (e) => String((e && e.message) || e).split("\n").filter(Boolean).slice(-1)[0] || "unknown error";

async function fetchOk(url, what) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not fetch ${what} (HTTP ${res.status})`);
  return res;
}

// tokenizer.json.gz: gunzip it here unless the server already did (Content-Encoding: gzip)
async function fetchTokenizerText(url) {
  const buf = new Uint8Array(await (await fetchOk(url, "the vocabulary")).arrayBuffer());
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    const stream = new Blob([buf]).stream().pipeThrough(new DecompressionStream("gzip"));
    return await new Response(stream).text();
  }
  return new TextDecoder().decode(buf);
}

async function boot(base) {
  const t0 = performance.now();
  const res = await fetch(new URL("manifest.json", base), { cache: "no-cache" });
  if (!res.ok) {
    post({ type: "unavailable", text: "The live tokenizer is not part of this build of the site (its files were not generated: `make site` does it)." });
    return;
  }
  const man = await res.json();
  const url = (name) => new URL(`${name}?v=${man.sha256[name]}`, base).href;
  const indexURL = new URL(man.pyodide_dir, base).href;
  const mb = (Object.values(man.sizes).reduce((a, b) => a + b, 0) / 1e6).toFixed(1);
  post({ type: "status", text: `Downloading and starting Python (${mb} MB, once: your browser keeps it)…` });

  // our files download while Pyodide boots
  const sources = Promise.all(man.python_files.map(async (name) =>
    [name, new Uint8Array(await (await fetchOk(url(name), name)).arrayBuffer())]));
  const vocabulary = fetchTokenizerText(url(man.tokenizer));
  sources.catch(() => {});
  vocabulary.catch(() => {});

  const { loadPyodide } = await import(indexURL + "pyodide.mjs");
  const pyodide = await loadPyodide({
    indexURL,
    stdLibURL: indexURL + "python_stdlib.zip",
    lockFileURL: indexURL + "pyodide-lock.json",
    packageBaseUrl: indexURL, // never the CDN: we load no packages anyway
    stdout: () => {},
    stderr: (s) => console.warn("[tokenizer worker]", s),
  });

  post({ type: "status", text: "Reading the model's vocabulary…" });
  // a real module (llmsite.tokenizer), not runPython(source): tracebacks name the file
  // and line, and the import reads exactly as it does in CPython
  // the package layout as in the repository: llmsite/tokenizer.py, llmsite/site/tokenview.py
  for (const [name, bytes] of await sources) {
    const parts = name.split("/").slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = "/home/pyodide/" + parts.slice(0, i).join("/");
      pyodide.FS.mkdirTree(dir);
      pyodide.FS.writeFile(dir + "/__init__.py", "");
    }
    pyodide.FS.writeFile(`/home/pyodide/${name}`, bytes);
  }
  const make = pyodide.runPython(`
import sys
sys.path.insert(0, "/home/pyodide")
from llmsite.tokenizer import Tokenizer
from llmsite.site.tokenview import view_json

def make(tokenizer_json):
    tok = Tokenizer.from_json_text(tokenizer_json)
    view_json(tok, "warm up")
    return lambda text: view_json(tok, text)

make
`);
  viewJson = make(await vocabulary);
  make.destroy();
  post({ type: "ready", ms: performance.now() - t0, precompiled: !!man.stdlib_precompiled });
}

self.onmessage = async ({ data: msg }) => {
  if (msg.type === "load") {
    booting ??= boot(msg.base).catch((e) => post({ type: "error", text: `Python could not start: ${message(e)}` }));
    return;
  }
  if (msg.type === "tokenize") {
    if (!viewJson) {
      post({ type: "error", id: msg.id, text: "not ready" });
      return;
    }
    const t0 = performance.now();
    try {
      const json = viewJson(msg.text);
      post({ type: "result", id: msg.id, json, ms: performance.now() - t0 });
    } catch (e) {
      post({ type: "error", id: msg.id, text: `The tokenizer failed on this text: ${message(e)}` });
    }
  }
};
