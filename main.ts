import { runSynth } from './lib';
import { systems } from './estate';

runSynth(systems, { outdir: 'dist' });
