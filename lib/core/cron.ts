/**
 * Cron schedules as a Kubernetes 1.28 CronJob accepts them (the standard five fields, or a macro),
 * checked here so a typo fails at synth rather than as a CronJob the API server refuses.
 */

/** The macros the CronJob controller understands. */
export const CRON_MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'] as const;

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  // The controller's parser takes 0-6 (Sunday is 0; 7 is refused).
  { name: 'day of week', min: 0, max: 6, names: DAYS },
];

/** A value of a field: a number in range, or (month, weekday) a three-letter name. */
function valueOf(text: string, field: CronField): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : undefined;
  }
  const index = field.names?.indexOf(text.toLowerCase()) ?? -1;
  return index === -1 ? undefined : index + field.min;
}

/** One comma-separated part: `*`, `?`, `a`, `a-b`, each optionally `/step`. */
function partProblem(part: string, field: CronField): string | undefined {
  const [range, step, extra] = part.split('/');
  if (extra !== undefined || (step !== undefined && !/^[1-9]\d*$/.test(step))) return `"${part}" has a bad step (write e.g. */15)`;
  if (range === '*' || (range === '?' && (field.name === 'day of month' || field.name === 'day of week'))) return undefined;
  const [from, to, more] = range.split('-');
  const start = valueOf(from, field);
  const end = to === undefined ? start : valueOf(to, field);
  const bounds = `${field.min}-${field.max}${field.names ? ` or ${field.names[0].toUpperCase()}-${field.names[field.names.length - 1].toUpperCase()}` : ''}`;
  if (more !== undefined || start === undefined || end === undefined) return `"${part}" is not a ${field.name} (${bounds})`;
  if (end < start) return `"${part}" runs backwards`;
  return undefined;
}

/**
 * What is wrong with a schedule, or undefined when the CronJob controller accepts it. Time zones
 * belong in the CronJob's `timeZone`, not in the schedule (`CRON_TZ=` is refused by the API server).
 */
export function cronProblem(schedule: string): string | undefined {
  const text = schedule.trim();
  if (/^(CRON_)?TZ=/.test(text)) return 'a time zone in the schedule is refused by the API server; give timeZone instead';
  if (text.startsWith('@')) {
    return (CRON_MACROS as readonly string[]).includes(text) ? undefined : `"${text}" is not a macro the CronJob controller knows (${CRON_MACROS.join(', ')})`;
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5)
    return `has ${fields.length} field${fields.length === 1 ? '' : 's'}; a schedule has five: minute hour day-of-month month day-of-week (e.g. "30 2 * * *")`;
  for (const [i, value] of fields.entries()) {
    for (const part of value.split(',')) {
      const problem = partProblem(part, FIELDS[i]);
      if (problem) return `the ${FIELDS[i].name} field: ${problem}`;
    }
  }
  return undefined;
}

/** Whether the runtime knows an IANA time zone such as `Europe/Stockholm`. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return !/^[+-]|^(UTC|GMT)[+-]/.test(zone) && zone !== 'Local';
  } catch {
    return false;
  }
}
