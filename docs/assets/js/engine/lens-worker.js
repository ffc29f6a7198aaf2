// The engine's second worker: it holds a copy of the output table (the Q8_0 embedding, 30 MB)
// and computes the logit lens for the rows it is given, while the first worker does the other
// rows. Started by kernels.js; see lensRange() there.
import { lensContext, lensRange } from "./kernels.js";

let ctx = null;
self.onmessage = async (ev) => {
  const m = ev.data;
  try {
    if (m.type === "init") {
      ctx = await lensContext(m.wasm, m.table);
      postMessage({ type: "ready" });
    } else if (m.type === "lens") {
      const r = lensRange(ctx, m.normed, m.V, m.r0, m.r1, m.topK);
      postMessage({ type: "done", result: r }, [r.ids.buffer, r.logits.buffer, r.maxes.buffer, r.sums.buffer, r.last.buffer]);
    }
  } catch (e) {
    postMessage({ type: "error", message: String((e && e.message) || e) });
  }
};
