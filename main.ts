import { runSynth } from './lib';
import { storefront } from './estate/storefront';

runSynth([storefront], { outdir: 'dist' });
