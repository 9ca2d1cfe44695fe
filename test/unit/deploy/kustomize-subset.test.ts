/**
 * The kustomize subset that schemas.test.ts builds deploy/kubernetes with: what it supports
 * behaves as kustomize does, and everything else is refused by name rather than built wrong.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { build } from '../../support/kustomize.js';

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

/** A directory of the given files (path → text). */
function tree(files: Record<string, string>): string {
  root = mkdtempSync(join(tmpdir(), 'kustomize-subset-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const KUSTOMIZATION = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n';
const COMPONENT = 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n';
const JOB = `apiVersion: batch/v1
kind: Job
metadata:
  name: j
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: app
          args: [a]
          env: [{name: A, value: "1"}]
        - name: side
          image: registry.local:5000/side:1
      volumes: [{name: tmp, emptyDir: {}}]
`;

describe('the kustomize subset', () => {
  it('merges a patch’s containers and env by name (its items first), replaces scalar lists, and applies components before its own transformers, as kubectl kustomize does', () => {
    const dir = tree({
      'kustomization.yaml': `${KUSTOMIZATION}resources: [job.yaml]\ncomponents: [c]\nimages: [{name: app, newName: reg.example/app, newTag: "2"}]\nlabels: [{pairs: {team: x}, includeSelectors: false}]\n`,
      'job.yaml': JOB,
      'c/kustomization.yaml': `${COMPONENT}patches: [{path: patch.yaml}]\n`,
      'c/patch.yaml': 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      containers:\n        - name: main\n          args: [b, c]\n          env: [{name: B, value: "2"}]\n',
    });
    const [job] = build(dir);
    expect(job).toMatchObject({ metadata: { name: 'j', labels: { team: 'x' } } });
    const spec = (job!.spec as { template: { spec: { containers: unknown[]; volumes: unknown[] } } }).template.spec;
    expect(spec.containers).toEqual([
      { name: 'main', image: 'reg.example/app:2', args: ['b', 'c'], env: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }] },
      { name: 'side', image: 'registry.local:5000/side:1' },
    ]);
    expect(spec.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
  });

  it('refuses a kustomization field it does not implement, naming it', () => {
    const dir = tree({ 'kustomization.yaml': `${KUSTOMIZATION}resources: [job.yaml]\nnamespace: ns\n`, 'job.yaml': JOB });
    expect(() => build(dir)).toThrow('kustomization.yaml: namespace not supported by this kustomize subset');
  });

  it('refuses a patch by target, a patch whose object is not in the build, and a delete by null', () => {
    expect(() => build(tree({ 'kustomization.yaml': `${KUSTOMIZATION}resources: [job.yaml]\npatches: [{path: p.yaml, target: {kind: Job}}]\n`, 'job.yaml': JOB, 'p.yaml': '' }))).toThrow(
      'only patches of the form {path: FILE}',
    );
    expect(() => build(tree({ 'kustomization.yaml': `${KUSTOMIZATION}resources: [job.yaml]\npatches: [{path: p.yaml}]\n`, 'job.yaml': JOB, 'p.yaml': 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: other}\n' }))).toThrow(
      "the patch's target batch/v1 Job other is not in the build",
    );
    expect(() => build(tree({ 'kustomization.yaml': `${KUSTOMIZATION}resources: [job.yaml]\npatches: [{path: p.yaml}]\n`, 'job.yaml': JOB, 'p.yaml': 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {parallelism: null}\n' }))).toThrow(
      'spec.parallelism is null',
    );
  });

  it('refuses to merge a list of objects whose merge key it does not know', () => {
    const patch = 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      tolerations: [{key: k, operator: Exists}]\n';
    expect(() => build(tree({ 'kustomization.yaml': `${KUSTOMIZATION}resources: [job.yaml]\npatches: [{path: p.yaml}]\n`, 'job.yaml': JOB, 'p.yaml': patch }))).toThrow(
      'spec.template.spec.tolerations is a list of objects this kustomize subset cannot merge',
    );
  });

  it('refuses, as kustomize does, an object with only a generateName and the same object twice', () => {
    const generated = JOB.replace('  name: j', '  generateName: j-');
    expect(() => build(tree({ 'kustomization.yaml': `${KUSTOMIZATION}resources: [job.yaml]\n`, 'job.yaml': generated }))).toThrow('an object without metadata.name');
    expect(() => build(tree({ 'kustomization.yaml': `${KUSTOMIZATION}resources: [job.yaml, again.yaml]\n`, 'job.yaml': JOB, 'again.yaml': JOB }))).toThrow('batch/v1 Job j is already in the build');
  });

  it('refuses a Component where a Kustomization belongs, and labels that would change selectors', () => {
    expect(() => build(tree({ 'kustomization.yaml': COMPONENT }))).toThrow('expected kustomize.config.k8s.io/v1beta1 Kustomization');
    expect(() => build(tree({ 'kustomization.yaml': `${KUSTOMIZATION}resources: [job.yaml]\nlabels: [{pairs: {a: b}}]\n`, 'job.yaml': JOB }))).toThrow('only labels with includeSelectors: false');
  });
});
