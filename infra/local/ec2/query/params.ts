import { Ec2ApiError } from '../errors';
import type { Filter } from '../model/filters';
import type { TagInput } from '../model/tags';

/**
 * The flattened parameters of one EC2 Query request (`Filter.1.Value.2=x`), read with EC2's
 * validation errors: MissingParameter for an absent required value, InvalidParameterValue for
 * one that does not parse.
 */
export class QueryParams {
  private readonly values: Map<string, string>;

  constructor(body: string) {
    this.values = new Map(new URLSearchParams(body));
  }

  get action(): string | undefined {
    return this.values.get('Action');
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** Every parameter but Action, Version and `omit`: what makes a retried request the same request. */
  fingerprint(omit: string): string {
    return [...this.values]
      .filter(([k]) => k !== 'Action' && k !== 'Version' && k !== omit)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
  }

  string(name: string): string | undefined {
    return this.values.get(name);
  }

  required(name: string): string {
    const value = this.values.get(name);
    if (value === undefined || value === '') {
      throw new Ec2ApiError('MissingParameter', `The request must contain the parameter ${name}`);
    }
    return value;
  }

  int(name: string, range: { min?: number; max?: number } = {}): number | undefined {
    const text = this.values.get(name);
    if (text === undefined) return undefined;
    const value = Number(text);
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
    if (!/^-?\d+$/.test(text) || value < min || value > max) {
      throw new Ec2ApiError(
        'InvalidParameterValue',
        `Value (${text}) for parameter ${name} is invalid. Expected an integer from ${min} to ${max}.`,
      );
    }
    return value;
  }

  requiredInt(name: string, range: { min?: number; max?: number } = {}): number {
    const value = this.int(name, range);
    if (value === undefined)
      throw new Ec2ApiError('MissingParameter', `The request must contain the parameter ${name}`);
    return value;
  }

  bool(name: string): boolean | undefined {
    const text = this.values.get(name);
    if (text === undefined) return undefined;
    if (text !== 'true' && text !== 'false') {
      throw new Ec2ApiError(
        'InvalidParameterValue',
        `Value (${text}) for parameter ${name} is invalid. Expected true or false.`,
      );
    }
    return text === 'true';
  }

  /** Indices N present for `prefix.N...`, in numeric order. */
  private indices(prefix: string): number[] {
    const found = new Set<number>();
    const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)(\\.|$)`);
    for (const key of this.values.keys()) {
      const m = pattern.exec(key);
      if (m) found.add(Number(m[1]));
    }
    return [...found].sort((a, b) => a - b);
  }

  /** `Prefix.1=a&Prefix.2=b` → [a, b]. */
  list(prefix: string): string[] {
    return this.indices(prefix).map((i) => this.values.get(`${prefix}.${i}`) ?? '');
  }

  filters(): Filter[] {
    return this.indices('Filter').map((i) => {
      const name = this.values.get(`Filter.${i}.Name`);
      if (!name)
        throw new Ec2ApiError('MissingParameter', `The request must contain the parameter Filter.${i}.Name`);
      return { name, values: this.list(`Filter.${i}.Value`) };
    });
  }

  /** `Tag.N.Key` / `Tag.N.Value` under a prefix. */
  tags(prefix = 'Tag'): TagInput[] {
    return this.indices(prefix).map((i) => {
      const key = this.values.get(`${prefix}.${i}.Key`);
      if (key === undefined)
        throw new Ec2ApiError(
          'MissingParameter',
          `The request must contain the parameter ${prefix}.${i}.Key`,
        );
      return { key, value: this.values.get(`${prefix}.${i}.Value`) };
    });
  }

  /** Tags of the TagSpecification entries for one resource type; another type's entry is an error. */
  tagSpecifications(
    resourceType: string,
    alsoAllowed: readonly string[] = [],
  ): { [type: string]: TagInput[] } {
    const byType: { [type: string]: TagInput[] } = {};
    for (const i of this.indices('TagSpecification')) {
      const type = this.values.get(`TagSpecification.${i}.ResourceType`) ?? resourceType;
      if (type !== resourceType && !alsoAllowed.includes(type)) {
        throw new Ec2ApiError(
          'InvalidParameterValue',
          `'${type}' is not a valid taggable resource type for this operation.`,
        );
      }
      byType[type] = [...(byType[type] ?? []), ...this.tags(`TagSpecification.${i}.Tag`)];
    }
    return byType;
  }
}
