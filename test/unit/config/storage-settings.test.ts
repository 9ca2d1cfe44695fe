import { describe, expect, it } from 'vitest';
import { objectSettingsOf } from '../../../src/config/destination.js';
import { validateConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';

function problems(destination: Record<string, unknown>): string[] {
  try {
    validateConfig({ destination });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message.split('\n').map((line) => line.trim());
  }
  throw new Error('expected a ConfigError');
}

const s3 = 's3://team-logs/dcs/';

describe('destination storage settings', () => {
  it('are off by default: no class, no encryption, no tags, no lock', () => {
    const config = validateConfig({ destination: { url: s3 } });
    expect(config.destination).toMatchObject({ storageClass: null, serverSideEncryption: 'none', kmsKeyId: null, tags: null, objectLock: null });
    expect(objectSettingsOf(config.destination)).toEqual({});
  });

  it('reach the store in its own words', () => {
    const config = validateConfig({
      destination: { url: s3, storageClass: 'WARM', serverSideEncryption: 'aws:kms', kmsKeyId: 'alias/logs', tags: { team: 'sre' }, objectLock: { mode: 'COMPLIANCE', days: 365 } },
    });
    expect(objectSettingsOf(config.destination)).toEqual({
      storageClass: 'WARM',
      encryption: { algorithm: 'aws:kms', kmsKeyId: 'alias/logs' },
      tags: { team: 'sre' },
      objectLock: { mode: 'COMPLIANCE', days: 365 },
    });
  });

  it('name the key and what is allowed for a bad value', () => {
    const lines = problems({
      url: s3,
      storageClass: 'standard-ia',
      serverSideEncryption: 'KMS',
      tags: { 'aws:owner': 'x', 'dcs-date': 'y', ok: 'a\u0001' },
      objectLock: { mode: 'LEGAL', days: 0 },
    });
    expect(lines).toContain('config destination.storageClass: got "standard-ia"; allowed: a storage class name in capitals, e.g. STANDARD_IA or GLACIER_IR (AWS S3), WARM or COLD (Huawei OBS)');
    expect(lines.find((line) => line.startsWith('config destination.serverSideEncryption: got "KMS"'))).toContain('allowed: none, AES256 or aws:kms');
    expect(lines.find((line) => line.startsWith('config destination.tags["aws:owner"]'))).toContain('not starting with aws:');
    expect(lines.find((line) => line.startsWith('config destination.tags.dcs-date'))).toContain('other than dcs-instance and dcs-date');
    expect(lines.find((line) => line.startsWith('config destination.tags.ok'))).toContain('a tag value of letters');
    expect(lines.find((line) => line.startsWith('config destination.objectLock.mode'))).toContain('GOVERNANCE');
    expect(lines.find((line) => line.startsWith('config destination.objectLock.days'))).toContain('an integer from 1 to 36500');
  });

  it('allow at most 8 tags, since S3 allows 10 per object and the archiver adds two', () => {
    const tags = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v']));
    expect(problems({ url: s3, tags }).join('\n')).toContain('at most 8 tags');
  });

  it('want a KMS key id only with aws:kms', () => {
    expect(problems({ url: s3, serverSideEncryption: 'AES256', kmsKeyId: 'k1' })).toContain(
      'config destination.kmsKeyId: got "k1"; allowed: null unless destination.serverSideEncryption is aws:kms',
    );
  });

  it('are refused with a file:// destination, each by its key', () => {
    const lines = problems({ url: 'file:///var/lib/archive/', storageClass: 'STANDARD_IA', serverSideEncryption: 'AES256', tags: {}, objectLock: { mode: 'GOVERNANCE', days: 30 } });
    for (const key of ['storageClass', 'serverSideEncryption', 'tags', 'objectLock']) {
      expect(lines.find((line) => line.startsWith(`config destination.${key}:`))).toContain('unset with a file:// destination');
    }
  });
});
