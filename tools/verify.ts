/**
 * npm run verify -- --context NAME [--dist DIR] [env ...]
 *
 * Shows each environment's output to a real cluster without changing it: a server-side dry run with
 * strict field validation, by kubectl against the kubeconfig context the user names. The API server
 * runs its own validation and admission (PodSecurity included). Prints one line per refused object
 * and per warning, then `verify: N environments, N objects, N rejected, N warnings, N declared
 * exceptions, N not checked` (a declared exception is a PodSecurity warning on a workload whose pod
 * template declares it);
 * exits 1 when anything was refused. Objects in a namespace the cluster does not have yet cannot be
 * dry-run (the namespace would be created by the same apply); they are counted as not checked.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeObject, declaresException, describeObject, environmentObjects, environments } from './dist-objects';

interface Options {
  readonly context: string;
  readonly dist: string;
  readonly envs: string[];
}

function parseArgs(argv: string[]): Options | string {
  let context: string | undefined;
  let dist = resolve(__dirname, '..', 'dist');
  const envs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--context') context = argv[++i];
    else if (argv[i] === '--dist') dist = resolve(argv[++i] ?? '');
    else if (argv[i].startsWith('-')) return `unknown option ${argv[i]}`;
    else envs.push(argv[i]);
  }
  if (!context) return 'name the cluster: npm run verify -- --context NAME [env ...] (a context of your kubeconfig)';
  if (!existsSync(dist)) return `--dist: ${dist} does not exist; synthesize first (npm run synth) or point --dist at the output directory`;
  const known = environments(dist);
  const unknown = envs.filter((e) => !known.includes(e));
  if (unknown.length) return `no such environment in ${dist}: ${unknown.join(', ')} (there are: ${known.join(', ')})`;
  return { context, dist, envs: envs.length ? envs : known };
}

interface EnvResult {
  objects: number;
  rejected: string[];
  warnings: string[];
  /** Warnings on workloads whose pod template declares the exception (`shipshape.io/security-exceptions`). */
  declared: string[];
  notChecked: number;
}

/**
 * Dry-runs one group of objects in one kubectl call. kubectl prints a warning without saying which
 * object it is about, so objects that declare an exception go in a group of their own, and the
 * warnings of that group are the declared ones.
 */
function dryRun(options: Options, env: string, objects: KubeObject[], inTree: Set<string>, declared: boolean, result: EnvResult): void {
  if (objects.length === 0) return;
  const dir = mkdtempSync(join(tmpdir(), 'shipshape-verify-'));
  const byFile = new Map<string, KubeObject>();
  try {
    objects.forEach((o, i) => {
      // JSON, not YAML: kubectl reads YAML 1.1, where an unquoted yes or true is not a string.
      const file = join(dir, `${String(i).padStart(4, '0')}.json`);
      writeFileSync(file, JSON.stringify(o));
      byFile.set(file, o);
    });
    const run = spawnSync(
      'kubectl',
      [
        '--context',
        options.context,
        'apply',
        '--server-side',
        '--dry-run=server',
        '--validate=strict',
        '--force-conflicts',
        '--field-manager=shipshape-verify',
        '-o',
        'name',
        '-f',
        dir,
      ],
      { encoding: 'utf8', maxBuffer: 64 << 20 },
    );
    if (run.error) result.rejected.push(`${env}: kubectl could not run: ${run.error.message}`);
    for (const block of (run.stderr ?? '').split(/\n(?=Error from server|error:|Warning:)/).filter((b) => b.trim())) {
      const text = block.trim().replace(/\s+/g, ' ');
      if (text.startsWith('Warning:')) {
        (declared && /PodSecurity/.test(text) ? result.declared : result.warnings).push(`${env}: ${text}`);
        continue;
      }
      const file = [...byFile.keys()].find((f) => text.includes(f));
      const object = file ? byFile.get(file)! : objectNamedIn(text, objects);
      const missingNs = text.match(/namespaces "([^"]+)" not found/);
      if (object && missingNs && inTree.has(missingNs[1])) {
        result.notChecked++;
        continue;
      }
      const message = file ? text.slice(text.indexOf(file) + file.length + 2).replace(/^[:\s]+/, '') : text;
      result.rejected.push(`${env}: ${object ? describeObject(object) : 'kubectl'}: ${message}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A server-side apply error names its object as `(namespace/name; group/version, Kind=Kind)`. */
function objectNamedIn(text: string, objects: KubeObject[]): KubeObject | undefined {
  const match = /\((?:([^/;()]+)\/)?([^/;()]+); [^,]*, Kind=(\w+)\)/.exec(text);
  if (!match) return undefined;
  const [, namespace, name, kind] = match;
  return objects.find((o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? '') === (namespace ?? ''));
}

function verifyEnvironment(options: Options, env: string): EnvResult {
  const objects = environmentObjects(options.dist, env);
  const result: EnvResult = { objects: objects.length, rejected: [], warnings: [], declared: [], notChecked: 0 };
  const inTree = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  dryRun(
    options,
    env,
    objects.filter((o) => !declaresException(o)),
    inTree,
    false,
    result,
  );
  dryRun(options, env, objects.filter(declaresException), inTree, true, result);
  return result;
}

function main(): number {
  const options = parseArgs(process.argv.slice(2));
  if (typeof options === 'string') {
    console.log(`verify: ${options}`);
    return 2;
  }
  const totals: EnvResult = { objects: 0, rejected: [], warnings: [], declared: [], notChecked: 0 };
  for (const env of options.envs) {
    const r = verifyEnvironment(options, env);
    for (const line of [...r.rejected, ...r.warnings]) console.log(line);
    for (const line of r.declared) console.log(`${line} (declared exception)`);
    totals.objects += r.objects;
    totals.rejected.push(...r.rejected);
    totals.warnings.push(...r.warnings);
    totals.declared.push(...r.declared);
    totals.notChecked += r.notChecked;
  }
  const n = options.envs.length;
  console.log(
    `verify: ${n} environment${n === 1 ? '' : 's'}, ${totals.objects} objects, ${totals.rejected.length} rejected, ${totals.warnings.length} warnings, ${totals.declared.length} declared exceptions, ${totals.notChecked} not checked (namespace not on the cluster yet)`,
  );
  return totals.rejected.length ? 1 : 0;
}

process.exitCode = main();
