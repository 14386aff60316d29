/**
 * Writes the schemas the package ships into build/schemas/, from the `shared` checkout
 * (`$SHIPSHAPE_SHARED_DIR`, default `../shared`): the Kubernetes 1.28 swagger's definitions and
 * the CRD of every custom resource imported into imports/, as gzipped JSON without the
 * `description` texts (validation never reads them: 148 kB of gzip become 18 kB). Runs as part of
 * `npm run build`, so `npm pack` and a git install ship them; a consumer's synth then validates
 * strictly with no setting.
 *
 * Without the checkout (a clone elsewhere) it says so in one line and writes nothing: the package
 * still builds, and its synth reports the missing schema file unless validation is switched off.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { parseAllDocuments } from 'yaml';
import { SHIPPED_SCHEMA_DIR, SHIPPED_SWAGGER_FILE, defaultSharedDir, sharedSchemaLocation } from '../lib/checks/schema-validation';

const ROOT = path.join(__dirname, '..');

/**
 * The CRD files (`<group>_<plural>.yaml`) of the custom resources in imports/, one per generated
 * file (`<plural>-<group>.ts`, as `cdk8s import` names it): a new import ships its CRD with no
 * other change.
 */
export function importedCrdFiles(importsDir = path.join(ROOT, 'imports')): string[] {
  return fs
    .readdirSync(importsDir)
    .filter((file) => file.endsWith('.ts') && file !== 'k8s.ts')
    .map((file) => {
      const stem = file.slice(0, -'.ts'.length);
      const dash = stem.indexOf('-');
      return `${stem.slice(dash + 1)}_${stem.slice(0, dash)}.yaml`;
    })
    .sort();
}

/** `node` without the `description` keywords of its schemas; a property named `description` stays. */
export function withoutDescriptions(node: unknown, isPropertyMap = false): unknown {
  if (Array.isArray(node)) return node.map((item) => withoutDescriptions(item));
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (!isPropertyMap && key === 'description' && typeof value === 'string') continue;
    out[key] = withoutDescriptions(value, !isPropertyMap && (key === 'properties' || key === 'definitions'));
  }
  return out;
}

/** Gzipped JSON; zlib writes no timestamp, so the same input gives the same bytes. */
function writeGzippedJson(file: string, value: unknown): number {
  const bytes = zlib.gzipSync(JSON.stringify(value), { level: 9 });
  fs.writeFileSync(file, bytes);
  return bytes.length;
}

/** Builds build/schemas/ from `sharedDir`; returns one line saying what it did. */
export function buildSchemas(sharedDir: string, outDir: string, crdFiles: readonly string[]): string {
  const source = sharedSchemaLocation(sharedDir);
  fs.rmSync(outDir, { recursive: true, force: true });
  if (!fs.existsSync(source.swaggerFile)) {
    return `build-schemas: ${source.swaggerFile} not found, so the package is built WITHOUT schemas: its synth will report them missing unless SHIPSHAPE_SHARED_DIR points at a shared checkout (or SHIPSHAPE_SCHEMA_VALIDATION=off)`;
  }
  const missing = crdFiles.filter((file) => !fs.existsSync(path.join(source.crdDir, file)));
  if (missing.length) throw new Error(`build-schemas: imports/ has custom resources whose CRD is not in ${source.crdDir}: ${missing.join(', ')}`);
  fs.mkdirSync(path.join(outDir, 'crds'), { recursive: true });
  const swagger = JSON.parse(fs.readFileSync(source.swaggerFile, 'utf8'));
  let bytes = writeGzippedJson(path.join(outDir, SHIPPED_SWAGGER_FILE), { definitions: withoutDescriptions(swagger.definitions, true) });
  for (const file of crdFiles) {
    const documents = parseAllDocuments(fs.readFileSync(path.join(source.crdDir, file), 'utf8')).map((document) => {
      if (document.errors.length) throw new Error(`build-schemas: ${path.join(source.crdDir, file)}: ${document.errors[0].message}`);
      return withoutDescriptions(document.toJS());
    });
    bytes += writeGzippedJson(path.join(outDir, 'crds', file.replace(/\.ya?ml$/, '.json.gz')), documents);
  }
  return `build-schemas: ${path.relative(ROOT, outDir)}/ holds the Kubernetes 1.28 schema and ${crdFiles.length} CRDs (${Math.round(bytes / 1024)} kB)`;
}

if (require.main === module) {
  // On stderr: `npm pack --json` runs this (prepare) and its stdout must stay JSON.
  try {
    console.error(buildSchemas(defaultSharedDir(), path.join(ROOT, SHIPPED_SCHEMA_DIR), importedCrdFiles()));
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}
