import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describeObject, podTemplates } from '../lib/checks/objects';

export { describeObject };
import { SECURITY_EXCEPTIONS_ANNOTATION } from '../lib/core/workload';

/** A Kubernetes object as read from dist/ or returned by an API server. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec?: any;
  status?: any;
  [key: string]: unknown;
}

/** Every YAML document of a file, without empty ones. */
export function readObjects(file: string): KubeObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJSON())
    .filter((o): o is KubeObject => o !== null && typeof o === 'object');
}

/** The environments of a dist/ directory, in name order. */
export function environments(dist: string): string[] {
  return readdirSync(dist, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/**
 * Every object of `dist/<env>` as Kustomize builds it (what Flux applies), plus the Flux objects of
 * `flux/`, Namespaces first, as Flux orders them; otherwise in Kustomize's order.
 */
export function environmentObjects(dist: string, env: string): KubeObject[] {
  const built = execFileSync('kubectl', ['kustomize', join(dist, env)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const objects = parseAllDocuments(built)
    .map((d) => d.toJSON() as KubeObject)
    .filter(Boolean);
  const fluxDir = join(dist, env, 'flux');
  if (existsSync(fluxDir)) {
    for (const file of readdirSync(fluxDir)
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .sort()) {
      objects.push(...readObjects(join(fluxDir, file)));
    }
  }
  const rank = (o: KubeObject) => (o.kind === 'Namespace' ? 0 : 1);
  return objects.sort((a, b) => rank(a) - rank(b));
}

/** Whether an object's pod template carries a declared, reviewed security exception. */
export function declaresException(o: KubeObject): boolean {
  return podTemplates([o]).some((t) => Boolean(t.template.metadata?.annotations?.[SECURITY_EXCEPTIONS_ANNOTATION]));
}

/** The node labels the objects' nodeSelectors ask for. */
export function requiredNodeLabels(objects: readonly KubeObject[]): Record<string, string> {
  return Object.assign({}, ...podTemplates(objects).map((t) => t.template.spec?.nodeSelector ?? {}));
}
