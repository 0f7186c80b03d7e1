// Runs dssm from another compiled tree than dist/ (for A/B comparisons of two builds):
//   DSSM_DIST=/path/to/build node bench/launch.mjs server --port ...
// Build one with `npx tsc -p . --outDir bench/results/build-x` (inside the project, so that
// node_modules resolves).
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.env.DSSM_DIST;
if (!dir) {
  console.error('DSSM_DIST is not set');
  process.exit(1);
}
const main = join(isAbsolute(dir) ? dir : resolve(dir), 'cli', 'main.js');
const { run } = await import(pathToFileURL(main).href);
await run(process.argv);
