// placeholder, replaced below
export async function loadKernels() { throw new Error("no kernels"); }
