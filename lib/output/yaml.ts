import { DEFAULT_SCHEMA, Type, dump } from 'js-yaml';
import { Schema } from 'yaml';

// js-yaml quotes a string when its YAML 1.2 schema (plus the YAML 1.1 booleans and base-60 numbers it
// knows) would read it back as something else. The output is also read as YAML 1.1 (go-yaml in kubectl,
// kustomize and Flux; the `yaml` package, with which cdk8s wrote it), which takes more plain scalars for
// numbers and dates: `1_000`, `.e3`, `2024-1-1`; and `+.5` is a float in both versions. So a string is
// also quoted when the `yaml` package's 1.1 or 1.2 schema, or go-yaml, would read it as something else.
const YAML_PACKAGE_NON_STRING = new RegExp(
  (['yaml-1.1', 'core'] as const)
    .flatMap((schema) => new Schema({ schema }).tags)
    .flatMap((tag) => ('test' in tag && tag.test && tag.default ? [`(?:${tag.test.source})`] : []))
    .join('|'),
);
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

/**
 * One YAML document, ending in a line break. js-yaml writes it about four times faster than cdk8s's
 * `Yaml.stringify` (the `yaml` package); the values read back the same by go-yaml and by the `yaml`
 * package in YAML 1.1 and 1.2 (test/output/yaml.test.ts).
 */
export function toYamlDocument(value: unknown): string {
  return dump(value, {
    schema: OUTPUT_SCHEMA,
    lineWidth: -1,
    noRefs: true,
    quotingType: '"',
    // As cdk8s's `Yaml.stringify` (`keepUndefined`): a field set to `undefined` is written `null`, not left out.
    replacer: (_key, value) => (value === undefined ? null : value),
  });
}
