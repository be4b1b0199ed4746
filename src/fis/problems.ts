/**
 * Problems found in a request, every one at once (for gameday's own "fix these" errors); the endpoint
 * answers with the first, as FIS answers one. Constraint violations read like AWS's ("1 validation
 * error detected: Value … at 'path' failed to satisfy constraint: …").
 */
export interface FisProblem {
  type: 'ValidationException' | 'ServiceQuotaExceededException';
  message: string;
}

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const show = (value: unknown): string => {
  if (value === undefined || value === null) return 'null';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `'${text.length > 80 ? `${text.slice(0, 77)}...` : text}'`;
};

export class Problems {
  readonly list: FisProblem[] = [];

  add(message: string): void {
    this.list.push({ type: 'ValidationException', message });
  }

  quota(message: string): void {
    this.list.push({ type: 'ServiceQuotaExceededException', message });
  }

  constraint(path: string, value: unknown, constraint: string): void {
    this.add(
      `1 validation error detected: Value ${show(value)} at '${path}' failed to satisfy constraint: ${constraint}`,
    );
  }

  /** A string member within FIS's length limits; false (with the problem noted) otherwise. */
  string(
    path: string,
    value: unknown,
    limits: { required?: boolean; min?: number; max: number; noSpace?: boolean },
  ): value is string {
    if (value === undefined || value === null) {
      if (limits.required) this.constraint(path, value, 'Member must not be null');
      return false;
    }
    if (typeof value !== 'string') {
      this.constraint(path, value, 'Member must be a string');
      return false;
    }
    const min = limits.min ?? 1;
    if (value.length < min) {
      this.constraint(path, value, `Member must have length greater than or equal to ${min}`);
    } else if (value.length > limits.max) {
      this.constraint(path, value, `Member must have length less than or equal to ${limits.max}`);
    } else if (limits.noSpace && /\s/.test(value)) {
      this.constraint(path, value, 'Member must satisfy regular expression pattern: [\\S]+');
    } else {
      return true;
    }
    return false;
  }

  /** A map of strings to strings (tags, parameters); false (with the problem noted) otherwise. */
  stringMap(path: string, value: unknown, maxEntries = 1000): value is Record<string, string> {
    if (!isObject(value) || Object.values(value).some((v) => typeof v !== 'string')) {
      this.constraint(path, value, 'Member must be a map of strings to strings');
      return false;
    }
    if (Object.keys(value).length > maxEntries) {
      this.constraint(path, value, `Member must have length less than or equal to ${maxEntries}`);
      return false;
    }
    return true;
  }

  /** An array of strings; false (with the problem noted) otherwise. */
  stringList(path: string, value: unknown): value is string[] {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      this.constraint(path, value, 'Member must be a list of strings');
      return false;
    }
    return true;
  }
}
