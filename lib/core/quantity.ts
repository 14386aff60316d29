import { z } from 'zod';

const QUANTITY = /^([+-]?[0-9.]+)([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;
const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** Parses a Kubernetes quantity (`500m`, `1.5`, `768Mi`, `1e3`) into a plain number (cores or bytes). */
export function parseQuantity(quantity: string): number {
  const match = QUANTITY.exec(quantity.trim());
  if (!match || Number.isNaN(Number(match[1]))) throw new Error(`not a Kubernetes quantity: "${quantity}"`);
  const [, number, suffix = ''] = match;
  if (/^[eE]/.test(suffix)) return Number(`${number}${suffix}`);
  return Number(number) * SUFFIX[suffix];
}

/** Whether `value` parses as a quantity. */
export function isQuantity(value: string): boolean {
  try {
    parseQuantity(value);
    return true;
  } catch {
    return false;
  }
}

function isPositiveQuantity(value: string): boolean {
  return isQuantity(value) && parseQuantity(value) > 0;
}

/** A positive CPU quantity such as `250m` or `1`. */
export const cpuQuantity = z.string().refine(isPositiveQuantity, 'must be a positive CPU quantity such as "250m" or "1"');
/**
 * A positive memory or storage quantity such as `512Mi` or `10Gi`. Milli-, micro- and nano-units
 * (`512m`) are refused: they are fractions of a byte, a slip for `Mi` that no container can run with.
 */
export const memoryQuantity = z
  .string()
  .refine(isPositiveQuantity, 'must be a positive memory quantity such as "512Mi" or "1Gi"')
  .superRefine((value, ctx) => {
    const sub = /^([0-9.]+)([mun])$/.exec(value.trim());
    if (!sub || !isPositiveQuantity(value)) return;
    const bytes = Number(parseQuantity(value).toPrecision(12));
    ctx.addIssue({
      code: 'custom',
      message: `"${value}" is ${bytes} bytes: "${sub[2]}" is a fraction (milli-units are for CPU), and memory counts whole bytes. Fix: write "${sub[1]}${sub[2] === 'm' ? 'Mi' : 'Ki'}" (or "${sub[1]}M")`,
    });
  });

/** Formats cores as millicores (`0.25` → `250m`), rounded up so scaling never rounds to zero. */
export function formatCpu(cores: number): string {
  const milli = Math.max(1, Math.ceil(cores * 1000 - 1e-9));
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Formats bytes in the largest binary unit that keeps an integer, rounding up to whole Mi. */
export function formatMemory(bytes: number): string {
  const mi = Math.max(1, Math.ceil(bytes / 2 ** 20 - 1e-9));
  return mi % 1024 === 0 ? `${mi / 1024}Gi` : `${mi}Mi`;
}
