import { describe, expect, it } from 'vitest';
import { checkApiRules } from '../../lib/checks/api-rules';
import { fixtureObjects, get } from './fixture';

function messages(objects = fixtureObjects()) {
  return checkApiRules(objects).map((i) => `${i.object} ${i.field}: ${i.message}`);
}

describe('API-server rules', () => {
  it('pass on the synthesized fixture', () => {
    expect(messages()).toEqual([]);
  });

  it('refuse a Job or CronJob pod that would restart Always (set so, or unset)', () => {
    const pod = (restartPolicy?: string) => ({ metadata: { labels: { app: 'x' } }, spec: { restartPolicy, containers: [{ name: 'x', image: 'x:v1' }] } });
    const job = (name: string, restartPolicy?: string) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: 'ns' },
      spec: { template: pod(restartPolicy) },
    });
    const cronJob = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly', namespace: 'ns' },
      spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: pod('Always') } } },
    };
    expect(messages([job('never', 'Never'), job('on-failure', 'OnFailure'), job('unset'), job('always', 'Always'), cronJob])).toEqual([
      'Job/ns/unset spec.template.spec.restartPolicy: is unset (so "Always"); the pods of a Job run to completion, and the API server accepts only "Never" or "OnFailure"',
      'Job/ns/always spec.template.spec.restartPolicy: is "Always"; the pods of a Job run to completion, and the API server accepts only "Never" or "OnFailure"',
      'CronJob/ns/nightly spec.jobTemplate.spec.template.spec.restartPolicy: is "Always"; the pods of a CronJob run to completion, and the API server accepts only "Never" or "OnFailure"',
    ]);
  });

  it('refuse an object name that is not a DNS subdomain', () => {
    const objects = fixtureObjects();
    get(objects, 'ConfigMap', 'web-config').metadata.name = 'Web_Config';
    expect(messages(objects)).toEqual([expect.stringMatching(/ConfigMap\/shop-prod\/Web_Config metadata.name: "Web_Config" is not a DNS subdomain name/)]);
  });

  it('refuse a Service name that is not a DNS-1035 label (starts with a digit)', () => {
    const objects = fixtureObjects();
    get(objects, 'Service', 'web').metadata.name = '1web';
    expect(messages(objects)).toEqual([expect.stringMatching(/Service\/shop-prod\/1web metadata.name: "1web" is not a DNS-1035 label/)]);
  });

  it('refuse a Namespace name longer than 63 characters', () => {
    const objects = fixtureObjects();
    get(objects, 'Namespace', 'shop-prod').metadata.name = 'n'.repeat(64);
    expect(messages(objects).join('\n')).toMatch(/metadata.name: "n{64}" is not a DNS label/);
  });

  it('refuse bad label keys and values', () => {
    const objects = fixtureObjects();
    get(objects, 'Service', 'web').metadata.labels['example.com/team name'] = 'a';
    get(objects, 'Service', 'api').metadata.labels['team'] = 'x'.repeat(64);
    const text = messages(objects).join('\n');
    expect(text).toMatch(/labels\[example.com\/team name\]: invalid label key/);
    expect(text).toMatch(/labels\[team\]: invalid label value/);
  });

  it('refuse a port name longer than 15 characters', () => {
    const objects = fixtureObjects();
    get(objects, 'Deployment', 'web').spec.template.spec.containers[0].ports[0].name = 'http-frontend-port';
    expect(messages(objects).join('\n')).toMatch(/containers\[web\].ports\[0\].name: port name "http-frontend-port" must be at most 15/);
  });

  it('refuse duplicate container names, env names, volumes and ports', () => {
    const objects = fixtureObjects();
    const pod = get(objects, 'Deployment', 'web').spec.template.spec;
    pod.containers.push({ ...pod.containers[0] });
    pod.containers[0].env.push({ name: 'API_URL', value: 'x' });
    pod.volumes.push({ name: 'tmp', emptyDir: {} });
    const text = messages(objects).join('\n');
    expect(text).toMatch(/two containers are named "web"/);
    expect(text).toMatch(/variable API_URL is set twice/);
    expect(text).toMatch(/two volumes are named "tmp"/);
    get(objects, 'Service', 'web').spec.ports.push({ name: 'http2', port: 3000, protocol: 'TCP', targetPort: 'http' });
    expect(messages(objects).join('\n')).toMatch(/Service\/shop-prod\/web spec.ports: port 3000\/TCP is listed twice/);
  });

  it('refuse a mount of a volume the pod does not define', () => {
    const objects = fixtureObjects();
    get(objects, 'Deployment', 'web').spec.template.spec.containers[0].volumeMounts.push({ name: 'cache', mountPath: '/cache' });
    expect(messages(objects).join('\n')).toMatch(/volumeMounts\[cache\]: mounts volume "cache", which the pod does not define/);
  });

  it('refuse a Deployment whose selector does not match its template', () => {
    const objects = fixtureObjects();
    get(objects, 'Deployment', 'api').spec.selector.matchLabels['app.kubernetes.io/name'] = 'backend';
    expect(messages(objects)).toEqual([
      expect.stringMatching(/Deployment\/shop-prod\/api spec.selector.matchLabels: does not match the labels of its own pod template/),
    ]);
  });
});
