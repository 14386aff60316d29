import fc from 'fast-check';
import { Yaml } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { Schema, parseAllDocuments } from 'yaml';
import { renderEstate } from '../../lib/estate';
import { GENERATED_HEADER, KubeObject, kustomization, toYamlFile } from '../../lib/output/output';
import { YAML_PACKAGE_NON_STRING_PATTERNS, fastDocument, jsYamlDocument } from '../../lib/output/yaml';
import { systems as referenceEstate } from '../../estate';
import { generatedEstate } from '../../tools/generated-estate';

/**
 * The YAML shipshape writes (js-yaml) must mean the same values to every reader of it: kubectl and
 * Flux (go-yaml, YAML 1.1 with Go's number syntax), kustomize (go-yaml v3) and the `yaml` package.
 * Each emitted text is read back with the `yaml` package as YAML 1.1 and as YAML 1.2.
 */

const VERSIONS = ['1.1', '1.2'] as const;

/** The documents of a YAML text, as the `yaml` package reads them in `version`; fails on a parse error. */
function read(text: string, version: (typeof VERSIONS)[number]): unknown[] {
  return parseAllDocuments(text, { version }).map((doc) => {
    expect(doc.errors, `${version} parse errors in:\n${text}`).toEqual([]);
    return doc.toJS();
  });
}

/** `toYamlFile` of the objects, read back in both versions: each must give `expected`. */
function expectRoundTrip(objects: readonly KubeObject[], expected: unknown[] = [...objects]): void {
  const text = toYamlFile(objects);
  for (const version of VERSIONS) expect(read(text, version), `read as YAML ${version}:\n${text}`).toStrictEqual(expected);
}

/** One document, without the header. */
function emit(object: KubeObject): string {
  return toYamlFile([object]).slice(GENERATED_HEADER.length);
}

/** A string as a value, as a list item and as a key at two depths. */
function everywhere(text: string): KubeObject {
  return { value: text, list: [text], [text]: 'as a key', nested: { [text]: [text, { [text]: text }] } };
}

// Plain, each of these would be read as something other than the string by YAML 1.1, YAML 1.2 or go-yaml.
const NOT_STRINGS_IF_PLAIN = [
  ...['yes', 'no', 'on', 'off', 'y', 'n', 'Yes', 'NO', 'On', 'OFF', 'true', 'False', 'TRUE'],
  ...['~', 'null', 'Null', 'NULL', '<<', '=', ''],
  ...['0', '7', '0755', '0o17', '0x1F', '0b101', '1_000', '+1_000', '0_7', '0b1_0', '0x_1F', '.1_0', '1_0.5'],
  // go-yaml reads numbers with Go's syntax: upper-case base prefixes, and `_` anywhere, even in the exponent.
  ...['0X1F', '0O17', '0B101', '0o1_7', '1e1_0'],
  ...['1e3', '1E3', '1e+3', '1.0e3', '1.5e-3', '.5', '+.5', '-.5', '+1', '-1', '+0', '-0', '1.', '0.'],
  // YAML 1.1 floats need no digit beside the dot or before the exponent (the `yaml` package reads these as NaN).
  ...['.', '+.', '-.', '.e3', 'e3', 'E5'],
  ...['.inf', '-.inf', '+.inf', '.Inf', '.nan', '.NaN', '.NAN'],
  ...['2024-01-01', '2024-1-1', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '2001-12-14T21:59:43Z'],
  // Sexagesimal (base 60) numbers of YAML 1.1.
  ...['12:30:45', '1:2', '-1:30', '1:30.5', '190:20:30.15', '60:00', '1_2:30'],
];

// Indicators, comments, whitespace, line breaks and characters outside ASCII.
const AWKWARD_STRINGS = [
  ...['*', '&a', '!tag', '!', '%x', '@x', '`x', '#x', 'a #b', 'a #', 'a: b', 'a:', ':a', 'key:', '- x', '? x', '-', '--', '---', '...', '?'],
  ...['|', '>', '{a}', '[a]', 'a,b', ',', "'", '"', "it's", 'say "hi"', '\\', 'C:\\path', '-A', '--host', '::/0', '*.example.com'],
  ...[' ', '  ', ' lead', 'trail ', '\t', '\ttab', 'a\tb', 'a  b', 'tab\t'],
  ...['a\nb', 'a\n', '\n', 'a\n\n', '\n\na', ' a\nb', 'a \nb', '\ta\nb', 'a\n ', 'a\r\nb', 'a\rb', '\r', 'a\u2028b', 'a\u0085b'],
  ...['#!/bin/sh\nset -eu\necho "$HOME"\n', 'key: value\n- item\n# comment\n', '  indented\n  block\n'],
  // Blocks that need an indentation indicator and end in a line of spaces, which the `yaml` package misreads.
  ...['\n ', ' \n', ' \n ', '\n \n', ' \n\n', ' a\n ', '  a\n \n', ' a\n\n  ', '\n a\n '],
  ...['ü', 'Grüße', '日本語', '😀', 'a😀b', '\u00a0', 'a\u00a0b', '\ufeffbom', 'a\u0000b', '\u0007', '\u007f', '\u00ad'],
  ...['x'.repeat(500), 'word '.repeat(200).trim(), `${'long line '.repeat(40)}\n${'second '.repeat(40)}`],
  ...['1.2.3', '10.0.0.1', '10.0.0.0/8', 'v1.2.3', '8080/TCP', '100m', '1Gi', '0x1p-2', 'Infinity', 'NaN', '+Inf', 'inf', '0o8', '08', '1.2e3.4'],
];

describe('YAML output (js-yaml)', () => {
  it.each([...NOT_STRINGS_IF_PLAIN, ...AWKWARD_STRINGS].map((text) => [JSON.stringify(text), text]))(
    'keeps %s a string in YAML 1.1 and 1.2, as a value, a list item and a key',
    (_label, text) => expectRoundTrip([everywhere(text)]),
  );

  it.each(NOT_STRINGS_IF_PLAIN.filter((text) => text !== '').map((text) => [text]))(
    'quotes %s, which some reader would take for a non-string if it were plain',
    (text) => {
      // Also what the `yaml` package cannot see: `0X1F` and `1e1_0` are strings to it, numbers to go-yaml.
      expect(emit({ value: text })).toBe(`value: "${text}"\n`);
      expect(emit({ [text]: 1 })).toBe(`"${text}": 1\n`);
    },
  );

  it('keeps strings made of number-like characters strings, as any reader would read them', () => {
    const numberLike = fc.stringMatching(/^[-+.0-9_:eExXoObB<~ ]{0,8}$/);
    fc.assert(
      fc.property(numberLike, (text) => expectRoundTrip([everywhere(text)])),
      { numRuns: 500 },
    );
  });

  it('keeps any string a string, with its exact characters', () => {
    const syntax = fc.constantFrom('\n', '\r', '\t', ' ', ':', '#', '-', '"', "'", '\\');
    const anyText = fc.string({ unit: fc.oneof(syntax, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 20 });
    fc.assert(
      fc.property(anyText, (text) => expectRoundTrip([everywhere(text)])),
      { numRuns: 500 },
    );
  });

  it('writes numbers, booleans, nulls and empty collections as such, and keys in the order given', () => {
    const object = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', labels: {}, annotations: { 'example.com/on': 'true' } },
      data: { zero: 0, negative: -3, float: 1.5, big: 2 ** 53 - 1, small: 1e-7, on: true, off: false, nothing: null, empty: [], nested: [[], {}, [1, [2]]] },
    };
    expect(emit(object)).toBe(
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: c',
        '  labels: {}',
        '  annotations:',
        '    example.com/on: "true"',
        'data:',
        '  zero: 0',
        '  negative: -3',
        '  float: 1.5',
        '  big: 9007199254740991',
        // js-yaml's exponent form has a dot, which YAML 1.1 requires (the `yaml` package wrote `1e-7`).
        '  small: 1.e-7',
        '  "on": true',
        '  "off": false',
        '  nothing: null',
        '  empty: []',
        '  nested:',
        '    - []',
        '    - {}',
        '    - - 1',
        '      - - 2',
        '',
      ].join('\n'),
    );
    expectRoundTrip([object]);
  });

  it('writes multi-line strings as literal blocks and long lines unfolded', () => {
    const script = '#!/bin/sh\nset -eu\n\nexec "$@"\n';
    const long = 'x '.repeat(200).trim();
    expect(emit({ script, long, chomped: 'a\nb' })).toBe(`script: |\n  #!/bin/sh\n  set -eu\n\n  exec "$@"\nlong: ${long}\nchomped: |-\n  a\n  b\n`);
  });

  it('writes a block that starts with a space and ends in a line of spaces double-quoted, and other such blocks as blocks', () => {
    expect(emit({ text: ' a\n ' })).toBe('text: " a\\n "\n');
    expect(emit({ text: ' \n' })).toBe('text: " \\n"\n');
    expect(emit({ text: ' a\nb' })).toBe('text: |2-\n   a\n  b\n');
    expect(emit({ text: 'a\n ' })).toBe('text: |-\n  a\n   \n');
  });

  it('writes a field set to undefined as null, as cdk8s does, and a list item too', () => {
    const object = { kind: 'Thing', unset: undefined, items: [undefined, 1], nested: { unset: undefined } };
    expect(emit(object)).toBe('kind: Thing\nunset: null\nitems:\n  - null\n  - 1\nnested:\n  unset: null\n');
    const cdk8s = parseAllDocuments(Yaml.stringify(object)).map((doc) => doc.toJS());
    expect(read(emit(object), '1.2')).toStrictEqual(cdk8s);
  });

  it('writes the header, then the documents in order, separated by ---', () => {
    const text = toYamlFile([{ kind: 'A' }, { kind: 'B', list: ['-x'] }, { kind: 'C' }]);
    expect(text).toBe(`${GENERATED_HEADER}kind: A\n---\nkind: B\nlist:\n  - "-x"\n---\nkind: C\n`);
    expect(toYamlFile([])).toBe(GENERATED_HEADER);
    expect(kustomization(['b', 'a'])).toBe(`${GENERATED_HEADER}apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - b\n  - a\n`);
  });

  it('writes the same object to the same bytes, however often', () => {
    const object = everywhere('12:30:45\nsecond line');
    expect(toYamlFile([object, object])).toBe(toYamlFile([structuredClone(object), structuredClone(object)]));
  });

  it('expands an object used twice instead of writing an alias, which not every reader follows', () => {
    const shared = { name: 'x' };
    const text = emit({ a: shared, b: [shared] });
    expect(text).not.toMatch(/[&*]ref_/);
    expect(read(text, '1.1')).toStrictEqual([{ a: { name: 'x' }, b: [{ name: 'x' }] }]);
  });

  it.each([
    ['the reference estate', () => renderEstate(referenceEstate)],
    ['a generated estate of 25 services', () => renderEstate(generatedEstate(25))],
  ])('reads back every object and file of %s the same in YAML 1.1 and 1.2', (_name, render) => {
    const rendered = render();
    const objects = [...rendered.objects.values()].flat();
    expect(objects.length).toBeGreaterThan(25);
    for (const object of objects) expectRoundTrip([object], [JSON.parse(JSON.stringify(object))]);
    const yamlFiles = [...rendered.files].filter(([file]) => file.endsWith('.yaml'));
    expect(yamlFiles.length).toBeGreaterThan(10);
    for (const [file, text] of yamlFiles) expect(read(text, '1.1'), file).toStrictEqual(read(text, '1.2'));
  });
});

describe('the fast path of the YAML output', () => {
  it("holds the yaml package's patterns of non-string plain scalars, as its YAML 1.1 and core schemas give them", () => {
    const derived = (['yaml-1.1', 'core'] as const)
      .flatMap((schema) => new Schema({ schema }).tags)
      .flatMap((tag) => ('test' in tag && tag.test && tag.default ? [tag.test.source] : []));
    expect(derived.length).toBeGreaterThan(10);
    expect(YAML_PACKAGE_NON_STRING_PATTERNS).toEqual(derived);
  });

  /** What the fast path writes for `value`: js-yaml's bytes, or nothing (js-yaml then writes it). */
  function expectJsYamlBytes(value: unknown): boolean {
    const fast = fastDocument(value);
    if (fast !== undefined) expect(fast, JSON.stringify(value)).toBe(jsYamlDocument(value));
    return fast !== undefined;
  }

  it.each([...NOT_STRINGS_IF_PLAIN, ...AWKWARD_STRINGS].map((text) => [JSON.stringify(text), text]))(
    'writes %s as a value, a list item and a key exactly as js-yaml does, or leaves it to js-yaml',
    (_label, text) => {
      expectJsYamlBytes(everywhere(text));
      expectJsYamlBytes(text);
      expectJsYamlBytes([text, [text], { [text]: { [text]: [[text]] } }]);
    },
  );

  it('leaves to js-yaml what it does not write itself, and writes printable ASCII, line feeds and plain numbers', () => {
    for (const value of [
      { a: 'Grüße' },
      { a: 'a\tb' },
      { a: -0 },
      { a: 1e21 },
      { a: 1e-7 },
      { a: Number.NaN },
      { a: new Date(0) },
      { ['k'.repeat(1025)]: 1 },
      { a: ' a\n ' },
    ])
      expect(fastDocument(value), JSON.stringify(value)).toBeUndefined();
    for (const value of [
      { a: 'x: y #z' },
      { a: 'line\nline\n' },
      { a: 1.5 },
      { a: -3 },
      { a: 2 ** 53 - 1 },
      { a: null, b: undefined, c: [undefined] },
      {},
      [],
      'x',
      7,
    ])
      expect(expectJsYamlBytes(value), JSON.stringify(value)).toBe(true);
  });

  it('writes any JSON value with ASCII strings exactly as js-yaml does', () => {
    const unit = fc.oneof(
      fc.constantFrom('\n', ' ', ':', '#', '-', '"', "'", '\\', '?', '|', '>', '{', '}', '[', ']', ',', '&', '*', '!', '%', '@', '`', '~', '.', '_', '<'),
      fc.constantFrom(...'0123456789eExXoObBnNyYtTfF'),
      fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
    );
    const text = fc.oneof(fc.string({ unit, maxLength: 16 }), fc.constantFrom(...NOT_STRINGS_IF_PLAIN));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null), tie('list'), tie('map')),
      list: fc.array(tie('node'), { maxLength: 4 }),
      map: fc.dictionary(text, tie('node'), { maxKeys: 4 }),
    })).node;
    let written = 0;
    fc.assert(
      fc.property(value, (v) => {
        if (expectJsYamlBytes(v)) written++;
      }),
      { numRuns: 2000 },
    );
    // Most of these values are the fast path's own, so the comparison above is not vacuous.
    expect(written).toBeGreaterThan(1000);
  });

  it.each([
    ['the reference estate', () => renderEstate(referenceEstate)],
    ['a generated estate of 25 services', () => renderEstate(generatedEstate(25))],
  ])('writes every object of %s, nearly all by itself, exactly as js-yaml does', (_name, render) => {
    const objects = [...render().objects.values()].flat();
    const written = objects.filter((object) => expectJsYamlBytes(object)).length;
    expect(written / objects.length).toBeGreaterThan(0.9);
  });
});
