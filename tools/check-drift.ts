import { renderEstate } from '../lib';
import { findDrift } from '../lib/output/output';
import { systems } from '../estate';

/** Fails when the committed dist/ is not what a fresh synth produces, naming the files. */
const drift = findDrift(renderEstate(systems).files, 'dist');
if (drift.length) {
  console.error(`dist/ differs from a fresh synth in ${drift.length} file(s); run npm run synth and commit the result after reading its diff:`);
  for (const line of drift) console.error(`  ${line}`);
  process.exitCode = 1;
} else {
  console.log('dist/ matches a fresh synth');
}
