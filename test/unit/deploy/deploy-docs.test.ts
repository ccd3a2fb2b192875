import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONTEXT_KEYS } from '../../../infra/aws/app-context';
import { KNOWN_VARIABLES } from '../../../node-agent/config';

const DOC = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');

function section(title: string): string {
  const start = DOC.indexOf(`### ${title}`);
  const end = DOC.indexOf('\n### ', start + 1);
  return DOC.slice(start, end === -1 ? undefined : end);
}

describe('Document: README.md, Deploy to AWS', () => {
  it('documents every context key of the CDK app, and no other', () => {
    // Act
    const table = section('Deploy the control plane');
    const documented = [...table.matchAll(/^\| `([A-Za-z]+)`/gm)].map((m) => m[1]);

    // Assess
    expect(documented.sort()).toEqual([...CONTEXT_KEYS].sort());
  });

  it('lists as carried over only variables the agent reads', () => {
    // Act
    const migration = section('Migrating from the AWS VPC CNI');
    const carried = migration.slice(
      migration.indexOf('carry over unchanged'),
      migration.indexOf('Mind three differences'),
    );
    const names = [...carried.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!);

    // Assess
    expect(names.length).toBeGreaterThan(25);
    expect(names.filter((n) => !(KNOWN_VARIABLES as readonly string[]).includes(n))).toEqual([]);
  });
});
