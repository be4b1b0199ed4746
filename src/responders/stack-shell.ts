import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { redactSecrets } from '../core/redact.ts';
import type { ShellTools } from '../runbooks/run-shell.ts';
import type { KubernetesTarget, Stack } from '../stack/stack.ts';
import { startCtlEndpoint } from './ctl-endpoint.ts';

/** kubectl, psql and curl for a stack without Kubernetes (see shims/shim.mjs). */
export const SHIMS_DIR = fileURLToPath(new URL('./shims/', import.meta.url));

/** The first `name` on PATH that is not one of the shims: the real tool the shim hands over to. */
function realTool(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir || path.resolve(dir) === path.resolve(SHIMS_DIR)) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const DATABASE_URL = /\bpostgres(?:ql)?:\/\/[^\s"'`]+/g;

/**
 * The runbook's database URLs (`postgresql://chatuser:pass@chatdb-replica-1.internal:5432/chatdb`) name
 * its own hosts and placeholder passwords: each becomes this stack's application URL, the replica's
 * when the runbook's host is a replica's.
 */
export function substituteDatabaseUrls(
  command: string,
  database: { appUrl: string; replicaAppUrl?: string },
): { command: string; substitutions: string[] } {
  const substitutions: string[] = [];
  const rewritten = command.replace(DATABASE_URL, (url) => {
    const host = /@([^:/]+)/.exec(url)?.[1] ?? '';
    const replica = /replica|standby|secondary/i.test(host) && database.replicaAppUrl;
    const target = replica ? database.replicaAppUrl! : database.appUrl;
    if (url === target) return url;
    substitutions.push(
      `${redactSecrets(url)} → the stack's ${replica ? 'replica' : 'database'} (${redactSecrets(target)})`,
    );
    return target;
  });
  return { command: rewritten, substitutions };
}

/**
 * A runbook's kubectl commands for a stack on Kubernetes: its namespace and deployment name for the
 * runbook's (`-n production`, `deployment/chat-backend`), its kube context added.
 */
export function substituteKubernetes(
  command: string,
  target: KubernetesTarget,
): { command: string; substitutions: string[] } {
  const substitutions: string[] = [];
  let rewritten = command;
  if (target.namespace) {
    rewritten = rewritten.replace(
      /(\s)(-n|--namespace)(\s+|=)([\w.-]+)/g,
      (whole, space: string, flag: string, gap: string, namespace: string) => {
        if (namespace === target.namespace) return whole;
        substitutions.push(`namespace ${namespace} → ${target.namespace}`);
        return `${space}${flag}${gap}${target.namespace}`;
      },
    );
  }
  if (target.deployment) {
    rewritten = rewritten.replace(
      /\b(deployment|deploy)\/([\w.-]+)/g,
      (whole, kind: string, name: string) => {
        if (name === target.deployment) return whole;
        substitutions.push(`${kind}/${name} → ${kind}/${target.deployment}`);
        return `${kind}/${target.deployment}`;
      },
    );
  }
  if (target.context) {
    rewritten = rewritten.replace(/\bkubectl(?=\s)/g, () => `kubectl --context ${target.context}`);
    if (rewritten !== command) substitutions.push(`kube context ${target.context}`);
  }
  return { command: rewritten, substitutions: [...new Set(substitutions)] };
}

/**
 * Where a runbook's shell commands run against `stack`: kubectl is a shim over `gameday ctl` on this
 * stack (on an external stack that names a Kubernetes context, the real kubectl with the config's
 * context and namespace), psql is the stack's database, curl is aimed at the stack's front; the
 * variables runbooks use for credentials ($ADMIN_TOKEN, $FF_API_KEY) hold the stack's.
 */
export async function stackShell(stack: Stack): Promise<{ tools: ShellTools; close(): Promise<void> }> {
  const kubernetes = stack.kubernetes;
  const endpoint = kubernetes ? undefined : await startCtlEndpoint(stack);
  const curl = realTool('curl');
  const psql = realTool('psql');
  const kubectl = kubernetes ? realTool('kubectl') : undefined;
  const tools: ShellTools = {
    get env() {
      return {
        PATH: `${SHIMS_DIR}${path.delimiter}${process.env.PATH ?? ''}`,
        // On a Kubernetes stack the kubectl shim hands over to the real one.
        ...(kubectl ? { GAMEDAY_REAL_KUBECTL: kubectl } : {}),
        GAMEDAY_NODE: process.execPath,
        GAMEDAY_FRONT_URL: stack.endpoints.frontUrl,
        // Whichever server is the primary now (the replica, once promoted).
        GAMEDAY_DATABASE_URL: stack.database.adminUrl(),
        ...(endpoint ? { GAMEDAY_CTL_URL: endpoint.url, GAMEDAY_CTL_TOKEN: endpoint.token } : {}),
        ...(curl ? { GAMEDAY_REAL_CURL: curl } : {}),
        ...(psql ? { GAMEDAY_REAL_PSQL: psql } : {}),
        ADMIN_TOKEN: stack.secrets.adminToken,
        FF_API_KEY: stack.secrets.adminToken,
      };
    },
    substitute(command) {
      const database = substituteDatabaseUrls(command, stack.endpoints.database);
      if (!kubernetes) return database;
      const kube = substituteKubernetes(database.command, kubernetes);
      return { command: kube.command, substitutions: [...database.substitutions, ...kube.substitutions] };
    },
  };
  return { tools, close: async () => endpoint?.close() };
}
