import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FisError, validationError } from './errors.ts';
import { type AlarmState, FisService, type FisServiceOptions } from './fis-service.ts';

export type FisEndpointOptions = FisServiceOptions & { port?: number };

export interface FisEndpoint {
  /** http://127.0.0.1:PORT: give it to FISClient as `endpoint` (or AWS_ENDPOINT_URL_FIS to the CLI). */
  url: string;
  port: number;
  /** The bound address: always 127.0.0.1. */
  address: AddressInfo;
  /** Tells the endpoint a CloudWatch alarm's state; ALARM stops the experiments it guards. */
  alarmState(alarmArn: string, state: AlarmState): void;
  /** Stops every active experiment (each action undone), then closes the server. */
  close(): Promise<void>;
}

type Query = URLSearchParams;
type Handler = (params: string[], body: unknown, query: Query) => unknown;

const page = (query: Query) => ({ maxResults: query.get('maxResults'), nextToken: query.get('nextToken') });

/**
 * AWS FIS's API (restJson1, as @aws-sdk/client-fis and the AWS CLI speak it) on 127.0.0.1 only, the
 * way the fault proxy serves Toxiproxy's: templates, experiments, actions, resource types and tags,
 * with FIS's shapes (epoch-second times), errors (`x-amzn-errortype` and `{message}`), pagination
 * and state machine; the executor carries the actions out. Signatures are not checked.
 *
 * `timeScale` (default 1) divides every action's ISO duration: at 60, as the harness runs, PT5M lasts
 * 5 s and PT1M (FIS's minimum) 1 s. Templates keep FIS's units, so the same template runs on AWS.
 */
export async function startFisEndpoint(options: FisEndpointOptions): Promise<FisEndpoint> {
  const fis = new FisService(options);
  const routes: [string, RegExp, Handler][] = [
    ['POST', /^\/experimentTemplates$/, (_, body) => fis.createExperimentTemplate(body)],
    ['GET', /^\/experimentTemplates$/, (_, __, q) => fis.listExperimentTemplates(page(q))],
    ['GET', /^\/experimentTemplates\/([^/]+)$/, ([id]) => fis.getExperimentTemplate(id!)],
    ['PATCH', /^\/experimentTemplates\/([^/]+)$/, ([id], body) => fis.updateExperimentTemplate(id!, body)],
    ['DELETE', /^\/experimentTemplates\/([^/]+)$/, ([id]) => fis.deleteExperimentTemplate(id!)],
    ['POST', /^\/experiments$/, (_, body) => fis.startExperiment(body)],
    [
      'GET',
      /^\/experiments$/,
      (_, __, q) => fis.listExperiments({ ...page(q), experimentTemplateId: q.get('experimentTemplateId') }),
    ],
    ['GET', /^\/experiments\/([^/]+)$/, ([id]) => fis.getExperiment(id!)],
    ['DELETE', /^\/experiments\/([^/]+)$/, ([id]) => fis.stopExperiment(id!)],
    [
      'GET',
      /^\/experiments\/([^/]+)\/resolvedTargets$/,
      ([id], __, q) =>
        fis.listExperimentResolvedTargets(id!, { ...page(q), targetName: q.get('targetName') }),
    ],
    ['GET', /^\/actions$/, (_, __, q) => fis.listActions(page(q))],
    ['GET', /^\/actions\/([^/]+)$/, ([id]) => fis.getAction(id!)],
    ['GET', /^\/targetResourceTypes$/, (_, __, q) => fis.listTargetResourceTypes(page(q))],
    ['GET', /^\/targetResourceTypes\/([^/]+)$/, ([type]) => fis.getTargetResourceType(type!)],
    ['GET', /^\/tags\/([^/]+)$/, ([arn]) => fis.listTagsForResource(arn!)],
    ['POST', /^\/tags\/([^/]+)$/, ([arn], body) => fis.tagResource(arn!, body)],
    ['DELETE', /^\/tags\/([^/]+)$/, ([arn], __, q) => fis.untagResource(arn!, q.getAll('tagKeys'))],
  ];

  const handle = (method: string, target: string, text: string): unknown => {
    let url: URL;
    try {
      url = new URL(target, 'http://fis.local');
    } catch {
      throw validationError(`The request target ${target.slice(0, 100)} is not a valid URL.`);
    }
    const route = routes.find(([m, path]) => m === method && path.test(url.pathname));
    if (!route)
      throw new FisError('UnknownOperationException', `No FIS operation is ${method} ${url.pathname}.`);
    let params: string[];
    try {
      params = (route[1].exec(url.pathname) ?? []).slice(1).map(decodeURIComponent);
    } catch {
      throw validationError(`The path ${url.pathname.slice(0, 100)} is not validly percent-encoded.`);
    }
    let body: unknown;
    if (text.trim()) {
      try {
        body = JSON.parse(text);
      } catch (error) {
        throw validationError(`The request body is not valid JSON: ${(error as Error).message}`);
      }
    }
    return route[2](params, body, url.searchParams);
  };

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('error', () => response.destroy()); // a client that went away: nobody to answer
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    request.on('end', () => {
      const headers = { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() };
      let status = 200;
      let payload: unknown;
      try {
        if (size > MAX_BODY) throw validationError(`The request body is over ${MAX_BODY} bytes.`);
        payload = handle(request.method ?? 'GET', request.url ?? '/', Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        const fisError =
          error instanceof FisError
            ? error
            : new FisError('InternalServerException', (error as Error).message);
        status = fisError.status;
        Object.assign(headers, { 'x-amzn-errortype': fisError.type });
        payload = { message: fisError.message };
      }
      response.writeHead(status, headers).end(JSON.stringify(payload));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    address,
    alarmState: (arn, state) => fis.alarmState(arn, state),
    close: () =>
      (closing ??= (async () => {
        await fis.stopAll('Experiment stopped: the FIS endpoint was shut down.');
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })()),
  };
}

/** Far above any real template (20 actions, 5 stop conditions): a guard, not a FIS limit. */
const MAX_BODY = 1_000_000;
