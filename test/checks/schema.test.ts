import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultSharedDir, validateSchemas } from '../../lib/checks/schema';
import { fixtureObjects, get } from './fixture';

const shared = defaultSharedDir();

function messages(objects: Record<string, any>[]) {
  const result = validateSchemas(objects, shared);
  expect(result.skipped, 'schema files must be present beside the repository (../shared)').toBeUndefined();
  return result.issues.map((i) => `${i.object} ${i.field}: ${i.message}`);
}

describe('strict schema validation', () => {
  it('finds the schema files in ../shared', () => {
    expect(fs.existsSync(`${shared}/schemas/kubernetes-1.28-swagger.json`), `${shared}/schemas missing`).toBe(true);
  });

  it('accepts every object of the synthesized fixture, custom resources included', () => {
    const objects = fixtureObjects();
    expect(new Set(objects.map((o) => o.kind))).toEqual(
      new Set(['Namespace', 'NetworkPolicy', 'ServiceAccount', 'ConfigMap', 'Service', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'ScaledObject', 'TriggerAuthentication', 'Ingress', 'Certificate']),
    );
    expect(messages(objects)).toEqual([]);
  });

  it('rejects an unknown field at the top and deep in a pod spec, naming it', () => {
    const objects = fixtureObjects();
    get(objects, 'Service', 'web').spce = {};
    get(objects, 'Deployment', 'web').spec.template.spec.containers[0].readinessProbe.httpGet.paht = '/x';
    expect(messages(objects)).toEqual([
      'Service/shop-prod/web /spce: unknown field "spce"',
      'Deployment/shop-prod/web /spec/template/spec/containers/0/readinessProbe/httpGet/paht: unknown field "paht"',
    ]);
  });

  it('rejects a wrong type and a missing required field', () => {
    const objects = fixtureObjects();
    get(objects, 'Deployment', 'web').spec.template.spec.containers[0].ports[0].containerPort = '3000';
    delete get(objects, 'Deployment', 'api').spec.selector;
    expect(messages(objects)).toEqual([
      'Deployment/shop-prod/api /spec/selector: required field "selector" is missing',
      'Deployment/shop-prod/web /spec/template/spec/containers/0/ports/0/containerPort: must be integer',
    ]);
  });

  it('treats int-or-string and quantities as the API server does', () => {
    const objects = fixtureObjects();
    const deployment = get(objects, 'Deployment', 'web');
    deployment.spec.strategy.rollingUpdate.maxSurge = '25%';
    deployment.spec.template.spec.containers[0].resources.requests.cpu = 2;
    expect(messages(objects)).toEqual([]);
    deployment.spec.strategy.rollingUpdate.maxSurge = true;
    deployment.spec.template.spec.containers[0].resources.requests.memory = '1 GB';
    expect(messages(objects)).toEqual([
      'Deployment/shop-prod/web /spec/strategy/rollingUpdate/maxSurge: must be integer or must be string',
      'Deployment/shop-prod/web /spec/template/spec/containers/0/resources/requests/memory: must match pattern "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$" or must be number',
    ]);
  });

  it('rejects an unknown field in a custom resource against its CRD', () => {
    const objects = fixtureObjects();
    get(objects, 'ScaledObject', 'queue').spec.minReplicas = 1;
    get(objects, 'Certificate', 'edge-tls').spec.issuerRef.namespace = 'x';
    expect(messages(objects)).toEqual([
      'ScaledObject/shop-prod/queue /spec/minReplicas: unknown field "minReplicas"',
      'Certificate/shop-prod/edge-tls /spec/issuerRef/namespace: unknown field "namespace"',
    ]);
  });

  it('validates Flux, External Secrets, Gateway API and ServiceMonitor resources too', () => {
    const objects = [
      { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'apps', namespace: 'flux-system' }, spec: { interval: '10m', path: './dist/prod/apps', prune: true, sourceRef: { kind: 'GitRepository', name: 'estate' } } },
      { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 's', namespace: 'n' }, spec: { secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' }, dataFrom: [{ extract: { key: 'k' } }] } },
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'n' }, spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] } },
      { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'm', namespace: 'n' }, spec: { selector: { matchLabels: { a: 'b' } }, endpoints: [{ port: 'metrics' }] } },
    ];
    expect(messages(objects)).toEqual([]);
    (objects[0].spec as any).dependsOnn = [];
    expect(messages(objects)).toEqual(['Kustomization/flux-system/apps /spec/dependsOnn: unknown field "dependsOnn"']);
  });

  it('reports an object for which no schema exists', () => {
    expect(messages([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }])).toEqual(['Widget/w apiVersion: no schema for example.com/v1 Widget in Kubernetes 1.28 or the CRDs']);
  });

  it('says in one line that it was skipped when the schema files are absent', () => {
    const result = validateSchemas(fixtureObjects(), '/nonexistent/shared');
    expect(result.issues).toEqual([]);
    expect(result.skipped).toMatch(/^schema validation skipped: \/nonexistent\/shared\/schemas\/kubernetes-1.28-swagger.json or .* not found/);
  });
});
