import { request } from 'node:https';
import type { KubeObject } from '../../tools/dist-objects';

export type { KubeObject };

/** What one request returned: the status code, the decoded body and the API server's warnings. */
export interface KubeResponse {
  readonly status: number;
  readonly body: any;
  readonly warnings: string[];
}

/** Where the local API server listens and the bearer token that admits the suite as an admin. */
export interface KubeEndpoint {
  readonly server: string;
  readonly token: string;
}

/**
 * A minimal client for the suite's own API server: it maps kinds to paths by discovery, applies
 * objects server-side with strict field validation and reads the warnings each response carries.
 * kubectl cannot say which object a warning belongs to; this can.
 */
export class Kube {
  private readonly resources = new Map<string, { plural: string; namespaced: boolean }>();

  constructor(private readonly endpoint: KubeEndpoint) {}

  async request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<KubeResponse> {
    const url = new URL(path, this.endpoint.server);
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          // The API server's certificate is the self-signed one it made for this run.
          rejectUnauthorized: false,
          headers: {
            authorization: `Bearer ${this.endpoint.token}`,
            accept: 'application/json',
            ...(payload === undefined ? {} : { 'content-type': contentType }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let decoded: unknown = text;
            try {
              decoded = text ? JSON.parse(text) : undefined;
            } catch {
              // Not every endpoint answers JSON (/healthz); keep the text.
            }
            const header = res.headers.warning;
            const warnings = (Array.isArray(header) ? header : header ? [header] : []).flatMap(splitWarnings);
            resolve({ status: res.statusCode ?? 0, body: decoded, warnings });
          });
        },
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** Refreshes the kind → resource map from discovery (after CRDs are installed). */
  async discover(): Promise<void> {
    this.resources.clear();
    const groupPaths = ['/api/v1'];
    const apis = await this.request('GET', '/apis');
    for (const group of apis.body.groups) for (const v of group.versions) groupPaths.push(`/apis/${v.groupVersion}`);
    for (const path of groupPaths) {
      const list = await this.request('GET', path);
      if (list.status !== 200) continue;
      for (const r of list.body.resources) {
        if (r.name.includes('/')) continue;
        this.resources.set(`${list.body.groupVersion}/${r.kind}`, { plural: r.name, namespaced: r.namespaced });
      }
    }
  }

  /** The REST path of an object (or of its collection, without a name). */
  path(apiVersion: string, kind: string, namespace?: string, name?: string): string {
    const resource = this.resources.get(`${apiVersion}/${kind}`);
    if (!resource) throw new Error(`the API server serves no ${kind} in ${apiVersion}`);
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = resource.namespaced && namespace ? `/namespaces/${namespace}` : '';
    return `${base}${ns}/${resource.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  /** Server-side apply, as Flux and `kubectl apply --server-side --field-validation=Strict` do. */
  apply(object: KubeObject, options: { strict?: boolean; dryRun?: boolean; manager?: string } = {}): Promise<KubeResponse> {
    const query = new URLSearchParams({
      fieldManager: options.manager ?? 'shipshape-cluster-suite',
      force: 'true',
      fieldValidation: options.strict === false ? 'Ignore' : 'Strict',
    });
    if (options.dryRun) query.set('dryRun', 'All');
    const path = this.path(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name);
    return this.request('PATCH', `${path}?${query}`, object, 'application/apply-patch+yaml');
  }

  async get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const res = await this.request('GET', this.path(apiVersion, kind, namespace, name));
    return res.status === 200 ? res.body : undefined;
  }

  async list(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): Promise<KubeObject[]> {
    const query = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : '';
    const res = await this.request('GET', `${this.path(apiVersion, kind, namespace)}${query}`);
    if (res.status !== 200) throw new Error(`listing ${kind}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.items.map((item: KubeObject) => ({ ...item, apiVersion, kind }));
  }
}

/** A Warning header holds one or more `299 - "text"` values. */
function splitWarnings(header: string): string[] {
  return [...header.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\(.)/g, '$1'));
}

/** Polls until `check` returns a value other than undefined, or throws with what it last saw. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, describe?: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${describe ? `: ${await describe()}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
