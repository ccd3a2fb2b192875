/**
 * Checks Kubernetes objects against the API schema two ways, offline: kubernetes-models'
 * validators (ajv over the OpenAPI schemas: required fields, types, formats, enums), and the
 * TypeScript compiler over the same models' generated types, whose excess-property check
 * catches misspelt or unknown fields that the JSON schemas let through.
 */
import * as path from 'node:path';
import { DaemonSet } from 'kubernetes-models/apps/v1';
import { ConfigMap, ServiceAccount } from 'kubernetes-models/v1';
import * as ts from 'typescript';
import { parseAllDocuments } from 'yaml';

const MODELS = {
  'v1/ServiceAccount': {
    model: ServiceAccount,
    type: "import('kubernetes-models/v1/ServiceAccount').IServiceAccount",
  },
  'v1/ConfigMap': { model: ConfigMap, type: "import('kubernetes-models/v1/ConfigMap').IConfigMap" },
  'apps/v1/DaemonSet': { model: DaemonSet, type: "import('kubernetes-models/apps/v1/DaemonSet').IDaemonSet" },
} as const;

export type KubeObject = { apiVersion: string; kind: string; metadata?: { name?: string } } & Record<
  string,
  unknown
>;

export function parseManifest(text: string): KubeObject[] {
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as KubeObject;
  });
}

/** Problems found by the OpenAPI validators, one line each; empty when the object is valid. */
export function schemaErrors(obj: KubeObject): string[] {
  const entry = MODELS[`${obj.apiVersion}/${obj.kind}` as keyof typeof MODELS];
  if (!entry) return [`${obj.apiVersion} ${obj.kind}: not a kind this manifest may contain`];
  try {
    new entry.model(obj as never).validate();
    return [];
  } catch (err) {
    return [`${obj.kind}/${obj.metadata?.name}: ${(err as Error).message}`];
  }
}

/** Unknown or mistyped fields, from type-checking each object as its model's interface. */
export function fieldErrors(objects: readonly KubeObject[]): string[] {
  const lines = objects.map((obj, i) => {
    const entry = MODELS[`${obj.apiVersion}/${obj.kind}` as keyof typeof MODELS];
    return `export const doc${i}: ${entry ? entry.type : 'never'} = ${JSON.stringify(obj, null, 1)};`;
  });
  const fileName = path.join(__dirname, '__manifest_check__.ts');
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    target: ts.ScriptTarget.ES2022,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => (f === fileName ? source : readFile(f));
  host.fileExists = (f) => f === fileName || fileExists(f);
  host.getSourceFile = (f, lang, ...rest) =>
    f === fileName ? ts.createSourceFile(f, source, lang) : getSourceFile(f, lang, ...rest);
  const program = ts.createProgram([fileName], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n').slice(0, 3).join(' / '));
}
