// Entry of one Emscripten pthread worker of the threaded-SIMD wasm build (see threads.ts).
// @tensorflow/tfjs-backend-wasm ships the worker's script only as a string that browsers turn
// into a blob: URL, which Node's Worker cannot load; this file runs that string with the same
// `require`/`__filename` a CommonJS module gets (the script expects Node's CommonJS scope).
const {
  wasmWorkerContents,
} = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js');
// The package's own loader escapes newlines the same way: the string holds "\n" escapes that a
// template literal turned into real line breaks inside string literals.
new Function('require', '__filename', '__dirname', wasmWorkerContents.replace(/\n/g, '\\n'))(
  require,
  __filename,
  __dirname,
);
