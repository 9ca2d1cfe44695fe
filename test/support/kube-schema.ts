/**
 * Validates Kubernetes objects against the API schemas of one Kubernetes release, the oldest the
 * manifests support (deploy/README.md, "Kubernetes version"), the way an API server with strict
 * field validation (kubectl's default since 1.27) would refuse them: wrong types, values outside
 * an enum, missing required fields, and fields that release does not know.
 *
 * The schemas are kubernetes-models' (4.5.x is generated from Kubernetes 1.33.0's OpenAPI spec)
 * and @kubernetes-models/prometheus-operator's for the monitoring components. Their validate
 * functions check types, enums, formats and required fields but let unknown fields through (the
 * OpenAPI spec does not forbid them), so each object is validated through a proxy that records
 * which fields the validator looked at: a field it never read is one the schema does not have,
 * unless the validator walked the object's keys (a map such as labels or ConfigMap data).
 */
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';

/** The Kubernetes release whose schemas these are; kubernetes-models is pinned to match. */
export const SCHEMA_KUBERNETES_VERSION = '1.33';
export const SCHEMA_PACKAGE = { name: 'kubernetes-models', version: '4.5.1' };

/**
 * The kinds the manifests use, at the API versions Kubernetes 1.33 serves. A kind or version not
 * listed is refused rather than passed unchecked (batch/v1beta1 CronJob, for one, was removed in 1.25).
 */
const VALIDATORS: Record<string, () => void> = {
  'v1/ConfigMap': ConfigMap.prototype.validate,
  'v1/Secret': Secret.prototype.validate,
  'v1/Service': Service.prototype.validate,
  'v1/ServiceAccount': ServiceAccount.prototype.validate,
  'apps/v1/Deployment': Deployment.prototype.validate,
  'batch/v1/CronJob': CronJob.prototype.validate,
  'batch/v1/Job': Job.prototype.validate,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule.prototype.validate,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor.prototype.validate,
};

export const KNOWN_KINDS = Object.keys(VALIDATORS);

interface Visit {
  value: object;
  path: string;
  read: Set<string>;
  walked: boolean;
}

/** A deep copy of `value` behind proxies that note every field read and every walk over the keys. */
function watched(value: unknown, path: string, visits: Visit[]): unknown {
  if (value === null || typeof value !== 'object') return value;
  const visit: Visit = { value, path, read: new Set(), walked: false };
  visits.push(visit);
  const copy = Array.isArray(value)
    ? value.map((item, index) => watched(item, `${path}[${index}]`, visits))
    : Object.fromEntries(Object.entries(value).map(([key, item]) => [key, watched(item, path === '' ? key : `${path}.${key}`, visits)]));
  return new Proxy(copy, {
    get(target, key, receiver) {
      if (typeof key === 'string') visit.read.add(key);
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === 'string') visit.read.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      visit.walked = true;
      return Reflect.ownKeys(target);
    },
  });
}

/** Every reason the API server of SCHEMA_KUBERNETES_VERSION would refuse `object`; empty when none. */
export function schemaProblems(object: Record<string, unknown>): string[] {
  const key = `${String(object.apiVersion)}/${String(object.kind)}`;
  const validate = VALIDATORS[key];
  if (!validate) return [`no schema for ${key}: the manifests use only ${KNOWN_KINDS.join(', ')}`];
  const visits: Visit[] = [];
  const problems: string[] = [];
  try {
    // The models' validate() checks `this`; called on the proxy, it reads the fields through it.
    validate.call(watched(object, '', visits));
  } catch (error) {
    problems.push(...(error instanceof Error ? error.message : String(error)).split(', '));
  }
  for (const visit of visits) {
    if (Array.isArray(visit.value) || visit.walked) continue;
    for (const field of Object.keys(visit.value)) {
      if (!visit.read.has(field)) problems.push(`${visit.path === '' ? field : `${visit.path}.${field}`}: no such field in Kubernetes ${SCHEMA_KUBERNETES_VERSION}`);
    }
  }
  return problems;
}
