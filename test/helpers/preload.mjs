// Loaded by mocha before any test file. Under tsx's loader a lazy `import('binaryen')` from the
// devnet's execution engine fails (its import.meta shim lacks `resolve`); importing binaryen once
// here, outside any transformed file, lets the in-process devnets of the tests lower Motoko
// modules as they do in production, where no loader is involved.
import 'binaryen';
