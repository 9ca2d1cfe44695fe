import { describe, expect, it } from 'vitest';
import { taggingHeader } from '../../../src/store/object-settings.js';
import { logObjectCreation, smallObjectParams, storageOfHead } from '../../../src/store/s3-object-settings.js';

const NOW = new Date('2026-12-01T03:17:00.000Z');
const OWN = { 'dcs-instance': 'i-1', 'dcs-date': '2026-11-30' };

describe('the parameters objects are created with', () => {
  it('are only the content type when nothing is configured, and note nothing', () => {
    expect(logObjectCreation({}, 'text/plain', OWN, NOW)).toEqual({ params: { ContentType: 'text/plain' }, md5: false, storage: {} });
    expect(smallObjectParams({})).toEqual({});
  });

  it('carry every setting on a log object, with a retain-until date counted from now, and ask for Content-MD5 under a lock', () => {
    const creation = logObjectCreation(
      { storageClass: 'STANDARD_IA', encryption: { algorithm: 'aws:kms', kmsKeyId: 'k1' }, tags: { team: 'sre ops' }, objectLock: { mode: 'GOVERNANCE', days: 2 } },
      'application/gzip',
      OWN,
      NOW,
    );
    expect(creation.params).toEqual({
      ContentType: 'application/gzip',
      StorageClass: 'STANDARD_IA',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'k1',
      Tagging: 'team=sre%20ops&dcs-instance=i-1&dcs-date=2026-11-30',
      ObjectLockMode: 'GOVERNANCE',
      ObjectLockRetainUntilDate: new Date('2026-12-03T03:17:00.000Z'),
    });
    expect(creation.md5).toBe(true);
    expect(creation.storage).toEqual({
      storageClass: 'STANDARD_IA',
      serverSideEncryption: 'aws:kms',
      kmsKeyId: 'k1',
      objectLock: { mode: 'GOVERNANCE', retainUntil: '2026-12-03T03:17:00.000Z' },
    });
  });

  it('give a multipart object its tags and retention again after completion, the same ones, and nothing else', () => {
    const creation = logObjectCreation({ storageClass: 'STANDARD_IA', tags: { team: 'sre ops' }, objectLock: { mode: 'COMPLIANCE', days: 2 } }, undefined, OWN, NOW);
    expect(creation.completed).toEqual({
      tags: { team: 'sre ops', ...OWN },
      lock: { mode: 'COMPLIANCE', retainUntil: new Date('2026-12-03T03:17:00.000Z') },
    });
    expect(logObjectCreation({ tags: { team: 'sre' } }, undefined, OWN, NOW).completed).toEqual({ tags: { team: 'sre', ...OWN } });
    expect(logObjectCreation({ storageClass: 'STANDARD_IA', encryption: { algorithm: 'AES256' } }, undefined, OWN, NOW)).not.toHaveProperty('completed');
  });

  it('encrypt records and reports like the logs, but give them no class, tags or lock', () => {
    expect(smallObjectParams({ storageClass: 'COLD', encryption: { algorithm: 'AES256' }, tags: {}, objectLock: { mode: 'COMPLIANCE', days: 1 } })).toEqual({ ServerSideEncryption: 'AES256' });
  });

  it('write the fixed tags alone when the configured tags are an empty mapping, and no tagging header without tags', () => {
    expect(logObjectCreation({ tags: {} }, undefined, OWN, NOW).params.Tagging).toBe('dcs-instance=i-1&dcs-date=2026-11-30');
    expect(logObjectCreation({}, undefined, OWN, NOW).params).not.toHaveProperty('Tagging');
  });

  it('escape tag keys and values as a query string', () => {
    expect(taggingHeader({ 'a b': 'x=y&z', 'c/d': '+' })).toBe('a%20b=x%3Dy%26z&c%2Fd=%2B');
  });
});

describe('what a HEAD shows', () => {
  it('is the class, the encryption and the retention, when the answer has them', () => {
    expect(
      storageOfHead({
        $metadata: {},
        StorageClass: 'GLACIER_IR',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'k1',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: new Date('2027-12-01T00:00:00Z'),
      }),
    ).toEqual({ storageClass: 'GLACIER_IR', serverSideEncryption: 'aws:kms', kmsKeyId: 'k1', objectLock: { mode: 'COMPLIANCE', retainUntil: '2027-12-01T00:00:00.000Z' } });
  });

  it('is nothing for a plain object', () => {
    expect(storageOfHead({ $metadata: {}, ContentLength: 3 })).toBeUndefined();
  });
});
