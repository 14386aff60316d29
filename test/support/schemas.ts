import { SCHEMA_VALIDATION_SWITCH } from '../../lib/checks/schema-validation';

/**
 * Whether the strict schema check runs in this test run. It does not in a clone without
 * `../shared`: test/support/schema-setup.ts then turns it off and says so in one line, and the
 * tests that need the schemas are skipped.
 */
export const schemasAvailable = process.env[SCHEMA_VALIDATION_SWITCH] !== 'off';
