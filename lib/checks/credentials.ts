/**
 * No credential in the output: every string of every rendered object (env values, command and
 * args, mounted files, annotations, the Flux repository URL, …) is scanned with secretlint's
 * recommended rules (`@secretlint/secretlint-rule-preset-recommend`: cloud and SaaS tokens, private
 * keys, URLs and connection strings with a password, maintained upstream), and env entries and
 * ConfigMap keys are checked with shipshape's own rule: a secret-sounding name (`DB_PASSWORD`,
 * `SMTP_PASS`, `API_TOKEN`, …) with a literal value.
 *
 * secretlint's engine is asynchronous and the synth is not, so its rules are driven here directly
 * through the rule API every secretlint rule implements (`create(context, options)` returning a
 * `file(source)` handler that calls `context.report`).
 */
import { rules as recommendedRules } from '@secretlint/secretlint-rule-preset-recommend';
import { secretLikeEntries } from '../core/env';
import { CheckIssue, KubeJson, issueFor } from './objects';

const issue = issueFor('secrets');

/** The part of a secretlint rule this driver uses. */
interface SecretlintRule {
  readonly meta: { readonly id: string; readonly type: string };
  create(context: SecretlintContext, options: object): { file?: (source: SecretlintSource) => unknown };
}
type Messages = Record<string, { en: (props: Record<string, unknown>) => string }>;
interface SecretlintContext {
  createTranslator(messages: Messages): (id: string, props?: Record<string, unknown>) => string;
  report(report: { message: string; range?: readonly number[] }): void;
  ignore(): void;
}
interface SecretlintSource {
  readonly content: string;
  readonly filePath: string;
  readonly ext: string;
  readonly contentType: 'text';
}

/** A credential found in one string. */
interface Finding {
  /** The secretlint rule, without its package prefix (`github`). */
  readonly rule: string;
  /** What the rule found, with the value itself masked. */
  readonly message: string;
}

let scanners: { rule: string; file: (source: SecretlintSource) => unknown }[] | undefined;
let sink: (Finding & { index: number })[] = [];

/** The recommended rules, each created once with a context that reports into {@link sink}. */
function recommendedScanners() {
  // Scanners only: the preset's comment filter reads `secretlint-disable` comments, which rendered objects do not carry.
  return (scanners ??= (recommendedRules as unknown as SecretlintRule[])
    .filter((rule) => rule.meta.type === 'scanner')
    .flatMap((rule) => {
      const name = rule.meta.id.replace(/^@secretlint\/secretlint-rule-/, '');
      const context: SecretlintContext = {
        createTranslator:
          (messages) =>
          (id, props = {}) =>
            messages[id]?.en(maskValues(props)) ?? id,
        report: ({ message, range }) => sink.push({ rule: name, message, index: range?.[0] ?? 0 }),
        ignore: () => undefined,
      };
      const file = rule.create(context, {}).file;
      return file ? [{ rule: name, file }] : [];
    }));
}

/** Props with every long string cut to its first characters: a finding never prints the credential. */
function maskValues(props: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(props).map(([key, value]) => [key, typeof value === 'string' && value.length > 8 ? `${value.slice(0, 4)}…` : value]),
  );
}

/**
 * What secretlint's recommended rules find in `content`, each with where it starts. `filePath` is
 * what the content is called (a file name such as `.npmrc`): rules about one kind of file use it.
 */
function scan(content: string, filePath: string): (Finding & { index: number })[] {
  const dot = filePath.lastIndexOf('.');
  const source: SecretlintSource = { content, filePath, ext: dot > 0 ? filePath.slice(dot) : '', contentType: 'text' };
  sink = [];
  for (const scanner of recommendedScanners()) scanner.file(source);
  const found = sink;
  sink = [];
  return found;
}

/**
 * What secretlint's recommended rules find in `values`, by the index of each value they find
 * something in (nearly none: the map is sparse). `name` is what a value is called (an env
 * variable, a file name, a field): rules that look for `NAME=value` pairs or file names use it.
 * One-line values are scanned together, one `name=value` line each (a rule costs per call far more
 * than per character: an environment in one call takes milliseconds, one call per value a second);
 * a file is scanned on its own, under its name.
 */
export function scanForCredentials(values: readonly { name: string; value: string }[]): Map<number, Finding[]> {
  const found = new Map<number, Finding[]>();
  const report = (index: number, findings: readonly Finding[]) => {
    if (findings.length) found.set(index, [...(found.get(index) ?? []), ...findings]);
  };
  // Most lines repeat (labels, selectors, shared env): each distinct line is scanned once.
  const lineOf = new Map<string, { indices: number[]; start: number }>();
  const lines: { indices: number[]; start: number }[] = [];
  let content = '';
  values.forEach(({ name, value }, index) => {
    if (value.includes('\n')) {
      report(index, scan(value, name));
      return;
    }
    const text = `${name}=${value}\n`;
    let line = lineOf.get(text);
    if (!line) {
      line = { indices: [], start: content.length };
      lineOf.set(text, line);
      lines.push(line);
      content += text;
    }
    line.indices.push(index);
  });
  for (const finding of content ? scan(content, 'rendered-object.txt') : []) {
    const line = lines[lastAtOrBefore(lines, finding.index)];
    for (const index of line?.indices ?? []) report(index, [{ rule: finding.rule, message: finding.message }]);
  }
  return found;
}

/** The index of the last line starting at or before `offset` (lines are in order of `start`), -1 when none does. */
function lastAtOrBefore(lines: readonly { start: number }[], offset: number): number {
  let low = 0;
  let high = lines.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (lines[middle].start <= offset) low = middle + 1;
    else high = middle - 1;
  }
  return high;
}

/** The fix for a credential found at `field` of `object`. */
function fixFor(object: KubeJson, field: string, name: string): string {
  if (object.kind === 'GitRepository' && field === 'spec.url') {
    return 'give delivery.repository a URL without user info and put the credentials in a Secret in flux-system, named in delivery.repository.secretName';
  }
  if (/\.env\[[^\]]+\]\.value$/.test(field)) {
    return `reference it from a Secret instead: env: { ${name}: { secret: '<secret-name>', key: '${name}' } } (an ExternalSecretSource or a Secret made outside dist/)`;
  }
  if (/\.(command|args)\[\d+\]$/.test(field)) {
    return "read it from an env variable that references a Secret (env: { TOKEN: { secret: '<secret-name>', key: 'TOKEN' } }) and write $(TOKEN) in the command";
  }
  if (object.kind === 'ConfigMap')
    return 'keep the file free of credentials: move them into a Secret (an ExternalSecretSource) and reference it from env, or mount the Secret instead';
  return 'reference the value from a Secret (an ExternalSecretSource) instead of writing it into the output';
}

/** A string of a rendered object, with its field path (`spec.template.spec.containers[web].env[TOKEN].value`) and the name it goes by. */
interface RenderedString {
  readonly object: KubeJson;
  readonly field: string;
  readonly name: string;
  readonly value: string;
}

/** Whether a key can follow a dot in a field path (else it is written in brackets); memoized, as keys repeat across objects. */
const plainKeys = new Map<string, boolean>();
function isPlainKey(key: string): boolean {
  let plain = plainKeys.get(key);
  if (plain === undefined) plainKeys.set(key, (plain = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)));
  return plain;
}

/** Pushes every string of `value` onto `into`, each with its field path and the name it goes by. */
function collectStrings(object: KubeJson, value: unknown, field: string, name: string, into: RenderedString[]): void {
  if (typeof value === 'string') into.push({ object, field, name, value });
  else if (Array.isArray(value)) {
    value.forEach((item, i) => {
      const itemName = typeof item?.name === 'string' ? item.name : undefined;
      collectStrings(object, item, `${field}[${itemName ?? i}]`, itemName ?? name, into);
    });
  } else if (value && typeof value === 'object') {
    for (const key in value) {
      const at = isPlainKey(key) ? `${field ? `${field}.` : ''}${key}` : `${field}[${key}]`;
      // An env entry's value goes by the variable's name.
      collectStrings(object, (value as KubeJson)[key], at, key === 'value' || key === 'url' ? name : key, into);
    }
  }
}

/** Whether `field` is an env entry's value or a one-line ConfigMap value: where a name says what the value is. */
function isNamedValue(object: KubeJson, field: string, value: string): boolean {
  return (
    (field.endsWith('].value') && /\.env\[[^\]]+\]\.value$/.test(field)) || (object.kind === 'ConfigMap' && /^data(\.|\[)/.test(field) && !value.includes('\n'))
  );
}

/** Credentials written into the rendered objects: one issue per string, naming what found it and how to reference the value instead. */
export function checkCredentials(objects: readonly KubeJson[]): CheckIssue[] {
  const values: RenderedString[] = [];
  for (const object of objects) collectStrings(object, object, '', object.kind, values);
  const scanned = scanForCredentials(values);
  const issues: CheckIssue[] = [];
  values.forEach(({ object, field, name, value }, i) => {
    const found = scanned.get(i);
    const inClear = isNamedValue(object, field, value) && secretLikeEntries({ [name]: value }).length > 0;
    if (!found && !inClear) return;
    const findings = (found ?? []).map((f) => `${f.message} (secretlint rule ${f.rule})`);
    if (inClear) {
      findings.push(`"${name}" is written in clear (shipshape's rule: a secret-sounding name with a literal value, or a URL with a password)`);
    }
    issues.push(
      issue(
        object,
        field,
        `holds a credential, which would be committed to dist/ and readable by anyone who can read the object: ${[...new Set(findings)].join('; ')}`,
        fixFor(object, field, name),
      ),
    );
  });
  return issues;
}
