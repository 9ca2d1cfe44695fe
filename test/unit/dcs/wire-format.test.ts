import { describe, expect, it } from 'vitest';
import {
  WireFormatError,
  parseErrorBody,
  parseGroups,
  parseInstanceItem,
  parseLinkResponse,
  parseRunLogItem,
  parseRunLogPage,
} from '../../../src/dcs/wire-format.js';

describe('the API JSON', () => {
  it('accepts a count sent as a string and an empty result sent as the count alone', () => {
    expect(parseRunLogPage({ total_num: '2', file_list: [{}, {}] })).toEqual({ items: [{}, {}], total: 2 });
    expect(parseRunLogPage({ total_num: 0 })).toEqual({ items: [], total: 0 });
  });

  it('refuses a page without its list, with a list that is not an array, or with no body', () => {
    expect(() => parseRunLogPage({ total_num: 3 })).toThrow(WireFormatError);
    expect(() => parseRunLogPage({ total_num: 3, file_list: {} })).toThrow('file_list is not an array');
    expect(() => parseRunLogPage(undefined)).toThrow('the body is empty');
    expect(() => parseRunLogPage([1])).toThrow('not a JSON object');
  });

  it('refuses a run log whose day is not a calendar day', () => {
    const item = { id: 'a', file_name: 'f', group_name: 'g', replication_ip: 'i', status: 'succeed', time: '2025-13-01' };
    expect(parseRunLogItem(item)).toEqual({ ok: false, problem: 'time is not a yyyy-MM-dd day' });
    expect(parseRunLogItem({ ...item, time: '2025-03-01', backup_id: null })).toEqual({
      ok: true,
      value: { id: 'a', fileName: 'f', groupName: 'g', replicationIp: 'i', status: 'succeed', date: '2025-03-01' },
    });
  });

  it('refuses a link answer without a link, and never quotes the body', () => {
    expect(() => parseLinkResponse({ id: 'x', link: 7 })).toThrow('link is missing or not a string');
    expect(parseLinkResponse({ link: 'https://b.obs/x?Signature=s' })).toBe('https://b.obs/x?Signature=s');
  });

  it('sets aside a replica without an id and keeps the others of its group', () => {
    const { replicas, malformed } = parseGroups({
      group_list: [
        {
          group_name: 'group-0',
          replication_list: [
            { replication_id: 'r1', replication_ip: '10.0.0.1', replication_role: 'master', status: 'Active' },
            { replication_ip: '10.0.0.2' },
          ],
        },
      ],
    });
    expect(replicas).toEqual([{ id: 'r1', ip: '10.0.0.1', groupName: 'group-0', role: 'master', active: true }]);
    expect(malformed).toHaveLength(1);
  });

  it('reads instance tags from key/value pairs', () => {
    const result = parseInstanceItem({ instance_id: 'i', name: 'n', status: 'RUNNING', tags: [{ key: 'env', value: 'prod' }, { value: 'orphan' }] });
    expect(result).toEqual({ ok: true, value: { id: 'i', name: 'n', status: 'RUNNING', tags: { env: 'prod' } } });
  });

  it('reads an error body of either code family, and nothing from a body that is not one', () => {
    expect(parseErrorBody('{"error_code":"DCS.4017","error_msg":"busy","error_ext_msg":null}')).toEqual({ code: 'DCS.4017', message: 'busy' });
    expect(parseErrorBody('<html>502</html>')).toEqual({ code: undefined, message: undefined });
  });
});
