import { SystemDefinition } from '../lib';
import { docRouter } from './doc-router';
import { docuElevate } from './docuelevate';
import { kdcube } from './kdcube';
import { raHcp } from './ra-hcp';

/** The reference estate: each seed system, in dev, staging and prod. */
export const systems: readonly SystemDefinition[] = [docRouter, docuElevate, raHcp, kdcube];
