import { describe, expect, it } from 'vitest';
import { restartPolicyOf, spreadsPods, takesDisruptionBudget } from '../../lib/core/controller';

describe('controller kind', () => {
  it('gives Job and CronJob pods Never (or OnFailure when asked), and leaves long-running pods at the API default', () => {
    expect(restartPolicyOf('Job', undefined)).toBe('Never');
    expect(restartPolicyOf('CronJob', 'OnFailure')).toBe('OnFailure');
    expect(restartPolicyOf('Deployment', undefined)).toBeUndefined();
    expect(restartPolicyOf('StatefulSet', 'Never')).toBeUndefined();
  });

  it('spreads and protects with a PDB only long-running pods of two or more replicas', () => {
    expect([spreadsPods('Deployment', 2), spreadsPods('StatefulSet', 3), spreadsPods('Deployment', 1), spreadsPods('Job', 5)]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect([takesDisruptionBudget('Deployment', 2), takesDisruptionBudget('StatefulSet', 1), takesDisruptionBudget('CronJob', 4)]).toEqual([
      true,
      false,
      false,
    ]);
  });
});
