/** How search and logs name a file and print a match: one place, so the formats stay one. */
import type { ArchivedFile } from './select.js';

/** A single-node instance's files carry no replica address. */
export function replicaOf(file: ArchivedFile): string {
  return file.record.replicationIp || 'node';
}

/** `{instance name or id}/{replica}/{date}`, as grep -H names a file. */
export function fileLabel(file: ArchivedFile): string {
  return `${file.instanceName ?? file.record.instanceId}/${replicaOf(file)}/${file.record.date}`;
}

/** `label:line number:` before the line's own bytes. */
export function matchPrefix(label: string, lineNumber: number): string {
  return `${label}:${lineNumber}:`;
}

/** One `--json` match, exactly these keys. */
export function matchJson(file: ArchivedFile, lineNumber: number, line: string): string {
  const { record } = file;
  return `${JSON.stringify({ instanceId: record.instanceId, instanceName: file.instanceName ?? null, replicationIp: record.replicationIp, date: record.date, fileName: record.fileName, lineNumber, line })}\n`;
}

/** One `--count` line: `label:count`, or its JSON form. */
export function countLine(file: ArchivedFile, count: number, json: boolean): string {
  if (!json) return `${fileLabel(file)}:${count}\n`;
  const { record } = file;
  return `${JSON.stringify({ instanceId: record.instanceId, instanceName: file.instanceName ?? null, replicationIp: record.replicationIp, date: record.date, fileName: record.fileName, count })}\n`;
}

/** A file that could not be searched, in `--json`. */
export function errorJson(error: string, key: string): string {
  return `${JSON.stringify({ error, key })}\n`;
}

/** What a SHA-256 mismatch says, wherever it is found. */
export function mismatchMessage(key: string, expected: string, actual: string, corrupt?: string): string {
  return corrupt ? `SHA-256 mismatch: ${key} is corrupt (${corrupt}); its record says ${expected}` : `SHA-256 mismatch: ${key} hashes to ${actual}, its record says ${expected}`;
}
