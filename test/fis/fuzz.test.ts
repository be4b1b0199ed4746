import { CreateExperimentTemplateCommand, StartExperimentCommand } from '@aws-sdk/client-fis';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { httpRequest } from '../../src/core/http-client.ts';
import { latencyTemplate, startTestEndpoint } from './fis-client.ts';

/**
 * Issue 22: whatever arrives, on any route, the endpoint answers without a 500, and every error is
 * FIS-shaped (x-amzn-errortype and a JSON body with a string `message`), so an SDK always gets a
 * typed error. 1,000 random requests to every route and 500 valid templates with one part replaced
 * by random JSON.
 */
let setup: Awaited<ReturnType<typeof startTestEndpoint>>;
const ids: string[] = [];
beforeAll(async () => {
  setup = await startTestEndpoint({ timeScale: 6000, maxActiveExperiments: 3 });
  const { experimentTemplate } = await setup.client.send(
    new CreateExperimentTemplateCommand(latencyTemplate()),
  );
  const { experiment } = await setup.client.send(
    new StartExperimentCommand({ experimentTemplateId: experimentTemplate!.id }),
  );
  ids.push(
    experimentTemplate!.id!,
    experiment!.id!,
    `arn:aws:fis:us-east-1:123456789012:experiment/${experiment!.id}`,
  );
});
afterAll(() => setup?.endpoint.close());

const ROUTES = [
  '/experimentTemplates',
  '/experimentTemplates/{}',
  '/experiments',
  '/experiments/{}',
  '/experiments/{}/resolvedTargets',
  '/actions',
  '/actions/{}',
  '/targetResourceTypes',
  '/targetResourceTypes/{}',
  '/tags/{}',
  '/{}',
];

const segment = fc.oneof(
  // Object.prototype's members: a registry read by a caller's key must not find them (CI found valueOf).
  fc.constantFrom(
    '%',
    '%E0%A4%A',
    '..',
    '%2F',
    'EXT',
    'aws:fis:wait',
    'aws:eks:pod',
    '',
    'valueOf',
    'constructor',
    '__proto__',
  ),
  fc.constant(null).map(() => ids[0]!),
  fc.constant(null).map(() => ids[1]!),
  fc.constant(null).map(() => encodeURIComponent(ids[2]!)),
  fc.string().map(encodeURIComponent),
);
const query = fc.oneof(
  fc.constant(''),
  fc
    .record(
      {
        maxResults: fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), fc.string()),
        nextToken: fc.string(),
      },
      { requiredKeys: [] },
    )
    .map((q) => `?${new URLSearchParams(q as Record<string, string>)}`),
  fc.string().map((s) => `?tagKeys=${encodeURIComponent(s)}&targetName=${encodeURIComponent(s)}`),
);
const body = fc.oneof(
  fc.constant(''),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string(),
  fc
    .record({
      clientToken: fc.string(),
      experimentTemplateId: fc.oneof(
        fc.string(),
        fc.constant(null).map(() => ids[0]!),
      ),
    })
    .map((v) => JSON.stringify(v)),
);

async function assertFisShaped(method: string, path: string, text: string): Promise<void> {
  const response = await httpRequest(`${setup.endpoint.url}${path}`, {
    method,
    ...(text ? { body: Buffer.from(text), headers: { 'content-type': 'application/json' } } : {}),
  });
  const described = `${method} ${path} ${text.slice(0, 200)} → ${response.status} ${response.raw.toString().slice(0, 300)}`;
  expect(response.status, described).toBeLessThan(500);
  expect(response.headers['content-type'], described).toBe('application/json');
  const parsed = JSON.parse(response.raw.toString('utf8')) as Record<string, unknown>;
  if (response.status >= 300) {
    expect(response.headers['x-amzn-errortype'], described).toMatch(/^[A-Z]\w+Exception$/);
    expect(typeof parsed.message, described).toBe('string');
  } else {
    expect(typeof parsed, described).toBe('object');
  }
}

it('answers 1,000 random requests on every route without a 500, every error FIS-shaped', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT'),
      fc.constantFrom(...ROUTES),
      segment,
      query,
      body,
      async (method, route, part, search, text) => {
        await assertFisShaped(method, `${route.replace('{}', part)}${search}`, text);
      },
    ),
    { numRuns: 1000 },
  );
});

/** Paths into a valid template, each replaced by random JSON to reach the deep checks. */
const TEMPLATE_PATHS = [
  [],
  ['description'],
  ['roleArn'],
  ['stopConditions'],
  ['stopConditions', 0],
  ['stopConditions', 0, 'source'],
  ['targets'],
  ['targets', 'backend'],
  ['targets', 'backend', 'resourceArns'],
  ['targets', 'backend', 'resourceTags'],
  ['targets', 'backend', 'filters'],
  ['targets', 'backend', 'parameters'],
  ['targets', 'backend', 'selectionMode'],
  ['actions'],
  ['actions', 'latency'],
  ['actions', 'latency', 'actionId'],
  ['actions', 'latency', 'parameters'],
  ['actions', 'latency', 'parameters', 'duration'],
  ['actions', 'latency', 'targets'],
  ['actions', 'latency', 'startAfter'],
  ['experimentOptions'],
  ['tags'],
] as const;

function replaced(path: readonly (string | number)[], value: unknown): unknown {
  const template: Record<string, unknown> = { clientToken: 'fuzz', ...latencyTemplate() };
  if (path.length === 0) return value;
  let at = template as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path.at(-1)!] = value;
  return template;
}

it('answers 500 templates with one part replaced by random JSON without a 500, on create and update', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...TEMPLATE_PATHS),
      fc.jsonValue(),
      fc.constantFrom('POST /experimentTemplates', `PATCH /experimentTemplates/{}`),
      fc.uuid(),
      async (path, value, route, token) => {
        const [method, target] = route.split(' ') as [string, string];
        const input = replaced(path, value) as Record<string, unknown>;
        if (input && typeof input === 'object' && !Array.isArray(input)) input.clientToken = token;
        await assertFisShaped(method, target.replace('{}', ids[0]!), JSON.stringify(input) ?? '');
      },
    ),
    { numRuns: 500 },
  );
});
