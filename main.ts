import { runSynth } from './lib';
import { docRouter } from './estate/doc-router';
import { raHcp } from './estate/ra-hcp';

// The reference estate: each seed system in dev, staging and prod.
runSynth([docRouter, raHcp], { outdir: 'dist' });
