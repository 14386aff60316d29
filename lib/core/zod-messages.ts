import { z } from 'zod';

/**
 * A zod issue's message, with what zod leaves generic made specific. A record key that fails its
 * schema comes from zod as "Invalid key in record"; here it names the key, what a key must be and
 * what is wrong with this one (`the key "Web" must be a DNS label: …; "W" is upper case`).
 */
export function zodIssueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'invalid_key') return issue.message;
  const key = String(issue.path[issue.path.length - 1] ?? '');
  const reasons = issue.issues.map((inner) => {
    if (inner.code === 'invalid_format' && inner.format === 'regex' && 'pattern' in inner && typeof inner.pattern === 'string') {
      return `${inner.message}; ${whatBreaksPattern(key, inner.pattern)}`;
    }
    if (inner.code === 'too_big') return `${inner.message}; it has ${key.length}`;
    return inner.message;
  });
  return `the key "${key}" ${reasons.join('; ')}`;
}

/**
 * What makes `value` fail a name-like `pattern` (written `/source/flags`): the first character no
 * character class of the pattern allows, else a first or last character that the pattern's first
 * or last class refuses, else its length.
 */
export function whatBreaksPattern(value: string, pattern: string): string {
  if (value === '') return 'it is empty';
  const [, source = pattern, flags = ''] = /^\/(.*)\/([a-z]*)$/s.exec(pattern) ?? [];
  const toRegExp = (cls: string | undefined) => (cls ? new RegExp(cls, flags.replace('g', '')) : undefined);
  const classes = (source.match(CHARACTER_CLASS) ?? []).map((cls) => toRegExp(cls)!);
  const characters = [...value];
  const wrong = characters.findIndex((c) => !classes.some((cls) => cls.test(c)));
  if (classes.length > 0 && wrong >= 0) return `${describeCharacter(characters[wrong])} at position ${wrong + 1} is not allowed`;
  // `^[a-z0-9]…` and `…[a-z0-9])?$`: what the first and the last character must be.
  const first = toRegExp(new RegExp(`^\\^(${CHARACTER_CLASS.source})`).exec(source)?.[1]);
  const last = toRegExp(new RegExp(`(${CHARACTER_CLASS.source})\\)?\\??\\$$`).exec(source)?.[1]);
  if (first && !first.test(characters[0])) return `it starts with "${characters[0]}"`;
  if (last && !last.test(characters[characters.length - 1])) return `it ends with "${characters[characters.length - 1]}"`;
  return `it has ${characters.length} characters`;
}

const CHARACTER_CLASS = /\[(?:\\.|[^\]\\])*\]/g;

function describeCharacter(c: string): string {
  if (c === ' ') return 'a space';
  if (/\s/.test(c)) return `a white-space character (${JSON.stringify(c)})`;
  if (c !== c.toLowerCase()) return `"${c}" (upper case)`;
  return `"${c}"`;
}

/**
 * A union whose member is told by which of its keys the value has (`{ http: … }` or `{ tcp: … }`),
 * each member checked alone: a message names the field at fault, where a plain union says only
 * "Invalid input". `what` names the thing in the message for a value with none or several keys.
 */
export function keyedUnion<T>(what: string, forms: Record<string, z.ZodType>): z.ZodType<T, T> {
  const names = Object.keys(forms);
  const list = `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
  return z.custom<T>().superRefine((value, ctx) => {
    const keys = value && typeof value === 'object' ? names.filter((key) => key in value) : [];
    if (keys.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `give exactly one of ${list} for ${what}${keys.length ? ` (it has ${keys.join(' and ')})` : ''}` });
      return;
    }
    const result = forms[keys[0]].safeParse(value);
    for (const issue of result.error?.issues ?? []) ctx.addIssue({ ...issue, code: 'custom', path: issue.path });
  });
}
