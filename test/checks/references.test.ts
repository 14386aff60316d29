import { describe, expect, it } from 'vitest';
import { checkReferences } from '../../lib/checks/references';
import { fixtureObjects, get } from './fixture';

function messages(objects = fixtureObjects()) {
  return checkReferences(objects).map((i) => `${i.object} ${i.field}: ${i.message}`);
}

function without(kind: string, name: string) {
  return fixtureObjects().filter((o) => !(o.kind === kind && o.metadata.name === name));
}

describe('references inside an environment', () => {
  it('resolve on the synthesized fixture', () => {
    expect(messages()).toEqual([]);
  });

  it('refuse a Service whose selector selects no pod', () => {
    const objects = fixtureObjects();
    get(objects, 'Service', 'web').spec.selector['app.kubernetes.io/name'] = 'webb';
    expect(messages(objects)).toContainEqual(expect.stringMatching(/Service\/shop-prod\/web spec.selector: selects no pod template/));
  });

  it('refuse a PDB and a NetworkPolicy that select nothing', () => {
    const objects = fixtureObjects();
    get(objects, 'PodDisruptionBudget', 'api').spec.selector.matchLabels['app.kubernetes.io/instance'] = 'other';
    get(objects, 'NetworkPolicy', 'allow-redis').spec.podSelector.matchLabels['app.kubernetes.io/name'] = 'redis-old';
    const text = messages(objects).join('\n');
    expect(text).toMatch(/PodDisruptionBudget\/shop-prod\/api spec.selector: selects no pod template/);
    expect(text).toMatch(/NetworkPolicy\/shop-prod\/allow-redis spec.podSelector: selects no pod template/);
  });

  it("accept the policy for cert-manager's HTTP-01 solver only while the namespace has a Certificate to solve", () => {
    expect(get(fixtureObjects(), 'NetworkPolicy', 'allow-acme-http01-solver').spec.podSelector).toEqual({
      matchLabels: { 'acme.cert-manager.io/http01-solver': 'true' },
    });
    expect(messages(fixtureObjects().filter((o) => o.kind !== 'Certificate'))).toContainEqual(
      expect.stringMatching(
        /NetworkPolicy\/shop-prod\/allow-acme-http01-solver spec.podSelector: admits cert-manager's HTTP-01 solver, but the namespace has no Certificate/,
      ),
    );
  });

  it('accept a policy for the pods of an external service only when the Namespace declares the service', () => {
    const objects = fixtureObjects();
    const policy = get(objects, 'NetworkPolicy', 'allow-redis');
    policy.spec.podSelector.matchLabels = { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': 'redis-chart' };
    policy.metadata.annotations = { 'shipshape.io/external-service': 'redis' };
    expect(messages(objects)).toContainEqual(
      expect.stringMatching(/allow-redis spec.podSelector: selects the pods of external service "redis", which the Namespace does not declare/),
    );
    get(objects, 'Namespace', 'shop-prod').metadata.annotations['shipshape.io/external-services'] = 'postgres-db,redis';
    expect(messages(objects)).toEqual([]);
  });

  it('refuse an HPA whose target is missing or sets spec.replicas', () => {
    expect(messages(without('Deployment', 'api'))).toContainEqual(
      expect.stringMatching(/HorizontalPodAutoscaler\/shop-prod\/api spec.scaleTargetRef: scales Deployment\/api, which does not exist/),
    );
    const objects = fixtureObjects();
    get(objects, 'Deployment', 'api').spec.replicas = 2;
    expect(messages(objects)).toContainEqual(expect.stringMatching(/spec.scaleTargetRef: Deployment\/api sets spec.replicas/));
  });

  it('refuse a ScaledObject whose target sets replicas or whose TriggerAuthentication is missing', () => {
    const objects = without('TriggerAuthentication', 'queue-redis');
    get(objects, 'Deployment', 'queue').spec.replicas = 1;
    const text = messages(objects).join('\n');
    expect(text).toMatch(/ScaledObject\/shop-prod\/queue spec.scaleTargetRef: Deployment\/queue sets spec.replicas/);
    expect(text).toMatch(/spec.triggers\[0\].authenticationRef: TriggerAuthentication "queue-redis" does not exist/);
  });

  it('refuse an Ingress backend that is missing or lacks the port', () => {
    expect(messages(without('Service', 'web'))).toContainEqual(
      expect.stringMatching(/Ingress\/shop-prod\/legacy spec.rules\[0\].http.paths\[1\].backend: Service "web" does not exist/),
    );
    expect(messages(without('Service', 'web'))).toContainEqual(
      expect.stringMatching(/HTTPRoute\/shop-prod\/edge spec.rules\[1\].backendRefs\[0\]: Service "web" does not exist/),
    );
    const objects = fixtureObjects();
    get(objects, 'Service', 'api').spec.ports[0].port = 8080;
    expect(messages(objects)).toContainEqual(expect.stringMatching(/Service "api" has no port 8000 \(it has http\)/));
  });

  it('refuse an HTTPRoute backend without the named port', () => {
    const objects = fixtureObjects();
    objects.push({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'edge', namespace: 'shop-prod' },
      spec: { rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
    });
    expect(messages(objects)).toContainEqual(
      expect.stringMatching(/HTTPRoute\/shop-prod\/edge spec.rules\[0\].backendRefs\[0\]: Service "web" has no port 80/),
    );
  });

  it('refuse a Secret, a ConfigMap or a claim that is neither defined nor declared external', () => {
    const objects = fixtureObjects();
    delete get(objects, 'Namespace', 'shop-prod').metadata.annotations['shipshape.io/external-secrets'];
    const text = messages(objects.filter((o) => !(o.kind === 'ConfigMap' && o.metadata.name === 'web-config'))).join('\n');
    expect(text).toMatch(
      /Deployment\/shop-prod\/api spec.template.spec.containers\[api\].envFrom\[0\].secretRef: Secret "api-secrets" is neither in the output nor declared external/,
    );
    expect(text).toMatch(/TriggerAuthentication\/shop-prod\/queue-redis spec.secretTargetRef\[0\]: Secret "redis"/);
    expect(text).toMatch(/containers\[web\].envFrom\[0\].configMapRef: ConfigMap "web-config" is neither in the output nor declared external/);
    const claims = fixtureObjects();
    get(claims, 'Deployment', 'web').spec.template.spec.volumes.push({ name: 'data', persistentVolumeClaim: { claimName: 'data' } });
    expect(messages(claims)).toContainEqual(expect.stringMatching(/volumes\[data\]: PersistentVolumeClaim "data" does not exist/));
  });

  it('refuse a missing ServiceAccount and a TLS secret no Certificate issues', () => {
    const text = messages(without('ServiceAccount', 'web').filter((o) => o.kind !== 'Certificate')).join('\n');
    expect(text).toMatch(/spec.template.spec.serviceAccountName: ServiceAccount "web" does not exist/);
    expect(text).toMatch(/Ingress\/shop-prod\/legacy spec.tls\[0\].secretName: TLS Secret "legacy-tls" has no Certificate issuing it/);
    expect(text).toMatch(/Gateway\/shop-prod\/shop spec.listeners\[1\].tls.certificateRefs\[0\]: TLS Secret "edge-tls" has no Certificate issuing it/);
  });

  describe('Gateway API attachments', () => {
    const route = (objects: ReturnType<typeof fixtureObjects>) => get(objects, 'HTTPRoute', 'edge');
    it.each([
      [
        'a parent that is not in the output',
        (o: ReturnType<typeof fixtureObjects>) => {
          route(o).spec.parentRefs[0].name = 'public';
        },
        /HTTPRoute\/shop-prod\/edge spec.parentRefs\[0\]: Gateway "public" is not in the output, so the route attaches to nothing/,
      ],
      [
        'a listener the parent does not have',
        (o: ReturnType<typeof fixtureObjects>) => {
          route(o).spec.parentRefs[0].sectionName = 'https-www.shop.example.com';
        },
        /spec.parentRefs\[0\].sectionName: Gateway "shop" has no listener "https-www.shop.example.com"/,
      ],
      [
        'a listener of another host',
        (o: ReturnType<typeof fixtureObjects>) => {
          route(o).spec.parentRefs[0].sectionName = 'https-legacy.shop.example.com';
          get(o, 'Gateway', 'shop').spec.listeners.push({
            name: 'https-legacy.shop.example.com',
            hostname: 'legacy.shop.example.com',
            port: 443,
            protocol: 'HTTPS',
          });
        },
        /spec.parentRefs\[0\]: listener "https-legacy.shop.example.com" of Gateway "shop" serves legacy.shop.example.com, none of the route's hostnames \(shop.example.com\)/,
      ],
      [
        'a hostname no listener accepts',
        (o: ReturnType<typeof fixtureObjects>) => {
          route(o).spec.hostnames.push('www.shop.example.com');
        },
        /HTTPRoute\/shop-prod\/edge spec.hostnames: "www.shop.example.com" is accepted by none of the route's parent listeners/,
      ],
      [
        'a policy on a missing route',
        (o: ReturnType<typeof fixtureObjects>) => {
          get(o, 'BackendTrafficPolicy', 'edge').spec.targetRefs[0].name = 'edges';
        },
        /BackendTrafficPolicy\/shop-prod\/edge spec.targetRefs\[0\]: HTTPRoute "edges" is not in the namespace, so the policy applies to nothing/,
      ],
      [
        'a policy on a missing rule',
        (o: ReturnType<typeof fixtureObjects>) => {
          get(o, 'BackendTrafficPolicy', 'edge').spec.targetRefs[0].sectionName = 'apis';
        },
        /spec.targetRefs\[0\].sectionName: HTTPRoute "edge" has no rule named "apis", so the policy applies to nothing/,
      ],
      [
        'a client policy on a missing Gateway',
        (o: ReturnType<typeof fixtureObjects>) => {
          get(o, 'ClientTrafficPolicy', 'shop').spec.targetRefs[0].name = 'other';
        },
        /ClientTrafficPolicy\/shop-prod\/shop spec.targetRefs\[0\]: Gateway "other" is not in the namespace/,
      ],
    ])('refuse %s', (_what, breakIt, message) => {
      const objects = fixtureObjects();
      breakIt(objects);
      expect(messages(objects)).toContainEqual(expect.stringMatching(message));
    });

    it('accept a wildcard listener for a host under it', () => {
      const objects = fixtureObjects();
      const listener = get(objects, 'Gateway', 'shop').spec.listeners.find((l: { name: string }) => l.name === 'https-shop.example.com');
      listener.hostname = '*.example.com';
      route(objects).spec.hostnames = ['shop.example.com'];
      expect(messages(objects)).toEqual([]);
    });
  });
});
