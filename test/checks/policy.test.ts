import { describe, expect, it } from 'vitest';
import { checkPolicy } from '../../lib/checks/policy';
import { fixtureObjects, get } from './fixture';

function messages(objects = fixtureObjects()) {
  return checkPolicy(objects).map((i) => `${i.object} ${i.field}: ${i.message}`);
}

describe('admission policy', () => {
  it('passes on the synthesized fixture', () => {
    expect(messages()).toEqual([]);
  });

  it('refuses a pod template that breaks the restricted profile without a declared exception', () => {
    const objects = fixtureObjects();
    get(objects, 'Deployment', 'web').spec.template.spec.volumes.push({ name: 'sock', hostPath: { path: '/var/run/docker.sock' } });
    expect(messages(objects)).toContainEqual(expect.stringMatching(/Deployment\/shop-prod\/web .*volumes\[sock\].hostPath: .*control hostPath/));
  });

  it('accepts it when the exception is declared on the template, but then the namespace must not enforce restricted', () => {
    const objects = fixtureObjects();
    const template = get(objects, 'Deployment', 'web').spec.template;
    template.spec.volumes.push({ name: 'sock', hostPath: { path: '/var/run/docker.sock' } });
    template.metadata.annotations['shipshape.io/security-exceptions'] = 'hostPath: Docker socket for sandboxed runs';
    expect(messages(objects)).toEqual([
      expect.stringMatching(
        /Namespace\/shop-prod metadata.labels\[pod-security.kubernetes.io\/enforce\]: is "restricted", but the strictest level every pod in it meets is "privileged"/,
      ),
    ]);
  });

  it('refuses a writable root file system without the exception', () => {
    const objects = fixtureObjects();
    get(objects, 'Deployment', 'api').spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
    expect(messages(objects)).toEqual([expect.stringMatching(/containers\[api\].securityContext.readOnlyRootFilesystem: the root file system is writable/)]);
  });

  describe('prod-tier rules', () => {
    it('refuse a mutable image and a pull policy other than IfNotPresent', () => {
      const objects = fixtureObjects();
      const container = get(objects, 'Deployment', 'web').spec.template.spec.containers[0];
      container.image = 'ghcr.io/example/web:latest';
      container.imagePullPolicy = 'Always';
      const text = messages(objects).join('\n');
      expect(text).toMatch(/containers\[web\].image: "ghcr.io\/example\/web:latest" is not pinned/);
      expect(text).toMatch(/containers\[web\].imagePullPolicy: is "Always", not IfNotPresent/);
    });

    it('refuse a container without limits', () => {
      const objects = fixtureObjects();
      delete get(objects, 'Deployment', 'web').spec.template.spec.containers[0].resources.limits;
      expect(messages(objects)).toContainEqual(expect.stringMatching(/resources.limits.cpu: no cpu limit/));
    });

    it('refuse a single replica behind a Service, unless declared a singleton', () => {
      const objects = fixtureObjects();
      get(objects, 'Deployment', 'web').spec.replicas = 1;
      expect(messages(objects)).toContainEqual(expect.stringMatching(/Deployment\/shop-prod\/web spec.replicas: runs 1 replica behind a Service/));
      delete get(objects, 'Deployment', 'redis').metadata.annotations['shipshape.io/singleton'];
      expect(messages(objects)).toContainEqual(expect.stringMatching(/Deployment\/shop-prod\/redis spec.replicas: runs 1 replica behind a Service/));
    });

    it('refuse a multi-replica workload without a PDB', () => {
      const objects = fixtureObjects().filter((o) => !(o.kind === 'PodDisruptionBudget' && o.metadata.name === 'api'));
      expect(messages(objects)).toEqual([expect.stringMatching(/Deployment\/shop-prod\/api spec: runs 2 replicas without a PodDisruptionBudget/)]);
    });

    it('refuse a host served without TLS', () => {
      const objects = fixtureObjects();
      get(objects, 'Ingress', 'legacy').spec.tls = [];
      expect(messages(objects)).toEqual([
        expect.stringMatching(/Ingress\/shop-prod\/legacy spec.rules\[0\].host: host "legacy.shop.example.com" is served without TLS/),
      ]);
    });

    it('do not apply outside the prod tier', () => {
      const objects = fixtureObjects();
      get(objects, 'Namespace', 'shop-prod').metadata.labels['shipshape.io/tier'] = 'staging';
      get(objects, 'Deployment', 'web').spec.replicas = 1;
      expect(messages(objects)).toEqual([]);
    });
  });
});
