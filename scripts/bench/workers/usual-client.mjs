/** The S3 client of the baselines: what S3-compatible stores need of any client (docs/s3-servers.md), and nothing more. */
import { S3Client } from '@aws-sdk/client-s3';

export function usualClient(endpoint) {
  return new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
