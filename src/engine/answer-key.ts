import { type IncidentFacts, rightCauses } from '../responders/diagnosis.ts';
import type { ResolvedScenario } from './resolve-scenario.ts';

/** What a facilitator holds during a blind round: what was injected, and what a right answer says. */
export interface AnswerKey {
  scenario: { id: string; title: string; runbook: number; procedure?: string };
  faults: { kind: string; description: string; afterMs: number }[];
  /** Per fault, the causes a right diagnosis names (any one of each). */
  rightDiagnosis: { fault: string; causes: string[] }[];
  alerts: { name: string; runbook: number; procedure?: string; fault: number }[];
  /** The remedy the runbooks give, in order. */
  remedy: { description: string; runbookStep?: string; onAlert?: string }[];
}

/** The incident as the diagnosis matcher needs it: each fault, and the procedures that answer them. */
export function incidentFacts(resolved: ResolvedScenario): IncidentFacts {
  return {
    faults: resolved.faults.map(({ kind, params, description }) => ({ kind, params, description })),
    procedures: resolved.alerts.map((alert) => ({
      fault: alert.fault,
      ...(alert.procedure === undefined ? {} : { procedure: alert.procedure }),
    })),
  };
}

export function answerKey(resolved: ResolvedScenario): AnswerKey {
  const { scenario } = resolved;
  return {
    scenario: {
      id: scenario.id,
      title: scenario.title,
      runbook: scenario.runbook.number,
      ...(scenario.runbook.procedure === undefined ? {} : { procedure: scenario.runbook.procedure }),
    },
    faults: resolved.faults.map(({ kind, description, afterMs }) => ({ kind, description, afterMs })),
    rightDiagnosis: rightCauses(incidentFacts(resolved)).map((part) => ({
      fault: part.description,
      causes: part.causes.map((cause) => cause.title),
    })),
    alerts: resolved.alerts.map((alert) => ({
      name: alert.rule.name,
      runbook: alert.rule.runbook,
      ...(alert.procedure === undefined ? {} : { procedure: alert.procedure }),
      fault: alert.fault,
    })),
    remedy: resolved.remedy.map(({ description, runbookStep, onAlert }) => ({
      description,
      ...(runbookStep === undefined ? {} : { runbookStep }),
      ...(onAlert === undefined ? {} : { onAlert }),
    })),
  };
}
