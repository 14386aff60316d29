import * as jsYaml from 'js-yaml';
import { DEFAULT_SCHEMA, Type, dump } from 'js-yaml';

// js-yaml quotes a string when its YAML 1.2 schema (plus the YAML 1.1 booleans and base-60 numbers it
// knows) would read it back as something else. The output is also read as YAML 1.1 (go-yaml in kubectl,
// kustomize and Flux; the `yaml` package, with which cdk8s wrote it), which takes more plain scalars for
// numbers and dates: `1_000`, `.e3`, `2024-1-1`; and `+.5` is a float in both versions. So a string is
// also quoted when the `yaml` package's 1.1 or 1.2 schema, or go-yaml, would read it as something else.
/**
 * The plain scalars that the `yaml` package's YAML 1.1 and 1.2 (core) schemas read as something
 * other than a string, one pattern per tag. Written out so that a synth does not load the package;
 * test/output/yaml.test.ts derives them from the package and keeps them equal.
 */
export const YAML_PACKAGE_NON_STRING_PATTERNS: readonly string[] = [
  String.raw`^(?:~|[Nn]ull|NULL)?$`,
  String.raw`^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$`,
  String.raw`^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$`,
  String.raw`^[-+]?0b[0-1_]+$`,
  String.raw`^[-+]?0[0-7_]+$`,
  String.raw`^[-+]?[0-9][0-9_]*$`,
  String.raw`^[-+]?0x[0-9a-fA-F_]+$`,
  String.raw`^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$`,
  String.raw`^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$`,
  String.raw`^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$`,
  String.raw`^<<$`,
  String.raw`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$`,
  String.raw`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$`,
  String.raw`^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:t|T|[ \t]+)([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2}(\.[0-9]+)?)(?:[ \t]*(Z|[-+][012]?[0-9](?::[0-9]{2})?))?)?$`,
  String.raw`^(?:~|[Nn]ull|NULL)?$`,
  String.raw`^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$`,
  String.raw`^0o[0-7]+$`,
  String.raw`^[-+]?[0-9]+$`,
  String.raw`^0x[0-9a-fA-F]+$`,
  String.raw`^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$`,
  String.raw`^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$`,
  String.raw`^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$`,
];
const YAML_PACKAGE_NON_STRING = new RegExp(YAML_PACKAGE_NON_STRING_PATTERNS.map((pattern) => `(?:${pattern})`).join('|'));
// go-yaml drops every `_` from a scalar that starts like a number, then reads it with Go's number
// syntax, which also takes upper-case base prefixes (`0X1F`) and `_` in the exponent (`1e1_0`).
const GO_YAML_NUMBER = /^[-+]?(?:0[bBoOxX][0-9a-fA-F]+|(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)$/;

function readAsNonStringSomewhere(text: string): boolean {
  return YAML_PACKAGE_NON_STRING.test(text) || (/^[-+.0-9]/.test(text) && GO_YAML_NUMBER.test(text.replace(/_/g, '')));
}

/** Never represents a value (no predicate): it only makes js-yaml quote the strings it resolves. */
const QUOTED_FOR_OTHER_READERS = new Type('tag:shipshape,2025:quoted', { kind: 'scalar', resolve: readAsNonStringSomewhere });

// js-yaml writes a multi-line string that starts with a space as a block scalar with an indentation
// indicator (`|2-`); when its last line that is not empty holds only spaces, the `yaml` package drops
// that line (" a\n " and " \n" read back as " a" and ""; go-yaml reads them right). Such a string is
// written double-quoted instead, escaped by js-yaml itself. An implicit type's representation is
// written as it is; `resolve` is false: this type quotes nothing else.
const INDENTED_WITH_TRAILING_BLANK_LINE = (text: string) => /^\n* /.test(text) && /(?:^|\n) +\n*$/.test(text);
const DOUBLE_QUOTED_INDENTED_BLOCK = new Type('tag:shipshape,2025:indented-block', {
  kind: 'scalar',
  resolve: () => false,
  predicate: (data: unknown) => typeof data === 'string' && INDENTED_WITH_TRAILING_BLANK_LINE(data),
  represent: (data: object) => dump(data, { forceQuotes: true, quotingType: '"', lineWidth: -1 }).slice(0, -1),
});

const OUTPUT_SCHEMA = DEFAULT_SCHEMA.extend({ implicit: [QUOTED_FOR_OTHER_READERS, DOUBLE_QUOTED_INDENTED_BLOCK] });

/** The options every document is dumped with by js-yaml. */
const DUMP_OPTIONS = {
  schema: OUTPUT_SCHEMA,
  lineWidth: -1,
  noRefs: true,
  quotingType: '"',
  // As cdk8s's `Yaml.stringify` (`keepUndefined`): a field set to `undefined` is written `null`, not left out.
  replacer: (_key: string, value: unknown) => (value === undefined ? null : value),
} as const;

/**
 * One YAML document, ending in a line break. The bytes are js-yaml's (`jsYamlDocument`), which
 * writes about four times faster than cdk8s's `Yaml.stringify` (the `yaml` package); the values
 * read back the same by go-yaml and by the `yaml` package in YAML 1.1 and 1.2
 * (test/output/yaml.test.ts). A document of plain JSON values with ASCII strings, nearly every one
 * of a synth, is written by {@link fastDocument} instead, to the same bytes about three times faster
 * (2,900 objects of 500 services: 65–105 ms against 240–265 ms): js-yaml's general dumper asks
 * every implicit type of the schema about every string and calls the replacer for every value,
 * where most strings of a manifest start with a letter no other type can start with. Anything
 * else goes to js-yaml.
 */
export function toYamlDocument(value: unknown): string {
  return fastDocument(value) ?? jsYamlDocument(value);
}

/** The document as js-yaml writes it with shipshape's options. */
export function jsYamlDocument(value: unknown): string {
  return dump(value, DUMP_OPTIONS);
}

/**
 * The document js-yaml would write (see `writeNode` in js-yaml's dumper, whose steps this follows
 * for the values it takes), or undefined for a value it leaves to js-yaml: a string with a
 * character outside printable ASCII and line feeds, or one the schema's predicate types represent;
 * a number that is not a safe integer or a plain decimal; an object that is not plain; a key
 * longer than 1024 characters. test/output/yaml.test.ts holds it to js-yaml's bytes.
 */
export function fastDocument(value: unknown): string | undefined {
  try {
    return `${node(value, 0, true)}\n`;
  } catch (error) {
    if (error === LEAVE_TO_JS_YAML) return undefined;
    throw error;
  }
}

/** Thrown by the fast path to hand a document to js-yaml. */
const LEAVE_TO_JS_YAML = Symbol('leave to js-yaml');

function leave(): never {
  throw LEAVE_TO_JS_YAML;
}

const INDENT_PER_LEVEL = 2;

function indent(level: number): string {
  return ' '.repeat(INDENT_PER_LEVEL * level);
}

/** A node at `level`; `compact` as js-yaml's: the first entry of a block collection starts on the current line. */
function node(value: unknown, level: number, compact: boolean): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return scalar(value, level, false);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return number(value);
    case 'object':
      if (Array.isArray(value)) return value.length === 0 ? '[]' : sequence(value, level, compact);
      if (Object.getPrototypeOf(value) !== Object.prototype) return leave();
      return mapping(value as Record<string, unknown>, level, compact);
    default:
      return leave();
  }
}

/** js-yaml's int and float representations, for the numbers they write as `String(n)` does. */
function number(value: number): string {
  if (Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
  const text = String(value);
  return Number.isFinite(value) && !Number.isInteger(value) && !text.includes('e') ? text : leave();
}

function mapping(object: Record<string, unknown>, level: number, compact: boolean): string {
  let result = '';
  for (const key of Object.keys(object)) {
    if (!compact || result !== '') result += `\n${indent(level)}`;
    const written = scalar(key, level + 1, true);
    // js-yaml writes a key over 1024 characters as an explicit `? ` pair.
    if (written.length > 1024) leave();
    const value = node(object[key], level + 1, false);
    result += written + (value.charCodeAt(0) === LINE_FEED ? ':' : ': ') + value;
  }
  return result || '{}';
}

function sequence(items: readonly unknown[], level: number, compact: boolean): string {
  let result = '';
  for (const item of items) {
    if (!compact || result !== '') result += `\n${indent(level)}`;
    const value = node(item, level + 1, true);
    result += (value.charCodeAt(0) === LINE_FEED ? '-' : '- ') + value;
  }
  return result;
}

const LINE_FEED = 0x0a;
const SPACE = 0x20;
const COLON = 0x3a;
const SHARP = 0x23;
// js-yaml's compatibility quoting of YAML 1.1 booleans and base-60 numbers (`noCompatMode` is off).
const DEPRECATED_BOOLEANS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);
const DEPRECATED_BASE60 = /^[-+]?[0-9_]+(?::[0-9_]+)+(?:\.[0-9_]*)?$/;
// c-indicator characters, which js-yaml's isPlainSafeFirst refuses at the start of a plain scalar.
const NOT_PLAIN_FIRST = new Set([...'-?:,[]{}#&*!|=>\'"%@`'].map((c) => c.charCodeAt(0)));
// js-yaml exports its built-in types at run time; @types/js-yaml does not declare them.
const { types } = jsYaml as typeof jsYaml & { types: Record<'null' | 'bool' | 'int' | 'float' | 'timestamp' | 'merge', Type> };
/** The implicit types whose `resolve` makes a string ambiguous: js-yaml's DEFAULT_SCHEMA's, then shipshape's. */
const IMPLICIT_TYPES = [types.null, types.bool, types.int, types.float, types.timestamp, types.merge, QUOTED_FOR_OTHER_READERS];
// A string can only resolve to another type when it starts with a digit, a sign, a dot, `~`, `<`
// or one of these letters: null, the booleans (YAML 1.1's yes/no/on/off too) and YAML 1.1's
// floats with no digit before the exponent (`e3`). A string that starts with another letter is a string.
const MAYBE_AMBIGUOUS_FIRST = /^[^A-Za-z]|^[nNyYtTfFoOeE]/;

// Strings every character of which passes js-yaml's plain-scalar tests (isPlainSafeFirst for the
// first, isPlainSafe after it, isPlainSafeLast for the last) without a look at its neighbours: no
// spaces, no `#`, a `:` only before another character. Most strings of a manifest are such.
const PLAIN_SAFE = /^[A-Za-z0-9._/~+][A-Za-z0-9._/~+@=%-]*(?::+[A-Za-z0-9._/~+@=%-]+)*$/;

/** Whether js-yaml would read the string back as something else (a number, a boolean, null…), so it must be quoted. */
function isAmbiguous(text: string): boolean {
  return MAYBE_AMBIGUOUS_FIRST.test(text) && IMPLICIT_TYPES.some((type) => type.resolve(text));
}

/**
 * A string as js-yaml writes it (`writeScalar`, with `lineWidth: -1` and double quotes): plain
 * when it can be, double-quoted when on one line, else a literal block.
 */
function scalar(text: string, level: number, isKey: boolean): string {
  if (text === '') return '""';
  if (DEPRECATED_BOOLEANS.has(text) || DEPRECATED_BASE60.test(text)) return `"${text}"`;
  if (PLAIN_SAFE.test(text)) return isAmbiguous(text) ? `"${text}"` : text;
  if (INDENTED_WITH_TRAILING_BLANK_LINE(text)) return leave();
  let plain = isPlainSafeFirst(text.charCodeAt(0)) && isPlainSafeLast(text.charCodeAt(text.length - 1));
  let lineBreak = false;
  let previous = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LINE_FEED && !isKey) lineBreak = true;
    // Tabs, other control characters and anything beyond ASCII are escaped or checked by js-yaml.
    else if (c < SPACE || c > 0x7e) return leave();
    plain = plain && isPlainSafe(c, previous);
    previous = c;
  }
  if (!lineBreak) {
    if (plain && !isAmbiguous(text)) return text;
    return `"${text.replace(/["\\]/g, '\\$&')}"`;
  }
  return `|${blockHeader(text)}${dropEndingNewline(indentLines(text, INDENT_PER_LEVEL * Math.max(1, level)))}`;
}

/** js-yaml's isPlainSafeFirst, for a printable ASCII character. */
function isPlainSafeFirst(c: number): boolean {
  return c > SPACE && c <= 0x7e && !NOT_PLAIN_FIRST.has(c);
}

/** js-yaml's isPlainSafeLast. */
function isPlainSafeLast(c: number): boolean {
  return c !== SPACE && c !== 0x09 && c !== COLON;
}

/** js-yaml's isPlainSafe in block context, for printable ASCII and line feeds (`previous` -1 at the start). */
function isPlainSafe(c: number, previous: number): boolean {
  const nsCharOrWhitespace = c >= SPACE && c <= 0x7e;
  const nsChar = nsCharOrWhitespace && c !== SPACE;
  return (
    (nsCharOrWhitespace && c !== SHARP && !(previous === COLON && !nsChar)) ||
    (previous > SPACE && previous <= 0x7e && c === SHARP) ||
    (previous === COLON && nsChar)
  );
}

/** js-yaml's blockHeader: an indentation indicator when the text starts with a space, then the chomping indicator. */
function blockHeader(text: string): string {
  const indicator = /^\n* /.test(text) ? String(INDENT_PER_LEVEL) : '';
  const clip = text[text.length - 1] === '\n';
  const keep = clip && (text[text.length - 2] === '\n' || text === '\n');
  return `${indicator}${keep ? '+' : clip ? '' : '-'}\n`;
}

function dropEndingNewline(text: string): string {
  return text[text.length - 1] === '\n' ? text.slice(0, -1) : text;
}

/** js-yaml's indentString: every line but an empty one indented by `spaces`. */
function indentLines(text: string, spaces: number): string {
  const prefix = ' '.repeat(spaces);
  return text.replace(/^(?!\n|$)/gm, prefix);
}
