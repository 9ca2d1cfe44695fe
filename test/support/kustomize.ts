/**
 * Builds a kustomization the way `kubectl apply -k` would, for the part of kustomize that
 * deploy/kubernetes uses, so that tests can check the objects a cluster actually receives.
 * No kustomize binary installs here (nor is one packaged for npm), so this is a deliberately
 * small subset that refuses everything else loudly rather than build it wrong:
 *
 * - `resources`: YAML files (one or more documents) and directories holding a Kustomization;
 * - `components`: directories holding a Component, applied in order after the resources;
 * - `patches`: `path:` to a strategic-merge patch naming its target by apiVersion, kind and
 *   metadata.name (no `target:`, no inline patch, no JSON6902, no `$patch` directives, no null);
 *   maps are merged, lists of containers, volumes, env and volumeMounts are merged by their key
 *   (the patch's items first, then the base's others, as kustomize orders them),
 *   lists of scalars are replaced, and any other list of objects is refused;
 * - `images`: `name` with `newName`, `newTag` or `digest`, in the containers of pod templates;
 * - `labels`: `pairs` with `includeSelectors: false` (metadata.labels only);
 * - objects without metadata.name are refused, as kustomize refuses them (it cannot build a
 *   generateName), and so are two objects of the same kind and name.
 *
 * Order, as kustomize's: resources, then each component (its resources, then its transformers),
 * then this kustomization's own patches, images and labels.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

export type KubeObject = Record<string, unknown>;

const KINDS = {
  Kustomization: 'kustomize.config.k8s.io/v1beta1',
  Component: 'kustomize.config.k8s.io/v1alpha1',
} as const;
const FIELDS = new Set(['apiVersion', 'kind', 'resources', 'components', 'patches', 'images', 'labels']);
/** Strategic merge keys of the lists this subset merges (from the Kubernetes API's patchMergeKey). */
const MERGE_KEYS: Record<string, string> = { containers: 'name', initContainers: 'name', volumes: 'name', env: 'name', volumeMounts: 'mountPath' };
/** Where pod templates sit, by kind. */
const POD_SPECS: Record<string, string[]> = {
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  Deployment: ['spec', 'template', 'spec'],
};

export interface BuildOptions {
  /** Replaces a file's text before it is read (path relative to the root passed to build): the edits a README tells users to make. */
  edit?: (path: string, text: string) => string;
}

/** The objects `kubectl kustomize dir` would print, in order. */
export function build(dir: string, options: BuildOptions = {}): KubeObject[] {
  return new Builder(dir, options).kustomization(dir, 'Kustomization');
}

export function parseYamlFile(path: string, text: string): KubeObject[] {
  return parseAllDocuments(text).flatMap((document) => {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors.map((e) => e.message).join('; ')}`);
    const value = document.toJS() as KubeObject | null;
    return value === null ? [] : [value];
  });
}

class Builder {
  constructor(
    private readonly root: string,
    private readonly options: BuildOptions,
  ) {}

  private read(path: string): KubeObject[] {
    const name = relative(this.root, path) || '.';
    const text = readFileSync(path, 'utf8');
    return parseYamlFile(name, this.options.edit ? this.options.edit(name, text) : text);
  }

  private where(path: string): string {
    return relative(this.root, path) || '.';
  }

  kustomization(dir: string, kind: keyof typeof KINDS, accumulated: KubeObject[] = []): KubeObject[] {
    const file = join(dir, 'kustomization.yaml');
    if (!existsSync(file)) throw new Error(`${this.where(dir)}: no kustomization.yaml`);
    const [spec, ...more] = this.read(file);
    const where = this.where(file);
    if (!spec || more.length > 0) throw new Error(`${where}: expected one document`);
    if (spec.kind !== kind || spec.apiVersion !== KINDS[kind]) throw new Error(`${where}: expected ${KINDS[kind]} ${kind}, found ${String(spec.apiVersion)} ${String(spec.kind)}`);
    const unsupported = Object.keys(spec).filter((key) => !FIELDS.has(key));
    if (unsupported.length > 0) throw new Error(`${where}: ${unsupported.join(', ')} not supported by this kustomize subset (test/support/kustomize.ts)`);

    let objects = [...accumulated];
    for (const resource of list<string>(spec.resources, `${where} resources`)) {
      const path = join(dir, resource);
      const added = statSync(path).isDirectory() ? this.kustomization(path, 'Kustomization') : this.read(path);
      for (const object of added) objects = addObject(objects, object, this.where(path));
    }
    for (const component of list<string>(spec.components, `${where} components`)) objects = this.kustomization(join(dir, component), 'Component', objects);

    for (const patch of list<KubeObject>(spec.patches, `${where} patches`)) {
      const keys = Object.keys(patch);
      if (keys.length !== 1 || typeof patch.path !== 'string') throw new Error(`${where}: only patches of the form {path: FILE} are supported, not ${JSON.stringify(patch)}`);
      const patchFile = join(dir, patch.path);
      for (const document of this.read(patchFile)) objects = applyPatch(objects, document, this.where(patchFile));
    }
    for (const image of list<KubeObject>(spec.images, `${where} images`)) objects = objects.map((object) => setImage(object, image, where));
    for (const label of list<KubeObject>(spec.labels, `${where} labels`)) {
      const { pairs, includeSelectors, ...rest } = label;
      if (includeSelectors !== false || Object.keys(rest).length > 0) throw new Error(`${where}: only labels with includeSelectors: false are supported`);
      objects = objects.map((object) => withLabels(object, pairs as Record<string, string>));
    }
    return objects;
  }
}

function list<T>(value: unknown, where: string): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${where}: expected a list`);
  return value as T[];
}

const identity = (object: KubeObject) => {
  const metadata = (object.metadata ?? {}) as KubeObject;
  return `${String(object.apiVersion)} ${String(object.kind)} ${String(metadata.name)}`;
};

function addObject(objects: KubeObject[], object: KubeObject, where: string): KubeObject[] {
  const metadata = object.metadata as KubeObject | undefined;
  if (typeof metadata?.name !== 'string') throw new Error(`${where}: an object without metadata.name (kustomize cannot build a generateName)`);
  if (objects.some((other) => identity(other) === identity(object))) throw new Error(`${where}: ${identity(object)} is already in the build`);
  return [...objects, object];
}

function applyPatch(objects: KubeObject[], patch: KubeObject, where: string): KubeObject[] {
  const targets = objects.filter((object) => identity(object) === identity(patch));
  if (targets.length !== 1) throw new Error(`${where}: the patch's target ${identity(patch)} is not in the build`);
  return objects.map((object) => (object === targets[0] ? (merge(object, patch, where, '') as KubeObject) : object));
}

function merge(base: unknown, patch: unknown, where: string, path: string): unknown {
  if (patch === null) throw new Error(`${where}: ${path} is null; deleting by patch is not supported by this kustomize subset`);
  if (Array.isArray(patch)) {
    const field = path.split('.').at(-1)!;
    const key = MERGE_KEYS[field];
    if (key === undefined) {
      if (patch.some((item) => item !== null && typeof item === 'object')) throw new Error(`${where}: ${path} is a list of objects this kustomize subset cannot merge`);
      return patch;
    }
    // kustomize's order: the patch's items (merged into the base's of the same key), then the base's other items.
    const original = (base ?? []) as KubeObject[];
    const patched = (patch as KubeObject[]).map((item) => {
      const existing = original.find((candidate) => candidate[key] === item[key]);
      return existing === undefined ? item : (merge(existing, item, where, `${path}[${String(item[key])}]`) as KubeObject);
    });
    return [...patched, ...original.filter((item) => !(patch as KubeObject[]).some((p) => p[key] === item[key]))];
  }
  if (typeof patch === 'object') {
    const result: KubeObject = { ...((base ?? {}) as KubeObject) };
    for (const [key, value] of Object.entries(patch as KubeObject)) {
      if (key.startsWith('$')) throw new Error(`${where}: ${path}.${key}: patch directives are not supported by this kustomize subset`);
      result[key] = merge(result[key], value, where, path === '' ? key : `${path}.${key}`);
    }
    return result;
  }
  return patch;
}

/** The image's name without its tag or digest (a registry port's colon is kept). */
function imageName(image: string): string {
  const withoutDigest = image.split('@')[0]!;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
}

function setImage(object: KubeObject, image: KubeObject, where: string): KubeObject {
  const { name, newName, newTag, digest, ...rest } = image as Record<string, string | undefined>;
  if (typeof name !== 'string' || Object.keys(rest).length > 0 || (newTag !== undefined && digest !== undefined)) {
    throw new Error(`${where}: images entries take name with newName, newTag or digest: ${JSON.stringify(image)}`);
  }
  const path = POD_SPECS[String(object.kind)];
  if (!path) return object;
  const copy = structuredClone(object);
  const pod = path.reduce<unknown>((node, key) => (node as KubeObject | undefined)?.[key], copy) as KubeObject | undefined;
  for (const field of ['containers', 'initContainers']) {
    for (const container of (pod?.[field] ?? []) as Array<{ image?: string }>) {
      if (container.image === undefined || imageName(container.image) !== name) continue;
      const current = container.image.slice(imageName(container.image).length);
      const suffix = digest !== undefined ? `@${digest}` : newTag !== undefined ? `:${newTag}` : current;
      container.image = `${newName ?? name}${suffix}`;
    }
  }
  return copy;
}

function withLabels(object: KubeObject, pairs: Record<string, string>): KubeObject {
  const metadata = (object.metadata ?? {}) as KubeObject;
  return { ...object, metadata: { ...metadata, labels: { ...((metadata.labels ?? {}) as Record<string, string>), ...pairs } } };
}
