import { FisClient } from '@aws-sdk/client-fis';
import { InputError, StackUnavailableError } from '../../core/errors.ts';
import { LOCAL_ACCOUNT } from './local-resources.ts';

/**
 * Where FIS answers: gameday's own endpoint on loopback (the local stacks), or AWS's. Against AWS only
 * the endpoint differs: region and credentials come from where the AWS SDK and CLI find them.
 */
export type FisService =
  | { kind: 'local'; url: string }
  /** `endpoint` overrides AWS's (a VPC endpoint); otherwise AWS_ENDPOINT_URL_FIS, AWS_ENDPOINT_URL, AWS's own. */
  | { kind: 'aws'; endpoint?: string; region?: string };

export interface FisConnection {
  client: FisClient;
  /** The URL the client talks to, or "aws" when the SDK resolves AWS's regional endpoint itself. */
  endpoint: string;
  local: boolean;
  region: string;
}

/**
 * The local endpoint does not check signatures, but the SDK signs every request: these stand-ins keep
 * it from looking for real credentials (and from waiting on an instance metadata service that is not there).
 */
const LOCAL_CREDENTIALS = { accessKeyId: 'AKIAGAMEDAYLOCAL', secretAccessKey: 'gameday-local-endpoint' };

export async function connectFis(service: FisService): Promise<FisConnection> {
  if (service.kind === 'local')
    return {
      client: new FisClient({
        endpoint: service.url,
        region: LOCAL_ACCOUNT.region,
        credentials: LOCAL_CREDENTIALS,
        maxAttempts: 1,
      }),
      endpoint: service.url,
      local: true,
      region: LOCAL_ACCOUNT.region,
    };
  // @aws-sdk/client-fis 3.523 predates the service-specific endpoint variables; read them as newer SDKs do.
  const endpoint = service.endpoint ?? process.env.AWS_ENDPOINT_URL_FIS ?? process.env.AWS_ENDPOINT_URL;
  const client = new FisClient({
    ...(service.region ? { region: service.region } : {}),
    ...(endpoint ? { endpoint } : {}),
    maxAttempts: 3,
  });
  let region: string;
  try {
    region = await client.config.region();
  } catch {
    client.destroy();
    throw new InputError([
      'fis.region: no AWS region for FIS; set fis.region in the stack config, AWS_REGION, or a region in your AWS profile',
    ]);
  }
  return { client, endpoint: endpoint ?? 'aws', local: false, region };
}

/** The service answered (with a FIS error or not): a call that never reached it has no HTTP status. */
export const answered = (error: unknown): boolean =>
  typeof (error as { $metadata?: { httpStatusCode?: unknown } })?.$metadata?.httpStatusCode === 'number';

/** A call that never reached FIS (no answer, no credentials) as the exit-3 error that says where. */
export function fisUnavailable(connection: Pick<FisConnection, 'endpoint' | 'region'>, error: unknown) {
  const where = connection.endpoint === 'aws' ? `AWS FIS in ${connection.region}` : connection.endpoint;
  const name = (error as Error).name;
  const hint =
    name === 'CredentialsProviderError'
      ? ' (no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)'
      : '';
  return new StackUnavailableError(
    `the FIS endpoint ${where} does not answer: ${(error as Error).message}${hint}`,
    { cause: error },
  );
}
