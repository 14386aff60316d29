import { runSynth } from '@shipshape-k8s/shipshape';
import { notes } from './systems/notes';

// The estate runner: every system in every environment, checked, then written to dist/<environment>/
// (replaced only when everything is valid). Add systems to the list; environments live in each system.
runSynth([notes]);
